package passkey

import (
	"fmt"
	"strconv"
	"time"
)

// EventCode names something a sign-in changed or revealed about a
// credential. The codes are part of keytier's contract, like Code.
type EventCode string

const (
	// EventBackupStateChanged: BS differs from the record. 0→1 means the key
	// has been copied into a sync fabric since it was last seen.
	EventBackupStateChanged EventCode = "backup_state_changed"
	// EventBackupEligibilityChanged: BE differs from registration, which
	// §6.1.3 forbids; the sign-in is refused.
	EventBackupEligibilityChanged EventCode = "backup_eligibility_changed"
	// EventSignCountRegressed: a counter that did not advance (§6.1.1).
	EventSignCountRegressed EventCode = "sign_count_regressed"
	// EventUserNotVerified: UV clear on a credential that verified its user
	// before.
	EventUserNotVerified EventCode = "user_not_verified"
)

// Event is one change a sign-in saw, with the spec text that gives it
// meaning and two explanations: one for administrators, one in plain words
// for the credential's owner.
type Event struct {
	Code     EventCode `json:"code"`
	Old      string    `json:"old"`
	New      string    `json:"new"`
	Citation string    `json:"citation"`
	Admin    string    `json:"admin"`
	Plain    string    `json:"plain"`
	// Rejected: the sign-in was refused for this event.
	Rejected bool `json:"rejected,omitempty"`
	// TierBefore and TierAfter are set when the event changed the
	// credential's verdict ("deviceBound AAL3" → "synced AAL2").
	TierBefore string    `json:"tierBefore,omitempty"`
	TierAfter  string    `json:"tierAfter,omitempty"`
	At         time.Time `json:"at,omitzero"`
}

// tier is a verdict in a few words: its passkey type and AAL.
func (v Verdict) tier() string {
	return string(v.PasskeyType) + " " + v.AAL.String()
}

func tierSentence(before, after Verdict) string {
	if before.AAL == after.AAL && before.PasskeyType == after.PasskeyType {
		return fmt.Sprintf("The verdict stays %s.", after.tier())
	}
	s := fmt.Sprintf("It is no longer %s: keytier now counts it as %s", describePasskeyTypeShort(before.PasskeyType), describePasskeyTypeShort(after.PasskeyType))
	if after.AAL < before.AAL {
		s += fmt.Sprintf(", and its tier falls from %s to %s (NIST SP 800-63B-4 §2.3.2: AAL3 needs a non-exportable key; Appendix B: a synced key is exportable)", before.AAL, after.AAL)
	} else {
		s += fmt.Sprintf(" at %s", after.AAL)
	}
	return s + "."
}

func plainTierSentence(before, after Verdict) string {
	if after.AAL < before.AAL {
		return "Because the key can now be on more than one device, it no longer counts as the strongest kind of sign-in; accounts that need that must use a key that stays on one device."
	}
	return ""
}

func describePasskeyTypeShort(t PasskeyType) string {
	switch t {
	case Synced:
		return "synced"
	case DeviceBound:
		return "device-bound"
	}
	return "of unknown type"
}

func backupStateEvent(rec *Record, now bool, at time.Time) Event {
	e := Event{
		Code:     EventBackupStateChanged,
		Old:      bit(rec.BackupState),
		New:      bit(now),
		Citation: "WebAuthn L3 §6.1.3 (BS), §7.2 (backup state: relying party policy); NIST SP 800-63B-4 Appendix B",
		At:       at,
	}
	if now {
		e.Admin = "The authenticator now reports this credential's key as backed up (BS 0→1): it has been copied into a sync fabric since it was last seen."
		e.Plain = "Your sign-in key has been copied to your account's cloud backup, so it can now unlock from your other devices too."
		if rec.Current.PasskeyType == Synced {
			e.Admin += " keytier already counted it as synced (BE=1 at registration means the key may be synced at any time), so its tier stays " + rec.Current.tier() + "."
		}
		return e
	}
	e.Admin = "The authenticator no longer reports this credential's key as backed up (BS 1→0). A key that was copied once may still exist elsewhere, so the verdict does not rise."
	e.Plain = "Your sign-in key is no longer backed up to your account's cloud backup. Nothing changes for how you unlock."
	return e
}

func backupEligibilityEvent(was, now bool, at time.Time) Event {
	return Event{
		Code:     EventBackupEligibilityChanged,
		Old:      bit(was),
		New:      bit(now),
		Citation: "WebAuthn L3 §6.1.3 (BE is fixed when the credential is created), §7.2",
		Admin:    fmt.Sprintf("The authenticator reported BE=%s at registration and BE=%s now. Backup eligibility never changes for a credential, so the sign-in was refused: either the authenticator misreports its flags or the key was moved to a different kind of authenticator.", bit(was), bit(now)),
		Plain:    "Your sign-in key reported something about itself that cannot change, so this unlock was refused. Contact the helpdesk to set up your key again.",
		Rejected: true,
		At:       at,
	}
}

func signCountEvent(stored, got uint32, rejected bool, at time.Time) Event {
	e := Event{
		Code:     EventSignCountRegressed,
		Old:      strconv.FormatUint(uint64(stored), 10),
		New:      strconv.FormatUint(uint64(got), 10),
		Citation: "WebAuthn L3 §6.1.1 (signature counter), §7.2",
		Admin:    fmt.Sprintf("The signature counter is %d, not greater than the stored %d: two authenticators may hold this credential's key (a cloned authenticator), or the authenticator's counter is broken.", got, stored),
		Plain:    "Your sign-in key reported an unusual count of its uses, which can mean someone copied it. If you did not just restore or replace your device, tell the helpdesk.",
		Rejected: rejected,
		At:       at,
	}
	if rejected {
		e.Admin += " Policy rejects such sign-ins."
	} else {
		e.Admin += " Policy flags such sign-ins and lets them through; the stored counter is not lowered."
	}
	return e
}

func userNotVerifiedEvent(at time.Time) Event {
	return Event{
		Code:     EventUserNotVerified,
		Old:      "1",
		New:      "0",
		Citation: "WebAuthn L3 §4 (uvInitialized), §7.2; NIST SP 800-63B-4 §3.1.7 (without user verification a passkey is single-factor)",
		Admin:    "This credential verified its user before, but this sign-in did not (UV=0): it counts as one factor, not two.",
		Plain:    "This unlock did not ask for your fingerprint, face or PIN, so it counts as a weaker sign-in.",
		At:       at,
	}
}
