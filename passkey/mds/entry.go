package mds

import (
	"crypto/x509"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/google/uuid"
)

// Entry is what keytier needs from one Metadata BLOB Payload Entry (MDS3
// §3.1.1) and its metadata statement. Fields derived from status reports
// (Revoked, Compromised, Retired, CertificationLevel, FIPS) are evaluated at
// the time Load ran (Options.Now), counting only reports in effect then: an
// effectiveDate in the future or a sunsetDate reached takes a report out.
type Entry struct {
	// AAGUID identifies a FIDO2 authenticator model; zero for fido-u2f and
	// UAF entries.
	AAGUID uuid.UUID
	// KeyIdentifiers are the entry's attestationCertificateKeyIdentifiers,
	// lowercase hex: how fido-u2f authenticators are listed.
	KeyIdentifiers []string
	// Description is the statement's English description.
	Description string
	// ProtocolFamily is "fido2", "u2f" or "uaf".
	ProtocolFamily string

	// KeyProtection lists how keys are protected, e.g. "hardware",
	// "secure_element", "tee", "software", "remote_handle" (FIDO Registry §3.2).
	KeyProtection []string
	// AttachmentHint lists how the authenticator attaches, e.g. "internal",
	// "external", "wired", "wireless", "nfc", "bluetooth" (FIDO Registry §3.4).
	AttachmentHint []string
	// AttestationTypes lists the attestation types the authenticator produces:
	// "basic_full", "basic_surrogate", "attca", "anonca", "none".
	AttestationTypes []string
	// RootCertificates are the statement's attestationRootCertificates, the
	// trust anchors for this model's attestation.
	RootCertificates []*x509.Certificate
	// MultiDeviceCredentialSupport is the statement's
	// multiDeviceCredentialSupport: "" (absent, meaning "unsupported"),
	// "unsupported", "explicit" or "implicit" (Metadata Statement v3.1).
	MultiDeviceCredentialSupport string

	// CertificationLevel is the highest FIDO authenticator certification in
	// effect: "FIDO_CERTIFIED" (the retired functional program),
	// "FIDO_CERTIFIED_L1", "…_L1plus", "…_L2", "…_L2plus", "…_L3",
	// "…_L3plus"; "" for none. A REVOKED report in effect voids it: Revoked
	// is then true and CertificationLevel is "".
	CertificationLevel string
	// FIPS is the highest FIPS 140 certification known for the
	// authenticator, nil if none.
	FIPS *FIPSCertification
	// Status holds every status report (MDS3 §3.1.3), in BLOB order.
	Status []StatusReport
	// Revoked: a REVOKED report is in effect (MDS3 §3.1.4: the FIDO Alliance
	// has determined the authenticator should not be trusted).
	Revoked bool
	// Compromised: an ATTESTATION_KEY_COMPROMISE, USER_KEY_REMOTE_COMPROMISE,
	// USER_KEY_PHYSICAL_COMPROMISE or USER_VERIFICATION_BYPASS report is in
	// effect. Like go-webauthn, a later report does not retract a compromise;
	// only its sunsetDate does. Reports scoped to one attestation or batch
	// certificate count here for the whole model; BLOB.Provider scopes them.
	Compromised bool
	// Retired: a RETIRED report is in effect (the vendor no longer supports
	// the product and it should not be accepted any longer).
	Retired bool
	// TimeOfLastStatusChange is the entry's timeOfLastStatusChange.
	TimeOfLastStatusChange time.Time

	// Metadata is the entry as go-webauthn parsed it, for fields not surfaced
	// above. Read only.
	Metadata *metadata.Entry
}

