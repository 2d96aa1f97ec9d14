package passkey

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"
	"time"

	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// This file holds keytier's android-key verification procedure (WebAuthn
// L3 §8.4), for a statement go-webauthn refused only because its x5c chain
// does not reach one of the Google hardware attestation roots go-webauthn
// carries. Like appleAt for the Apple root, it runs only when the caller
// gave trust anchors and the chain reaches one of them at the reference
// time; then every step of §8.4 is keytier's, since go-webauthn's chain
// check comes before all of them but the statement's decoding.
//
// §8.4 leaves one choice to the relying party: check the key's origin and
// purpose in "only the teeEnforced authorization list if the RP wants to
// accept only keys from a trusted execution environment, otherwise […] the
// union of teeEnforced and softwareEnforced". keytier uses teeEnforced
// only: it is go-webauthn's default scope (so a statement reaches the
// same verdict whichever of the two judges it), and a key whose origin
// and purpose only software vouches for is not what a relying party pays
// for when it checks android-key attestation to a hardware root.

// oidAndroidKeyDescription is the Android key attestation extension
// (§8.4.1; Android's "Key and ID attestation" schema, KeyDescription).
var oidAndroidKeyDescription = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 17}

// Android Keymaster / KeyMint authorization tags and values §8.4 reads.
const (
	kmTagPurpose         = 1   // purpose: [1] EXPLICIT SET OF INTEGER
	kmTagAllApplications = 600 // allApplications: [600] EXPLICIT NULL
	kmTagOrigin          = 702 // origin: [702] EXPLICIT INTEGER
	kmPurposeSign        = 2   // KM_PURPOSE_SIGN
	kmOriginGenerated    = 0   // KM_ORIGIN_GENERATED
)

// keyDescription is the head of Android's KeyDescription SEQUENCE; the two
// authorization lists are kept raw and walked element by element
// (authorizationList), so no element, known or not, can hide another.
type keyDescription struct {
	AttestationVersion       int64
	AttestationSecurityLevel asn1.Enumerated
	KeymasterVersion         int64
	KeymasterSecurityLevel   asn1.Enumerated
	AttestationChallenge     []byte
	UniqueID                 []byte
	SoftwareEnforced         asn1.RawValue
	TeeEnforced              asn1.RawValue
}

// authorizationList maps each tag of an AuthorizationList to the DER of
// the value its explicit tag wraps.
type authorizationList map[int][]byte

func parseAuthorizationList(raw asn1.RawValue, name string) (authorizationList, error) {
	if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence || !raw.IsCompound {
		return nil, fmt.Errorf("%s is not a SEQUENCE", name)
	}
	list := authorizationList{}
	rest := raw.Bytes
	for len(rest) > 0 {
		var el asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &el); err != nil {
			return nil, fmt.Errorf("%s: element %d: %v", name, len(list), err)
		}
		if el.Class != asn1.ClassContextSpecific || !el.IsCompound {
			return nil, fmt.Errorf("%s: element %d is not an explicitly tagged field", name, len(list))
		}
		if _, dup := list[el.Tag]; dup {
			return nil, fmt.Errorf("%s: tag [%d] appears twice", name, el.Tag)
		}
		list[el.Tag] = el.Bytes
	}
	return list, nil
}

// origin returns the list's origin, and whether it has one.
func (l authorizationList) origin() (int64, bool, error) {
	der, ok := l[kmTagOrigin]
	if !ok {
		return 0, false, nil
	}
	var v int64
	if rest, err := asn1.Unmarshal(der, &v); err != nil || len(rest) != 0 {
		return 0, false, fmt.Errorf("origin [%d] is not one INTEGER", kmTagOrigin)
	}
	return v, true, nil
}

// purposes returns the list's purpose set.
func (l authorizationList) purposes() ([]int64, error) {
	der, ok := l[kmTagPurpose]
	if !ok {
		return nil, nil
	}
	var v []int64
	if rest, err := asn1.UnmarshalWithParams(der, &v, "set"); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("purpose [%d] is not a SET OF INTEGER", kmTagPurpose)
	}
	return v, nil
}

