package passkey_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// androidKeyStatement describes one android-key statement to build: the
// key description's fields and what to change after signing.
type androidKeyStatement struct {
	challenge      []byte          // attestationChallenge; nil means clientDataHash
	software, tee  []asn1.RawValue // authorization list elements
	otherCertKey   bool            // credCert holds another key than the credential's
	corruptSig     bool
	otherCA        bool // the chain ends at a CA the test does not give
	rawTee         []byte
	noKeyDescExt   bool
	trailingKeyDes bool
}

// akTag is one explicitly tagged AuthorizationList element holding der.
func akTag(tag int, der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, IsCompound: true, Bytes: der}
}

func akInt(t *testing.T, v int) []byte {
	b, err := asn1.Marshal(v)
	require.NoError(t, err)
	return b
}

func akPurpose(t *testing.T, v ...int) []byte {
	b, err := asn1.MarshalWithParams(v, "set")
	require.NoError(t, err)
	return b
}

// akOK is a teeEnforced list as a TEE-generated signing key has it:
// purpose {SIGN}, origin GENERATED (Android "Key and ID attestation"
// schema tags 1 and 702).
func akOK(t *testing.T) []asn1.RawValue {
	return []asn1.RawValue{akTag(1, akPurpose(t, 2)), akTag(702, akInt(t, 0))}
}

func akList(t *testing.T, els []asn1.RawValue) asn1.RawValue {
	var body []byte
	for _, el := range els {
		b, err := asn1.Marshal(el)
		require.NoError(t, err)
		body = append(body, b...)
	}
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body}
}

// androidKeyRegistration builds an android-key registration from a virtual
// authenticator's none registration: a test CA issues credCert for the
// credential key with the key description extension, and the statement is
// signed with that key (§8.4's sig over authenticatorData ||
// clientDataHash). It returns the response and the CA to trust.
func androidKeyRegistration(t *testing.T, st androidKeyStatement) ([]byte, *x509.Certificate) {
	t.Helper()
	credKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	a := newAuthenticator(t, passkeytest.AttestationNone, passkeytest.ES256)
	reg := register(t, a, func(o *passkeytest.RegisterOptions) { o.Key = credKey })

	var resp struct {
		Response struct {
			ClientDataJSON    string `json:"clientDataJSON"`
			AttestationObject string `json:"attestationObject"`
		} `json:"response"`
	}
	require.NoError(t, jsonUnmarshal(reg, &resp))
	cdj, err := base64.RawURLEncoding.DecodeString(resp.Response.ClientDataJSON)
	require.NoError(t, err)
	ao, err := base64.RawURLEncoding.DecodeString(resp.Response.AttestationObject)
	require.NoError(t, err)
	authData := authenticatorData(t, ao)
	cdh := sha256.Sum256(cdj)

	now := time.Now()
	newCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		require.NoError(t, err)
		cert, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		return cert, key
	}
	ca, caKey := newCA("keytier android-key test CA")
	issuer, issuerKey := ca, caKey
	if st.otherCA {
		issuer, issuerKey = newCA("another CA")
	}

	challenge := st.challenge
	if challenge == nil {
		challenge = cdh[:]
	}
	tee := akList(t, st.tee)
	if st.rawTee != nil {
		tee = asn1.RawValue{FullBytes: st.rawTee}
	}
	kd, err := asn1.Marshal(struct {
		AttestationVersion       int
		AttestationSecurityLevel asn1.Enumerated
		KeymasterVersion         int
		KeymasterSecurityLevel   asn1.Enumerated
		AttestationChallenge     []byte
		UniqueID                 []byte
		SoftwareEnforced         asn1.RawValue
		TeeEnforced              asn1.RawValue
	}{200, 1, 200, 1, challenge, []byte{}, akList(t, st.software), tee})
	require.NoError(t, err)
	if st.trailingKeyDes {
		kd = append(kd, 0x05, 0x00)
	}
	certPub := &credKey.PublicKey
	if st.otherCertKey {
		other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		certPub = &other.PublicKey
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Android Keystore Key"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(12 * time.Hour),
	}
	if !st.noKeyDescExt {
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}, Value: kd}}
	}
	leaf, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, certPub, issuerKey)
	require.NoError(t, err)

	digest := sha256.Sum256(slices.Concat(authData, cdh[:]))
	sig, err := ecdsa.SignASN1(rand.Reader, credKey, digest[:])
	require.NoError(t, err)
	if st.corruptSig {
		sig[len(sig)-1] ^= 0x01
	}
	newAO, err := cbor.Marshal(map[string]any{
		"fmt":      "android-key",
		"attStmt":  map[string]any{"alg": -7, "sig": sig, "x5c": [][]byte{leaf, issuer.Raw}},
		"authData": authData,
	})
	require.NoError(t, err)
	return editJSON(t, reg, func(m map[string]any) {
		m["response"].(map[string]any)["attestationObject"] = base64.RawURLEncoding.EncodeToString(newAO)
	}), ca
}

