package passkey

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey/catalog"
	"github.com/keytier/keytier/passkey/mds"
)

// Models is where keytier looks up what an authenticator model is when all
// it has is the AAGUID: a Graph fido2AuthenticationMethod record, or an
// AAGUID on a profile's allow list. The zero value uses the embedded
// catalog and no FIDO metadata.
type Models struct {
	// Catalog names models and says what kind they are. Nil means
	// catalog.Default().
	Catalog *catalog.Catalog
	// MDS, when set, is consulted before the catalog for key protection:
	// FIDO metadata is the authority for an authenticator's security
	// properties; the catalog only names models and their kind. Nil means
	// no FIDO metadata.
	MDS *mds.BLOB
}

// ModelProtection is what keytier knows about where one authenticator model
// keeps its private keys.
type ModelProtection struct {
	AAGUID uuid.UUID
	// Name is the model's name from FIDO metadata or the catalog; "" when
	// neither knows it.
	Name string
	// KeyProtection is the model's key protection, KeyProtectionUnknown
	// when nothing settles it.
	KeyProtection assurance.KeyProtection
	// Source is where KeyProtection came from: "FIDO MDS", "catalog", or ""
	// when it is unknown.
	Source string
	// Why says, in one sentence, why KeyProtection is what it is.
	Why string
}

// NonExportable reports whether the model is known to keep its keys in
// hardware that will not release them, as AAL3 requires (SP 800-63B-4
// §2.3.2, §3.2.13).
func (mp ModelProtection) NonExportable() bool { return mp.KeyProtection.HardwareBacked() }

func (m Models) catalog() *catalog.Catalog {
	if m.Catalog != nil {
		return m.Catalog
	}
	return catalog.Default()
}

// KeyProtection says where the model aaguid keeps its keys. It reads, in
// order:
//
//  1. FIDO MDS, when Models.MDS is set and lists the AAGUID: the
//     statement's keyProtection (FIDO Registry §3.2). A model with a
//     REVOKED or compromise report in effect counts as unknown, since FIDO
//     says not to trust what it claims; a statement that lists "software",
//     alone or next to a hardware value, counts as software, since
//     keytier cannot tell which keys get which.
//  2. The catalog: a securityKey entry is a roaming hardware security key
//     whose key is generated and kept in the device (each entry's
//     KindReason cites its source), so hardware. A platform entry counts as
//     unknown: platform authenticators differ by device (Windows Hello has
//     a software variant; the Android Keystore is TEE-backed on some
//     phones only), and the catalog does not record which. FIDO metadata
//     settles it.
//  3. Anything else is unknown: a synced provider, an AAGUID the catalog
//     does not kind, or none at all.
func (m Models) KeyProtection(aaguid uuid.UUID) ModelProtection {
	return m.protection(aaguid, true)
}

// protection is KeyProtection; without why it leaves Why empty, so that
// classifying a tenant's passkeys (Evidence) builds no sentences.
func (m Models) protection(aaguid uuid.UUID, why bool) ModelProtection {
	mp := ModelProtection{AAGUID: aaguid}
	if aaguid == uuid.Nil {
		mp.Why = "the authenticator does not disclose its model (all-zero AAGUID), so nothing says where it keeps its keys"
		return mp
	}
	entry, listed := m.catalog().Lookup(aaguid)
	if listed {
		mp.Name = entry.Name
	}
	if m.MDS != nil {
		if e, ok := m.MDS.Lookup(aaguid); ok {
			if e.Description != "" {
				mp.Name = e.Description
			}
			switch kp := MDSKeyProtection(e.KeyProtection); {
			case e.Revoked || e.Compromised:
				mp.Why = "FIDO MDS has a REVOKED or compromise report in effect for this model, so keytier does not rely on its keyProtection"
			case kp == assurance.KeyProtectionUnknown:
				mp.Why = "FIDO MDS lists the model without a keyProtection keytier can read"
			default:
				mp.KeyProtection, mp.Source = kp, "FIDO MDS"
				if why {
					mp.Why = fmt.Sprintf("FIDO MDS keyProtection %q", e.KeyProtection)
				}
			}
			return mp
		}
	}
	switch {
	case !listed:
		mp.Why = "neither keytier's catalog nor the FIDO metadata given lists this AAGUID"
		if m.MDS == nil {
			mp.Why = "keytier's catalog does not list this AAGUID and no FIDO metadata was given"
		}
	case entry.Kind == catalog.KindSecurityKey:
		mp.KeyProtection, mp.Source = assurance.KeyProtectionHardware, "catalog"
		if why {
			mp.Why = "keytier's catalog lists it as a hardware security key: " + entry.KindReason
		}
	case entry.Kind == catalog.KindPlatform:
		mp.Why = "keytier's catalog lists it as a platform authenticator, whose key protection depends on the device; FIDO metadata (MDS) settles it"
	case entry.Kind == catalog.KindSyncedProvider:
		mp.Why = "keytier's catalog lists it as a synced passkey provider: its keys leave the device"
	default:
		mp.Why = "keytier's catalog names it but does not say what kind of authenticator it is"
	}
	return mp
}

// MDSKeyProtection reads a metadata statement's keyProtection values (FIDO
// Registry §3.2) as one KeyProtection, the way Models.KeyProtection does:
// software when "software" is among them, else the strongest hardware
// value, else unknown ("remote_handle" alone says nothing about where the
// wrapping key is). It does not look at status reports.
func MDSKeyProtection(values []string) assurance.KeyProtection {
	if slices.Contains(values, string(assurance.KeyProtectionSoftware)) {
		return assurance.KeyProtectionSoftware
	}
	return strongestProtection(values)
}

// Evidence is the assurance evidence of a passkey Entra admits, given what
// f says about it. It is the one mapping from a passkey known by its facts
// to evidence: readiness classifies registered passkeys with it, and
// PasskeyProfile.Assurance classifies the passkeys a profile admits with it,
// so the two cannot disagree.
//
//   - UserVerified is set: Entra requires user verification for every
//     passkey registration and sign-in (see PasskeyProfile.Assurance).
//   - Syncability follows f.Type; "" stays unknown.
//   - AttestationTrusted follows f.Attestation.
//   - KeyProtection comes from m.KeyProtection(f.AAGUID), and only when the
//     attestation is trusted: without one the AAGUID is the authenticator's
//     own claim ("can be spoofed unless attestation is enforced",
//     how-to-authentication-synced-passkeys), so nothing about the model can
//     be relied on.
//
// So an attested device-bound passkey reaches AAL3 only when its model is
// known to keep keys in hardware. An attested device-bound passkey of a
// model neither the catalog nor the metadata places in hardware (a
// platform authenticator without MDS, an AAGUID nobody lists) counts as key
// protection unknown: AAL2, capped by aal3.non-exportable. Entra's
// "attested" says the attestation chained to a root in FIDO metadata, not
// where the key is.
func (f CredentialFacts) Evidence(m Models) assurance.Evidence {
	ev := assurance.Evidence{Method: assurance.MethodPasskey, UserVerified: true}
	switch f.Type {
	case Synced:
		ev.Syncability = assurance.Syncable
	case DeviceBound:
		ev.Syncability = assurance.DeviceBound
	}
	if f.Attestation == AttestationTrusted {
		ev.AttestationTrusted = true
		ev.KeyProtection = m.protection(f.AAGUID, false).KeyProtection
	}
	return ev
}
