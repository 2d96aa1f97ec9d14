package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/playground"
)

func TestPlaygroundExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr := runCLI(t, "", "playground", "--export", dir)
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, dir)
	for _, f := range playground.Files {
		st, err := os.Stat(filepath.Join(dir, f))
		if assert.NoError(t, err, f) {
			assert.Positive(t, st.Size(), f)
		}
	}
}

func TestPlaygroundServes(t *testing.T) {
	cmd := exec.Command(os.Args[0], "playground", "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "KEYTIER_TEST_AS_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	url, ok := strings.CutPrefix(strings.Fields(line)[2], "http://localhost:")
	require.True(t, ok, "the URL printed names localhost: %s", line)
	resp, err := http.Get("http://127.0.0.1:" + url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), "keytier playground")
	assert.Equal(t, playground.ContentSecurityPolicy, resp.Header.Get("Content-Security-Policy"))

	code, _, stderr := runCLI(t, "", "playground", "--addr", "0.0.0.0:8080")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "loopback")
}