// TestAndroidKeyAgainstCallerAnchors: an android-key statement whose chain
// reaches a trust anchor the caller gave, not one of the Google roots
// go-webauthn carries, is judged by keytier's §8.4 procedure
// (passkey/androidkey.go), step by step. Without the anchor go-webauthn's
// refusal stands, so the anchor is what admits the chain.
func TestAndroidKeyAgainstCallerAnchors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		st     func(t *testing.T) androidKeyStatement
		code   passkey.Code // "" for a statement that verifies
		where  string
		reason string
	}{
		{name: "TEE-generated signing key", st: func(t *testing.T) androidKeyStatement { return androidKeyStatement{tee: akOK(t)} }},
		{name: "purpose sign among others", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: []asn1.RawValue{akTag(1, akPurpose(t, 2, 3)), akTag(702, akInt(t, 0))}}
		}},
		{name: "an unknown tag before origin", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: []asn1.RawValue{akTag(1, akPurpose(t, 2)), akTag(650, akInt(t, 7)), akTag(702, akInt(t, 0))}}
		}},
		// Step 2.
		{name: "signature bit flipped", st: func(t *testing.T) androidKeyStatement { return androidKeyStatement{tee: akOK(t), corruptSig: true} },
			code: passkey.CodeSignatureInvalid, where: "attStmt.sig", reason: "android-key: the signature does not verify"},
		// Step 3.
		{name: "credCert holds another key", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: akOK(t), otherCertKey: true}
		}, code: passkey.CodeSignatureInvalid, where: "attStmt.sig"},
		// Step 4.
		{name: "attestationChallenge of another registration", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: akOK(t), challenge: make([]byte, 32)}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "attestationChallenge is not clientDataHash"},
		{name: "no key description", st: func(t *testing.T) androidKeyStatement { return androidKeyStatement{tee: akOK(t), noKeyDescExt: true} },
			code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "lacks the key description extension"},
		{name: "bytes after the key description", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: akOK(t), trailingKeyDes: true}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "is not a KeyDescription"},
		// Step 5.
		{name: "allApplications in softwareEnforced", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: akOK(t), software: []asn1.RawValue{akTag(600, []byte{0x05, 0x00})}}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "softwareEnforced has allApplications"},
		{name: "allApplications in teeEnforced", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: append(akOK(t), akTag(600, []byte{0x05, 0x00}))}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "teeEnforced has allApplications"},
		{name: "origin imported", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: []asn1.RawValue{akTag(1, akPurpose(t, 2)), akTag(702, akInt(t, 2))}}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "has origin 2, not KM_ORIGIN_GENERATED"},
		// keytier's scope is teeEnforced: software's word is not enough.
		{name: "origin and purpose only in softwareEnforced", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{software: akOK(t)}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "teeEnforced authorization list has no origin"},
		{name: "purpose decrypt only", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: []asn1.RawValue{akTag(1, akPurpose(t, 1)), akTag(702, akInt(t, 0))}}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "lacks KM_PURPOSE_SIGN"},
		{name: "origin given twice", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{tee: []asn1.RawValue{akTag(1, akPurpose(t, 2)), akTag(702, akInt(t, 0)), akTag(702, akInt(t, 2))}}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "tag [702] appears twice"},
		{name: "teeEnforced not a SEQUENCE", st: func(t *testing.T) androidKeyStatement {
			return androidKeyStatement{rawTee: []byte{0x04, 0x00}}
		}, code: passkey.CodeAttestationInvalid, where: "attStmt.x5c[0]", reason: "teeEnforced is not a SEQUENCE"},
		// The chain must reach the anchor given.
		{name: "chain to another CA", st: func(t *testing.T) androidKeyStatement { return androidKeyStatement{tee: akOK(t), otherCA: true} },
			code: passkey.CodeAttestationInvalid, where: "attStmt.x5c", reason: "reaches neither a Google hardware attestation root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, ca := androidKeyRegistration(t, tc.st(t))

			// Control: without the anchor, go-webauthn's chain check fails.
			_, err := passkey.Verify(data, testOptions())
			var pe *passkey.Error
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, passkey.CodeAttestationInvalid, pe.Code, "%v", err)
			assert.Contains(t, pe.Reason, "Error validating x5c cert chain")

			opts := testOptions()
			opts.Roots = []*x509.Certificate{ca}
			c, err := passkey.Verify(data, opts)
			if tc.code == "" {
				require.NoError(t, err)
				assert.Equal(t, passkey.AttestationBasic, c.Attestation.Type)
				assert.True(t, c.Attestation.SignatureVerified)
				assert.True(t, c.Attestation.Trusted)
				assert.Contains(t, c.Attestation.Notes[0], "§8.4")
				return
			}
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.code, pe.Code, "%v", err)
			assert.Equal(t, tc.where, pe.Where, "%v", err)
			assert.Contains(t, pe.Reason, tc.reason)
		})
	}
}
