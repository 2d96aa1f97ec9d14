package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/tap/sqlstore"
)

// TestOpenSQLiteOddPath opens files whose names contain the characters that
// delimit a URI: each must open exactly the named file.
func TestOpenSQLiteOddPath(t *testing.T) {
	for _, name := range []string{"a#1.db", "b?x=1.db", "c%41.db", "d 100%.db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			st, err := sqlstore.OpenSQLite(context.Background(), path)
			require.NoError(t, err)
			require.NoError(t, st.Close())
			_, err = os.Stat(path)
			assert.NoError(t, err, "the named file exists")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				assert.Contains(t, e.Name(), name, "no other file was created")
			}
		})
	}
}
