package passkeytest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/big"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator data flags (WebAuthn L3 §6.1).
const (
	flagUP byte = 0x01
	flagUV byte = 0x04
	flagBE byte = 0x08
	flagBS byte = 0x10
	flagAT byte = 0x40
	flagED byte = 0x80
)

// cborEncoder encodes the way authenticators must: CTAP2 canonical CBOR
// (CTAP 2.1 §8 "Message Encoding"), which WebAuthn L3 §6.5.1.1 requires for
// credential public keys.
func cborEncoder() (cbor.EncMode, error) {
	em, err := cbor.CTAP2EncOptions().EncMode()
	if err != nil {
		return nil, fmt.Errorf("passkeytest: CBOR encoder: %w", err)
	}

	return em, nil
}

var b64 = base64.RawURLEncoding

// checkKey reports whether key fits alg, so that a caller's key cannot
// produce a credential whose COSE alg lies about it.
func checkKey(key crypto.Signer, alg Algorithm) error {
	switch pub := key.Public().(type) {
	case *ecdsa.PublicKey:
		if alg == ES256 && pub.Curve == elliptic.P256() {
			return nil
		}
	case ed25519.PublicKey:
		if alg == EdDSA {
			return nil
		}
	case *rsa.PublicKey:
		if alg == RS256 {
			return nil
		}
	}

	return fmt.Errorf("a %T key cannot make %v signatures", key.Public(), alg)
}

// coseKey encodes pub as a COSE_Key (RFC 9052 §7, RFC 9053 §7; WebAuthn L3
// §6.5.1.1 and its examples): EC2 with crv P-256 and both coordinates, OKP
// with crv Ed25519, RSA with n and e.
func coseKey(em cbor.EncMode, pub crypto.PublicKey, alg Algorithm) ([]byte, error) {
	const (
		ktyOKP   = 1
		ktyEC2   = 2
		ktyRSA   = 3
		crvP256  = 1
		crvEd255 = 6
	)

	var key map[int]any

	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		point, err := k.Bytes() // 0x04 || x || y
		if err != nil {
			return nil, err
		}

		key = map[int]any{1: ktyEC2, 3: int64(alg), -1: crvP256, -2: point[1:33], -3: point[33:65]}
	case ed25519.PublicKey:
		key = map[int]any{1: ktyOKP, 3: int64(alg), -1: crvEd255, -2: []byte(k)}
	case *rsa.PublicKey:
		key = map[int]any{1: ktyRSA, 3: int64(alg), -1: k.N.Bytes(), -2: big.NewInt(int64(k.E)).Bytes()}
	default:
		return nil, fmt.Errorf("passkeytest: no COSE encoding for %T", pub)
	}

	return em.Marshal(key)
}

// sign signs data with key the way WebAuthn signatures are made (§6.5.5):
// ECDSA as an ASN.1 DER Ecdsa-Sig-Value over SHA-256, RSASSA-PKCS1-v1_5
// over SHA-256, Ed25519 over the message itself.
//
// The standard library's keys sign deterministically, so the same inputs
// give the same bytes on every run: Ed25519 and PKCS #1 v1.5 always do, and
// (*ecdsa.PrivateKey).Sign with a nil io.Reader computes the nonce from the
// key and the digest as RFC 6979 describes (Go 1.24 and later; a non-nil
// Reader gives a randomized signature and, since Go 1.26, is ignored in
// favour of the system's randomness). Other signers a caller supplies get
// crypto/rand, since nil is not a Reader every implementation accepts.
func sign(key crypto.Signer, data []byte) ([]byte, error) {
	if _, ok := key.Public().(ed25519.PublicKey); ok {
		return key.Sign(deterministic(key), data, crypto.Hash(0))
	}

	digest := sha256.Sum256(data)

	return key.Sign(deterministic(key), digest[:], crypto.SHA256)
}

// deterministic returns the io.Reader that makes key sign deterministically:
// nil for the standard library's keys, crypto/rand for any other signer.
func deterministic(key crypto.Signer) io.Reader {
	switch key.(type) {
	case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
		return nil
	}

	return rand.Reader
}

// clientData is what the client collects (§5.8.1).
type clientData struct {
	Type        string
	Challenge   []byte
	Origin      string
	CrossOrigin bool
	TopOrigin   string
}

// marshal serializes the client data as §5.8.1.1 prescribes: type,
// challenge, origin, crossOrigin in that order, then topOrigin when there is
// one, so that relying parties using the limited verification algorithm of
// §5.8.1.2 can parse it. topOrigin is written even without crossOrigin when
// the caller asks, to test that relying parties refuse it.
func (c clientData) marshal() ([]byte, error) {
	var buf bytes.Buffer

	buf.WriteString(`{"type":`)

	if err := writeJSONString(&buf, c.Type); err != nil {
		return nil, err
	}

	buf.WriteString(`,"challenge":`)

	if err := writeJSONString(&buf, b64.EncodeToString(c.Challenge)); err != nil {
		return nil, err
	}

	buf.WriteString(`,"origin":`)

	if err := writeJSONString(&buf, c.Origin); err != nil {
		return nil, err
	}

	if c.CrossOrigin {
		buf.WriteString(`,"crossOrigin":true`)
	} else {
		buf.WriteString(`,"crossOrigin":false`)
	}

	if c.TopOrigin != "" {
		buf.WriteString(`,"topOrigin":`)

		if err := writeJSONString(&buf, c.TopOrigin); err != nil {
			return nil, err
		}
	}

	buf.WriteString(`}`)

	return buf.Bytes(), nil
}

// writeJSONString writes s as a JSON string without the HTML escaping
// encoding/json applies by default, which a browser's serializer does not.
func writeJSONString(buf *bytes.Buffer, s string) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)

	if err := enc.Encode(s); err != nil {
		return err
	}

	buf.Truncate(buf.Len() - 1) // Encode's newline

	return nil
}

// authData assembles authenticator data (§6.1): rpIdHash, flags, signCount,
// then attested credential data (§6.5.1) when attested is non-nil, then
// the extensions map.
func authData(rpID string, flags byte, signCount uint32, attested, extensions []byte) []byte {
	rpIDHash := sha256.Sum256([]byte(rpID))

	out := make([]byte, 0, 37+len(attested)+len(extensions))
	out = append(out, rpIDHash[:]...)
	out = append(out, flags)
	out = binary.BigEndian.AppendUint32(out, signCount)
	out = append(out, attested...)
	out = append(out, extensions...)

	return out
}

// attestedCredentialData is §6.5.1: aaguid, credentialIdLength (16 bits),
// credentialId, credentialPublicKey.
func attestedCredentialData(aaguid [16]byte, id, publicKey []byte) []byte {
	out := make([]byte, 0, 18+len(id)+len(publicKey))
	out = append(out, aaguid[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(id)))
	out = append(out, id...)
	out = append(out, publicKey...)

	return out
}

// clientExtensionResults returns the JSON of the client extension outputs,
// "{}" when there are none: toJSON() always includes the member.
func clientExtensionResults(results map[string]any) (json.RawMessage, error) {
	if len(results) == 0 {
		return json.RawMessage(`{}`), nil
	}

	data, err := json.Marshal(results)
	if err != nil {
		return nil, err
	}

	return data, nil
}

// corrupt flips the low bit of the last byte, which for every signature
// format used here (DER integers, raw Ed25519 and RSA values) still parses
// but no longer verifies.
func corrupt(sig []byte) []byte {
	out := bytes.Clone(sig)
	if len(out) > 0 {
		out[len(out)-1] ^= 0x01
	}

	return out
}
