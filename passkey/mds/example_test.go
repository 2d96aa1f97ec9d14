package mds_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
)

func ExampleLoad() {
	// In production the BLOB comes from https://mds3.fidoalliance.org and the
	// root is FIDO's MDS root certificate. Here both come from mdstest.
	var t testing.T
	signer := mdstest.NewSigner(&t)
	aaguid := uuid.MustParse("11111111-2222-4333-8444-555555555555")
	blob := mdstest.BuildBLOB(&t, signer, mdstest.Payload{
		Number:     12,
		NextUpdate: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Entries: []mdstest.Authenticator{{
			AAGUID:        aaguid,
			Description:   "Example Security Key",
			KeyProtection: []string{"hardware", "secure_element"},
			Status:        []mdstest.Status{{Status: "FIDO_CERTIFIED_L2"}},
		}},
	})

	b, err := mds.Load(blob, mds.Options{
		Root: signer.Root.Certificate,
		Now:  func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("BLOB", b.Number, "stale:", b.Stale(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)))
	if e, ok := b.Lookup(aaguid); ok {
		fmt.Println(e.Description, e.KeyProtection, e.CertificationLevel, "revoked:", e.Revoked)
	}

	// A BLOB checked against a root it does not chain to is refused.
	other := mdstest.NewSigner(&t)
	_, err = mds.Load(blob, mds.Options{Root: other.Root.Certificate})
	fmt.Println(err != nil)
	// Output:
	// BLOB 12 stale: true
	// Example Security Key [hardware secure_element] FIDO_CERTIFIED_L2 revoked: false
	// true
}