// StatusReport is one MDS3 §3.1.3 StatusReport.
type StatusReport struct {
	// Status is the AuthenticatorStatus (MDS3 §3.1.4), e.g. "FIDO_CERTIFIED_L2",
	// "REVOKED", "FIPS140_CERTIFIED_L2", "UPDATE_AVAILABLE".
	Status string
	// EffectiveDate is when the status took effect; zero when absent
	// (effective while present).
	EffectiveDate time.Time
	// SunsetDate is when the status stops applying; zero when absent.
	SunsetDate time.Time
	// AuthenticatorVersion is the lowest authenticatorVersion the report
	// applies to; zero when absent.
	AuthenticatorVersion uint32
	// Certificate and BatchCertificate scope the report to one attestation
	// certificate or batch; nil when the report applies to the model.
	Certificate      *x509.Certificate
	BatchCertificate *x509.Certificate
	// URL is the report's url (e.g. an update or security notice), "" if none.
	URL string
	// Certification fields, set on certification statuses.
	CertificationDescriptor          string
	CertificateNumber                string
	CertificationPolicyVersion       string
	CertificationRequirementsVersion string
	// FIPSRevision (e.g. 2 or 3 for FIPS 140-2 / 140-3) and
	// FIPSPhysicalSecurityLevel, set on FIPS140_CERTIFIED_* reports by
	// MDS 3.1 BLOBs; zero when absent.
	FIPSRevision              uint32
	FIPSPhysicalSecurityLevel uint32
}

// InEffectAt reports whether the report applies at t: its effectiveDate, if
// any, is not after t and its sunsetDate, if any, is after t (MDS3 §3.1.3).
func (r StatusReport) InEffectAt(t time.Time) bool {
	if !r.EffectiveDate.IsZero() && r.EffectiveDate.After(t) {
		return false
	}
	return r.SunsetDate.IsZero() || r.SunsetDate.After(t)
}

// FIPSCertification describes a FIPS 140 validation of the authenticator.
type FIPSCertification struct {
	// Level is the overall FIPS 140 security level, 1–4.
	Level int
	// Revision is the FIPS 140 revision (2 or 3); zero when not stated.
	Revision int
	// PhysicalSecurityLevel is the physical security level when stated.
	PhysicalSecurityLevel int
	// CertificateNumber, Descriptor, PolicyVersion and RequirementsVersion
	// come from the status report (certificateNumber,
	// certificationDescriptor, certificationPolicyVersion,
	// certificationRequirementsVersion); empty for authenticatorGetInfo.
	CertificateNumber   string
	Descriptor          string
	PolicyVersion       string
	RequirementsVersion string
	// EffectiveDate is the report's effectiveDate; zero when absent.
	EffectiveDate time.Time
	// Source is "statusReport" when a FIPS140_CERTIFIED_Ln report in effect
	// says so (certified through FIDO), or "authenticatorGetInfo" when only
	// the statement's authenticatorGetInfo.certifications declares it
	// (vendor-stated, CTAP 2.1 "FIPS-CMVP-2"/"FIPS-CMVP-3" keys).
	Source string
}

// TrustPool returns a pool of the entry's attestation root certificates, for
// verifying an attestation certificate chain of this model
// (x509.VerifyOptions.Roots). It returns a new pool on every call.
func (e *Entry) TrustPool() *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range e.RootCertificates {
		pool.AddCert(c)
	}
	return pool
}

// certificationRank orders FIDO authenticator certification levels (MDS3
// §3.1.4); FIDO_CERTIFIED is the phased-out predecessor of L1. Zero: not a
// certification status.
func certificationRank(s metadata.AuthenticatorStatus) int {
	switch s {
	case metadata.FidoCertified:
		return 1
	case metadata.FidoCertifiedL1:
		return 2
	case metadata.FidoCertifiedL1plus:
		return 3
	case metadata.FidoCertifiedL2:
		return 4
	case metadata.FidoCertifiedL2plus:
		return 5
	case metadata.FidoCertifiedL3:
		return 6
	case metadata.FidoCertifiedL3plus:
		return 7
	}
	return 0
}

// fipsLevel returns the overall level of a FIPS140_CERTIFIED_Ln status, zero
// for any other status.
func fipsLevel(s metadata.AuthenticatorStatus) int {
	switch s {
	case metadata.FIPS140CertifiedL1:
		return 1
	case metadata.FIPS140CertifiedL2:
		return 2
	case metadata.FIPS140CertifiedL3:
		return 3
	case metadata.FIPS140CertifiedL4:
		return 4
	}
	return 0
}

