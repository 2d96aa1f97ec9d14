package mds_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/metadata"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
)

func TestProvider(t *testing.T) {
	f := newFixture(t, mdstest.NewSigner(t))
	at := now
	b, err := mds.Load(f.blob, mds.Options{Root: f.signer.Root.Certificate, Now: func() time.Time { return at }})
	require.NoError(t, err)
	p, ok := b.Provider().(metadata.ExtendedProvider)
	require.True(t, ok, "Provider implements metadata.ExtendedProvider")
	ctx := context.Background()

	t.Run("switches", func(t *testing.T) {
		assert.Equal(t,
			map[string]bool{
				"entry": false, "permitZero": false, "keyID": true, "anchor": true, "status": true,
				"statusScope": true, "types": true, "aaguid": true, "formats": false, "algs": false,
				"backup": false, "extensions": false, "uv": false,
			},
			map[string]bool{
				"entry": p.GetValidateEntry(ctx), "permitZero": p.GetValidateEntryPermitZeroAAGUID(ctx),
				"keyID": p.GetValidateEntryKeyIdentifier(ctx), "anchor": p.GetValidateTrustAnchor(ctx),
				"status": p.GetValidateStatus(ctx), "statusScope": p.GetValidateStatusCertificateScope(ctx),
				"types": p.GetValidateAttestationTypes(ctx), "aaguid": p.GetValidateAAGUID(ctx),
				"formats": p.GetValidateAttestationFormats(ctx), "algs": p.GetValidateAlgorithms(ctx),
				"backup": p.GetValidateBackupEligibility(ctx), "extensions": p.GetValidateExtensions(ctx),
				"uv": p.GetValidateUserVerification(ctx),
			})
	})

	t.Run("entries are the BLOB's", func(t *testing.T) {
		got, err := p.GetEntry(ctx, l2AAGUID)
		require.NoError(t, err)
		e, _ := b.Lookup(l2AAGUID)
		assert.Same(t, e.Metadata, got)

		got, err = p.GetEntry(ctx, uuid.New())
		require.NoError(t, err)
		assert.Nil(t, got)

		got, err = p.GetEntryByKeyIdentifier(ctx, "aabbccddeeff00112233445566778899aabbccdd")
		require.NoError(t, err)
		require.NotNil(t, got)
		assert.Equal(t, "Test U2F Key", got.MetadataStatement.Description)
	})

	t.Run("status", func(t *testing.T) {
		good, _ := b.Lookup(l2AAGUID)
		bad, _ := b.Lookup(badAAGUID)
		assert.NoError(t, p.ValidateStatusReports(ctx, good.Metadata.StatusReports))
		err := p.ValidateStatusReports(ctx, bad.Metadata.StatusReports)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "REVOKED")
		// Status is evaluated with the BLOB's clock, not the wall clock.
		at = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		assert.NoError(t, p.ValidateStatusReports(ctx, bad.Metadata.StatusReports))
	})
}
