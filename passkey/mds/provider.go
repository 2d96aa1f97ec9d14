package mds

import (
	"context"
	"strings"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/google/uuid"
)

// Provider returns a go-webauthn metadata.Provider (also a
// metadata.ExtendedProvider) over the BLOB's entries, for protocol's
// attestation verification. go-webauthn skips metadata validation for the
// "none" attestation format. For other formats its switches are set as
// follows.
//
// On, because they decide whether an attestation can be trusted:
//   - entry by key identifier: a fido-u2f attestation (zero AAGUID) finds its
//     entry by the attestation certificate's key identifier, so it gets the
//     checks below too;
//   - trust anchor: an x5c attestation chain must verify to the entry's
//     attestationRootCertificates (WebAuthn §7.1, "assess the attestation
//     trustworthiness");
//   - attestation types: the attestation type must be one the statement
//     declares;
//   - status: no report in effect may be REVOKED, RETIRED,
//     ATTESTATION_KEY_COMPROMISE, USER_KEY_REMOTE_COMPROMISE,
//     USER_KEY_PHYSICAL_COMPROMISE or USER_VERIFICATION_BYPASS
//     (go-webauthn's default undesired set), evaluated at Options.Now; no
//     status is required (certification level is policy, not protocol);
//   - status certificate scope: a report naming an attestation or batch
//     certificate applies only when that certificate is in the trust path
//     (MDS3 §3.1.3);
//   - AAGUID consistency: AAGUIDs in the entry, statement and
//     authenticatorGetInfo must match the credential's.
//
// Off:
//   - entry required: an authenticator absent from the BLOB is not refused
//     (most synced passkey providers are not listed); use BLOB.Lookup and
//     report "not listed" in the verdict, or refuse by policy;
//   - capability consistency (attestation formats, algorithms, backup
//     eligibility against multiDeviceCredentialSupport, extensions, user
//     verification): these compare against optional, vendor-declared lists;
//     a mismatch is a finding for the verdict, not a reason to reject a
//     credential keytier is asked to classify.
//
// go-webauthn verifies attestation chains against the entry's roots at the
// wall-clock time; only status evaluation uses Options.Now.
func (b *BLOB) Provider() metadata.Provider {
	return &provider{b: b}
}

type provider struct{ b *BLOB }

var _ metadata.ExtendedProvider = (*provider)(nil)

func (p *provider) GetEntry(_ context.Context, aaguid uuid.UUID) (*metadata.Entry, error) {
	if e, ok := p.b.Lookup(aaguid); ok {
		return e.Metadata, nil
	}
	return nil, nil
}

func (p *provider) GetEntryByKeyIdentifier(_ context.Context, keyIdentifier string) (*metadata.Entry, error) {
	if e, ok := p.b.LookupByKeyIdentifier(strings.TrimSpace(keyIdentifier)); ok {
		return e.Metadata, nil
	}
	return nil, nil
}

func (p *provider) ValidateStatusReports(_ context.Context, reports []metadata.StatusReport) error {
	return metadata.ValidateStatusReportsAt(reports, nil, metadata.DefaultUndesiredAuthenticatorStatuses(), p.b.now())
}

func (*provider) GetValidateEntry(context.Context) bool                  { return false }
func (*provider) GetValidateEntryPermitZeroAAGUID(context.Context) bool  { return false }
func (*provider) GetValidateEntryKeyIdentifier(context.Context) bool     { return true }
func (*provider) GetValidateTrustAnchor(context.Context) bool            { return true }
func (*provider) GetValidateStatus(context.Context) bool                 { return true }
func (*provider) GetValidateStatusCertificateScope(context.Context) bool { return true }
func (*provider) GetValidateAttestationTypes(context.Context) bool       { return true }
func (*provider) GetValidateAAGUID(context.Context) bool                 { return true }
func (*provider) GetValidateAttestationFormats(context.Context) bool     { return false }
func (*provider) GetValidateAlgorithms(context.Context) bool             { return false }
func (*provider) GetValidateBackupEligibility(context.Context) bool      { return false }
func (*provider) GetValidateExtensions(context.Context) bool             { return false }
func (*provider) GetValidateUserVerification(context.Context) bool       { return false }
