package passkey

import (
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/passkey/mds"
)

// Metadata is what a FIDO MDS3 entry says about the authenticator.
type Metadata struct {
	Description        string   `json:"description"`
	KeyProtection      []string `json:"keyProtection,omitempty"`
	AttachmentHint     []string `json:"attachmentHint,omitempty"`
	CertificationLevel string   `json:"certificationLevel,omitempty"`
	FIPS140Level       int      `json:"fips140Level,omitempty"`
	Status             []string `json:"status,omitempty"`
	Revoked            bool     `json:"revoked"`
	NextUpdate         string   `json:"blobNextUpdate,omitempty"`
	Stale              bool     `json:"blobStale"`
}

// lookupMetadata finds the authenticator's MDS entry: by AAGUID, or for
// fido-u2f authenticators (zero AAGUID) by the attestation certificate's
// subject key identifier, as MDS3 lists them.
func (c *Credential) lookupMetadata(blob *mds.BLOB) *mds.Entry {
	if blob == nil {
		return nil
	}
	if c.AAGUID != uuid.Nil {
		if e, ok := blob.Lookup(c.AAGUID); ok {
			return e
		}
		return nil
	}
	if certs, _ := c.Attestation.Certificates(); len(certs) > 0 {
		if ski := certs[0].SubjectKeyId; len(ski) > 0 {
			if e, ok := blob.LookupByKeyIdentifier(hex.EncodeToString(ski)); ok {
				return e
			}
		}
	}
	return nil
}

// assessTrust decides whether the attestation chains to a trust anchor
// (§7.1: obtain trust anchors, assess trustworthiness), at the reference
// time, and applies the MDS status.
func (c *Credential) assessTrust(o *VerifyOptions, entry *mds.Entry, ref, now time.Time) error {
	a := &c.Attestation
	a.Trusted, a.TrustedBy = false, ""
	if entry != nil {
		a.Metadata = metadataOf(entry, o.MDS, now)
		if a.Metadata.Stale {
			c.Warnings = append(c.Warnings, "the MDS BLOB's nextUpdate ("+a.Metadata.NextUpdate+") has passed: fetch a fresh BLOB")
		}
		if (entry.Revoked || entry.Compromised) && !o.AllowRevoked {
			return errorf(CodeAuthenticatorStatus, "mds", nil, "FIDO MDS reports %s as %v", entry.Description, a.Metadata.Status)
		}
	} else if o.MDS != nil {
		a.Notes = append(a.Notes, "The MDS BLOB (next update "+o.MDS.NextUpdate.UTC().Format(time.DateOnly)+") has no entry for this authenticator.")
		if o.MDS.Stale(now) {
			c.Warnings = append(c.Warnings, "the MDS BLOB's nextUpdate ("+o.MDS.NextUpdate.UTC().Format(time.RFC3339)+") has passed: fetch a fresh BLOB")
		}
	}
	switch a.Type {
	case AttestationNone:
		a.Notes = append(a.Notes, "No attestation: nothing vouches for the authenticator; everything it says (AAGUID, flags) is its own word.")
	case AttestationSelf:
		a.Notes = append(a.Notes, "Self attestation: the statement is signed by the credential's own key, which proves possession but nothing about the authenticator.")
	default:
		if err := c.chainToAnchor(o, entry, ref); err != nil {
			a.Notes = append(a.Notes, err.Error())
		}
	}
	if o.RequireTrustedAttestation && !a.Trusted {
		return errorf(CodeUntrusted, "attStmt", nil, "%s attestation does not chain to a trust anchor", a.Type)
	}
	return nil
}

func (c *Credential) chainToAnchor(o *VerifyOptions, entry *mds.Entry, ref time.Time) error {
	a := &c.Attestation
	certs, err := a.Certificates()
	if err != nil {
		return fmt.Errorf("The attestation certificates do not parse: %v", err)
	}
	if len(certs) == 0 {
		return fmt.Errorf("%s attestation carries no certificates", a.Type)
	}
	roots := x509.NewCertPool()
	fromMDS := map[string]bool{}
	n := 0
	if entry != nil {
		for _, r := range entry.RootCertificates {
			roots.AddCert(r)
			fromMDS[string(r.Raw)] = true
			n++
		}
	}
	for _, r := range o.Roots {
		roots.AddCert(r)
		n++
	}
	if n == 0 {
		note := "No trust anchors were given (an MDS BLOB or root certificates), so the chain was not evaluated."
		if c.Format == "apple" || c.Format == "android-key" {
			note += " go-webauthn checked it against the " + c.Format + " vendor root it carries, ignoring certificate expiry."
		}
		return fmt.Errorf("%s", note)
	}
	plain := make([]*x509.Certificate, len(certs))
	for i, cert := range certs {
		plain[i] = cert.Certificate
	}
	chains, err := chainAt(c.Format, plain, roots, ref)
	if err != nil {
		return fmt.Errorf("The attestation chain does not reach a trust anchor as of %s: %v", c.refText(ref), err)
	}
	a.Trusted = true
	a.TrustedBy = "root"
	if anchor := chains[0][len(chains[0])-1]; fromMDS[string(anchor.Raw)] {
		a.TrustedBy = "mds"
	}
	a.Notes = append(a.Notes, fmt.Sprintf("The attestation chains to the trust anchor %q (from %s) as of %s.", chains[0][len(chains[0])-1].Subject.String(), a.TrustedBy, c.refText(ref)))
	return nil
}

