package bridge

import (
	"fmt"

	"github.com/keytier/keytier/passkey"
)

// Side is one credential of a comparison, with the settings to verify it.
type Side struct {
	Text     string   `json:"text"`
	Settings Settings `json:"settings"`
}

// Comparison is two credentials side by side and what differs between
// them, in the order a trainer explains it.
type Comparison struct {
	Left        passkey.Report `json:"left"`
	Right       passkey.Report `json:"right"`
	Differences []Difference   `json:"differences"`
}

// Difference is one aspect on which the two credentials differ.
type Difference struct {
	Aspect  string `json:"aspect"`
	Left    string `json:"left"`
	Right   string `json:"right"`
	Meaning string `json:"meaning"`
}

// Compare analyzes both sides as Analyze does a credential (with the
// session's MDS BLOB) and lists how they differ. The error is for settings
// the page must correct, or a side that is not a credential.
func (s *Session) Compare(left, right Side) (Comparison, error) {
	var c Comparison
	for i, side := range []Side{left, right} {
		r, err := s.Analyze(side.Text, side.Settings)
		name := [2]string{"left", "right"}[i]
		if err != nil {
			return Comparison{}, fmt.Errorf("%s: %w", name, err)
		}
		if r.Kind != KindCredential {
			return Comparison{}, fmt.Errorf("%s: a %s, not a credential", name, kindName(r.Kind))
		}
		if i == 0 {
			c.Left = *r.Report
		} else {
			c.Right = *r.Report
		}
	}
	c.Differences = differences(c.Left, c.Right)
	return c, nil
}

// differences compares what the reports say; an aspect a report cannot
// tell (no credential, no assurance) reads "unknown".
func differences(l, r passkey.Report) []Difference {
	type aspect struct {
		name    string
		get     func(passkey.Report) string
		meaning string
	}
	cred := func(f func(*passkey.Credential) string) func(passkey.Report) string {
		return func(r passkey.Report) string {
			if r.Credential == nil {
				return "unknown"
			}
			return f(r.Credential)
		}
	}
	flag := func(f func(passkey.Flags) bool) func(passkey.Report) string {
		return cred(func(c *passkey.Credential) string { return fmt.Sprint(f(c.Flags)) })
	}
	aspects := []aspect{
		{"passkey type", cred(func(c *passkey.Credential) string { return orUnknown(string(c.PasskeyType)) }),
			"A synced passkey is copied to the user's other devices through a provider's sync fabric; a device-bound one never leaves its authenticator."},
		{"assurance level", func(r passkey.Report) string {
			if r.Assurance == nil {
				return "none"
			}
			return r.Assurance.AAL.String()
		}, "SP 800-63B-4: a syncable key is exportable, so it never reaches AAL3 (Appendix B); AAL3 needs a non-exportable, hardware-backed key (§2.3.2)."},
		{"BE (backup eligible)", flag(func(f passkey.Flags) bool { return f.BE }),
			"The authenticator says whether the key may be synced; BE is fixed for the credential's life (WebAuthn L3 §6.1.3)."},
		{"BS (backed up)", flag(func(f passkey.Flags) bool { return f.BS }),
			"Whether the key is already backed up outside the authenticator."},
		{"UV (user verified)", flag(func(f passkey.Flags) bool { return f.UV }),
			"Without user verification a passkey is one factor (AAL1)."},
		{"authenticator", cred(func(c *passkey.Credential) string { return orUnknown(c.Authenticator) }),
			"Which product made the passkey, from the AAGUID."},
		{"attestation format", cred(func(c *passkey.Credential) string { return orUnknown(c.Format) }),
			"Synced providers usually send \"none\": nothing vouches for the model."},
		{"attestation trusted", cred(func(c *passkey.Credential) string { return fmt.Sprint(c.Attestation.Trusted) }),
			"Trusted attestation proves the model, which a profile enforcing attestation or an AAGUID allow list relies on."},
	}
	out := []Difference{}
	for _, a := range aspects {
		lv, rv := a.get(l), a.get(r)
		if lv != rv {
			out = append(out, Difference{Aspect: a.name, Left: lv, Right: rv, Meaning: a.meaning})
		}
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