// androidKeyAt is §8.4's verification procedure, with the chain required
// to reach one of anchors as of ref instead of go-webauthn's Google roots.
// Errors are *Error naming the step.
func (c *Credential) androidKeyAt(clientDataHash []byte, ref time.Time, anchors []*x509.Certificate) error {
	stmt := c.att.AttStatement
	// Step 1: attStmt is alg, sig, x5c (decoded with the statement).
	alg, ok := stmt["alg"].(int64)
	if !ok {
		return errorf(CodeAttestationInvalid, "attStmt.alg", nil, "android-key: alg missing")
	}
	sig, ok := stmt["sig"].([]byte)
	if !ok {
		return errorf(CodeAttestationInvalid, "attStmt.sig", nil, "android-key: sig missing")
	}
	certs, err := c.x5cCertificates()
	if err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c", nil, "android-key: %v", err)
	}
	if _, err := chainAt(c.Format, certs, poolOf(anchors), ref); err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c", nil, "android-key: the chain reaches neither a Google hardware attestation root go-webauthn carries nor a trust anchor you gave, as of %s: %v", c.refText(ref), err)
	}
	credCert := certs[0]
	// Step 2: sig is a valid signature over authenticatorData ||
	// clientDataHash with the public key of credCert and alg.
	sigAlg := webauthncose.SigAlgFromCOSEAlg(webauthncose.COSEAlgorithmIdentifier(alg))
	if sigAlg == x509.UnknownSignatureAlgorithm {
		return errorf(CodeAttestationInvalid, "attStmt.alg", nil, "android-key: unsupported COSE alg %d", alg)
	}
	if err := credCert.CheckSignature(sigAlg, slices.Concat(c.att.RawAuthData, clientDataHash), sig); err != nil {
		return errorf(CodeSignatureInvalid, "attStmt.sig", nil, "android-key: the signature does not verify with the key of %s: %v", certName(credCert), err)
	}
	// Step 3: credCert's public key is the credential public key.
	pub, ok := cryptoPublicKey(c.PublicKey)
	eq, comparable := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !comparable || !eq.Equal(credCert.PublicKey) {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: the credential public key is not credCert's subject public key")
	}
	// Step 4: attestationChallenge in the key description is
	// clientDataHash.
	var ext []byte
	for _, e := range credCert.Extensions {
		if e.Id.Equal(oidAndroidKeyDescription) {
			ext = e.Value
		}
	}
	if ext == nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: credCert lacks the key description extension %s", oidAndroidKeyDescription)
	}
	var kd keyDescription
	if rest, err := asn1.Unmarshal(ext, &kd); err != nil || len(rest) != 0 {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", err, "android-key: the key description extension is not a KeyDescription")
	}
	if !bytes.Equal(kd.AttestationChallenge, clientDataHash) {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: attestationChallenge is not clientDataHash: the key was attested for another registration")
	}
	// Step 5: allApplications is on neither list; origin and purpose, from
	// teeEnforced (see the file comment).
	sw, err := parseAuthorizationList(kd.SoftwareEnforced, "softwareEnforced")
	if err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: %v", err)
	}
	tee, err := parseAuthorizationList(kd.TeeEnforced, "teeEnforced")
	if err != nil {
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: %v", err)
	}
	for name, l := range map[string]authorizationList{"softwareEnforced": sw, "teeEnforced": tee} {
		if _, ok := l[kmTagAllApplications]; ok {
			return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: %s has allApplications: the key is not scoped to the RP ID", name)
		}
	}
	origin, present, err := tee.origin()
	switch {
	case err != nil:
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: teeEnforced %v", err)
	case !present:
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: the teeEnforced authorization list has no origin, so it does not say the key was generated in the TEE (KM_ORIGIN_GENERATED)")
	case origin != kmOriginGenerated:
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: the teeEnforced authorization list has origin %d, not KM_ORIGIN_GENERATED (%d): the key was not generated in the TEE", origin, kmOriginGenerated)
	}
	purposes, err := tee.purposes()
	switch {
	case err != nil:
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: teeEnforced %v", err)
	case !slices.Contains(purposes, kmPurposeSign):
		return errorf(CodeAttestationInvalid, "attStmt.x5c[0]", nil, "android-key: the teeEnforced authorization list's purpose %v lacks KM_PURPOSE_SIGN (%d)", purposes, kmPurposeSign)
	}
	// Step 6: attestation type Basic, trust path x5c.
	return nil
}