func newEntry(m *metadata.Entry, at time.Time) *Entry {
	st := &m.MetadataStatement
	e := &Entry{
		AAGUID:                       m.AaGUID,
		Description:                  st.Description,
		ProtocolFamily:               st.ProtocolFamily,
		KeyProtection:                st.KeyProtection,
		AttachmentHint:               st.AttachmentHint,
		RootCertificates:             st.AttestationRootCertificates,
		MultiDeviceCredentialSupport: string(st.MultiDeviceCredentialSupport),
		TimeOfLastStatusChange:       m.TimeOfLastStatusChange,
		Metadata:                     m,
	}
	for _, kid := range m.AttestationCertificateKeyIdentifiers {
		e.KeyIdentifiers = append(e.KeyIdentifiers, strings.ToLower(kid))
	}
	for _, t := range st.AttestationTypes {
		e.AttestationTypes = append(e.AttestationTypes, string(t))
	}

	rank := 0
	for _, r := range m.StatusReports {
		report := newStatusReport(r)
		e.Status = append(e.Status, report)
		if !report.InEffectAt(at) {
			continue
		}
		switch r.Status {
		case metadata.Revoked:
			e.Revoked = true
		case metadata.Retired:
			e.Retired = true
		case metadata.AttestationKeyCompromise, metadata.UserKeyRemoteCompromise,
			metadata.UserKeyPhysicalCompromise, metadata.UserVerificationBypass:
			e.Compromised = true
		}
		if n := certificationRank(r.Status); n > rank {
			rank, e.CertificationLevel = n, string(r.Status)
		}
		if n := fipsLevel(r.Status); n > 0 && (e.FIPS == nil || n > e.FIPS.Level) {
			e.FIPS = &FIPSCertification{
				Level:                 n,
				Revision:              int(r.FIPSRevision),
				PhysicalSecurityLevel: int(r.FIPSPhysicalSecurityLevel),
				CertificateNumber:     r.CertificateNumber,
				Descriptor:            r.CertificationDescriptor,
				PolicyVersion:         r.CertificationPolicyVersion,
				RequirementsVersion:   r.CertificationRequirementsVersion,
				EffectiveDate:         report.EffectiveDate,
				Source:                "statusReport",
			}
		}
	}
	if e.Revoked {
		e.CertificationLevel = ""
	}
	if e.FIPS == nil {
		e.FIPS = fipsFromGetInfo(st.AuthenticatorGetInfo.Certifications)
	}
	return e
}

// fipsFromGetInfo reads CTAP 2.1's authenticatorGetInfo certifications
// (§6.4, member 0x13): "FIPS-CMVP-2"/"FIPS-CMVP-3" give the overall level and
// "FIPS-CMVP-2-PHY"/"FIPS-CMVP-3-PHY" the physical security level.
func fipsFromGetInfo(certs map[string]float64) *FIPSCertification {
	// The newer revision wins: a FIPS 140-3 validation supersedes 140-2.
	for _, rev := range []int{3, 2} {
		key := "FIPS-CMVP-" + string(rune('0'+rev))
		if level := int(certs[key]); level >= 1 && level <= 4 {
			return &FIPSCertification{
				Level:                 level,
				Revision:              rev,
				PhysicalSecurityLevel: int(certs[key+"-PHY"]),
				Source:                "authenticatorGetInfo",
			}
		}
	}
	return nil
}

func newStatusReport(r metadata.StatusReport) StatusReport {
	s := StatusReport{
		Status:                           string(r.Status),
		AuthenticatorVersion:             r.AuthenticatorVersion,
		Certificate:                      r.Certificate,
		BatchCertificate:                 r.BatchCertificate,
		CertificationDescriptor:          r.CertificationDescriptor,
		CertificateNumber:                r.CertificateNumber,
		CertificationPolicyVersion:       r.CertificationPolicyVersion,
		CertificationRequirementsVersion: r.CertificationRequirementsVersion,
		FIPSRevision:                     r.FIPSRevision,
		FIPSPhysicalSecurityLevel:        r.FIPSPhysicalSecurityLevel,
	}
	if r.EffectiveDate != nil {
		s.EffectiveDate = *r.EffectiveDate
	}
	if r.SunsetDate != nil {
		s.SunsetDate = *r.SunsetDate
	}
	if r.URL != nil {
		s.URL = r.URL.String()
	}
	return s
}