// callerAnchors are the trust anchors the caller gave for this
// credential: the roots its MDS entry lists and VerifyOptions.Roots.
func (c *Credential) callerAnchors(o *VerifyOptions) []*x509.Certificate {
	var out []*x509.Certificate
	if e := c.lookupMetadata(o.MDS); e != nil {
		out = append(out, e.RootCertificates...)
	}
	return append(out, o.Roots...)
}

func poolOf(certs []*x509.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool
}

// chainAt verifies an attestation chain (leaf first) to roots as of ref.
// Attestation certificates are not TLS certificates: any EKU
// (tcg-kp-AIKCertificate for TPM) is acceptable. A TPM AIK's subject
// alternative name is critical and holds only a directoryName, which
// crypto/x509 does not parse and so refuses when critical; keytier reads
// it itself (tpmSAN, §8.3.1), so it is not held against the chain.
func chainAt(format string, certs []*x509.Certificate, roots *x509.CertPool, ref time.Time) ([][]*x509.Certificate, error) {
	leaf := certs[0]
	if format == "tpm" && slices.ContainsFunc(leaf.UnhandledCriticalExtensions, oidSubjectAltName.Equal) {
		cp := *leaf
		cp.UnhandledCriticalExtensions = slices.DeleteFunc(slices.Clone(leaf.UnhandledCriticalExtensions), oidSubjectAltName.Equal)
		leaf = &cp
	}
	inter := x509.NewCertPool()
	for _, cert := range certs[1:] {
		inter.AddCert(cert)
	}
	return leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   ref,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
}

func metadataOf(e *mds.Entry, blob *mds.BLOB, now time.Time) *Metadata {
	m := &Metadata{
		Description:        e.Description,
		KeyProtection:      e.KeyProtection,
		AttachmentHint:     e.AttachmentHint,
		CertificationLevel: e.CertificationLevel,
		Revoked:            e.Revoked || e.Compromised,
	}
	if e.FIPS != nil {
		m.FIPS140Level = e.FIPS.Level
	}
	for _, s := range e.Status {
		m.Status = append(m.Status, s.Status)
	}
	if blob != nil {
		m.NextUpdate = blob.NextUpdate.UTC().Format(time.RFC3339)
		m.Stale = blob.Stale(now)
	}
	return m
}

// describe names the authenticator and decides synced vs device-bound from
// everything known so far.
func (c *Credential) describe(cat *catalog.Catalog, entry *mds.Entry) {
	var (
		ce catalog.Entry
		ok bool
	)
	if cat != nil {
		ce, ok = cat.Lookup(c.AAGUID)
	} else {
		ce, ok = catalog.Lookup(c.AAGUID)
	}
	kind := catalog.KindUnknown
	switch {
	case ok:
		c.Authenticator, kind = ce.Name, ce.Kind
	case entry != nil && entry.Description != "":
		c.Authenticator = entry.Description
	case c.AAGUID == uuid.Nil:
		c.Authenticator = "not disclosed (zero AAGUID)"
	default:
		c.Authenticator = "unknown authenticator " + c.AAGUID.String()
	}
	if kind == catalog.KindUnknown && entry != nil {
		kind = kindFromMetadata(entry)
	}
	c.AuthenticatorKind = string(kind)
	c.Backup = assessBackup(c.Flags, kind, c.Authenticator, c.Attestation.Trusted)
	c.PasskeyType = c.Backup.Type
}

// kindFromMetadata reads MDS3's attachmentHint: "internal" is a platform
// authenticator, "external" a roaming one.
func kindFromMetadata(e *mds.Entry) catalog.Kind {
	for _, h := range e.AttachmentHint {
		switch h {
		case "internal":
			return catalog.KindPlatform
		case "external":
			return catalog.KindSecurityKey
		}
	}
	return catalog.KindUnknown
}
