package passkey

import (
	"github.com/keytier/keytier/passkey/catalog"
)

// PasskeyType is keytier's verdict on where the private key lives.
type PasskeyType string

const (
	// Synced: the key may be copied to other devices through a sync fabric
	// (a multi-device credential, WebAuthn L3 §6.1.3).
	Synced PasskeyType = "synced"
	// DeviceBound: the key never leaves the authenticator (a single-device
	// credential).
	DeviceBound PasskeyType = "deviceBound"
)

// Confidence says how sure the passkey-type verdict is.
type Confidence string

const (
	// High: the BE flag was signed by an authenticator whose attestation
	// chains to a trust anchor, so the flag is the attested hardware's word.
	High Confidence = "high"
	// Medium: the BE flag and the authenticator catalog agree, but the flag
	// is not backed by a trusted attestation.
	Medium Confidence = "medium"
	// Low: only the authenticator's own unattested word, or the flag and the
	// catalog disagree.
	Low Confidence = "low"
)

// Backup is the synced-or-device-bound verdict with its provenance.
type Backup struct {
	Type PasskeyType `json:"type"`
	// FromFlags is what the BE flag alone says; FromCatalog what the
	// authenticator catalog says about the AAGUID ("" when it does not know).
	FromFlags   PasskeyType `json:"fromFlags"`
	FromCatalog PasskeyType `json:"fromCatalog,omitempty"`
	Agree       bool        `json:"agree"`
	Confidence  Confidence  `json:"confidence"`
	// Explanation says, in order, what was seen and why the verdict follows.
	Explanation []string `json:"explanation"`
}

// assessBackup decides synced vs device-bound.
//
// The BE flag (§6.1.3) is fixed for the credential's life and signed by the
// authenticator inside the authenticator data, but it is only as
// trustworthy as the attestation: with "none" or self attestation it is the
// authenticator's (or client's) unverified word. Some providers registered
// synced passkeys with BE=0 and asserted BE=1 later (reported for iCloud
// Keychain against go-webauthn #335 and supabase/auth #2732), so a BE=0 from
// a provider the catalog knows to sync is not believed.
//
// When the two sources disagree keytier believes the one that yields the
// lower assurance: a key that might have been copied off the device cannot
// support AAL3, and wrongly calling a device-bound key synced costs only a
// tier, never a breach.
func assessBackup(flags Flags, kind catalog.Kind, name string, attestationTrusted bool) Backup {
	b := Backup{FromFlags: DeviceBound}
	if flags.BE {
		b.FromFlags = Synced
		b.Explanation = append(b.Explanation, "BE=1: the authenticator says this credential is backup eligible (a multi-device credential whose key may be synced).")
		if flags.BS {
			b.Explanation = append(b.Explanation, "BS=1: it says the key is already backed up.")
		}
	} else {
		b.Explanation = append(b.Explanation, "BE=0: the authenticator says this credential is single-device (its key does not leave the authenticator).")
	}
	switch kind {
	case catalog.KindSyncedProvider:
		b.FromCatalog = Synced
	case catalog.KindPlatform, catalog.KindSecurityKey:
		b.FromCatalog = DeviceBound
	}
	if attestationTrusted {
		b.Explanation = append(b.Explanation, "The flag is signed by an authenticator whose attestation chains to a trust anchor, so it is the attested hardware's word.")
	} else {
		b.Explanation = append(b.Explanation, "The flag is not backed by a trusted attestation: it is the authenticator's unverified word.")
	}
	switch {
	case b.FromCatalog == "":
		b.Type, b.Agree = b.FromFlags, true
		if attestationTrusted {
			b.Confidence = High
		} else {
			b.Confidence = Low
			b.Explanation = append(b.Explanation, "The authenticator catalog does not know this AAGUID, so nothing corroborates the flag.")
		}
	case b.FromCatalog == b.FromFlags:
		b.Type, b.Agree = b.FromFlags, true
		b.Confidence = Medium
		if attestationTrusted {
			b.Confidence = High
		}
		b.Explanation = append(b.Explanation, "The authenticator catalog agrees: "+name+" is "+describeKind(kind)+".")
	default:
		b.Type, b.Agree, b.Confidence = Synced, false, Low
		if b.FromFlags == DeviceBound {
			b.Explanation = append(b.Explanation,
				"The authenticator catalog disagrees: "+name+" is "+describeKind(kind)+". Some synced providers have registered passkeys with BE=0 and reported BE=1 later (iCloud Keychain: go-webauthn #335, supabase/auth #2732), so keytier treats this credential as synced.")
		} else {
			b.Explanation = append(b.Explanation,
				"The authenticator catalog disagrees: "+name+" is "+describeKind(kind)+", but the authenticator itself says the key may be synced, so keytier treats it as synced.")
		}
	}
	return b
}

func describeKind(k catalog.Kind) string {
	switch k {
	case catalog.KindSyncedProvider:
		return "a passkey provider that syncs keys across devices"
	case catalog.KindPlatform:
		return "a device-bound platform authenticator"
	case catalog.KindSecurityKey:
		return "a hardware security key"
	}
	return "unknown"
}
