package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignIsRFC6979 pins the reproducibility doc.go promises for ECDSA to
// the standard's own test vector: RFC 6979 A.2.5, curve P-256, SHA-256,
// message "sample". A randomized signature would differ from it on every
// run.
func TestSignIsRFC6979(t *testing.T) {
	d, err := hex.DecodeString("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721")
	require.NoError(t, err)
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	require.NoError(t, err)

	sig, err := sign(key, []byte("sample"))
	require.NoError(t, err)

	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(sig, &rs)
	require.NoError(t, err)
	require.Empty(t, rest)
	assert.Equal(t, "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716", fmt.Sprintf("%064X", rs.R), "r")
	assert.Equal(t, "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8", fmt.Sprintf("%064X", rs.S), "s")
}
