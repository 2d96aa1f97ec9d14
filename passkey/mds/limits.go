package mds

import "github.com/golang-jwt/jwt/v5"

// DefaultMaxSize is the largest BLOB Load accepts when Options.MaxSize is
// zero. Production BLOBs are about 5–10 MB; 16 MiB leaves room to grow while
// still refusing unbounded input.
const DefaultMaxSize int64 = 16 << 20

// maxChainLength bounds the x5c array. FIDO's BLOB carries the signing
// certificate and one intermediate; a long chain is pathological input that
// would only cost path-building time.
const maxChainLength = 8

// signingMethod returns the JWS algorithms accepted for a BLOB signature.
// FIDO's production BLOB is signed with RS256 and its conformance BLOBs with
// ES256 (MDS3 §3.1.7, Metadata BLOB). A switch rather than golang-jwt's
// registry keeps the accepted set fixed no matter what else registers
// algorithms.
func signingMethod(alg string) (jwt.SigningMethod, bool) {
	switch alg {
	case "RS256":
		return jwt.SigningMethodRS256, true
	case "ES256":
		return jwt.SigningMethodES256, true
	}
	return nil, false
}
