package assurance

import (
	"encoding/json"
	"time"
)

// Timeout is a reauthentication limit (SP 800-63B-4 §5.2 defines the two
// kinds; §2.x.3 sets their values per AAL). The zero value means no limit is
// set.
type Timeout struct {
	// Max is the longest allowed period; zero when the standard sets none.
	Max time.Duration
	// Keyword is the standard's requirement word for the limit: "SHALL",
	// "SHOULD" or "MAY".
	Keyword string
}

// MarshalJSON encodes t as {"max":"12h0m0s","seconds":43200,"keyword":"SHALL"}.
func (t Timeout) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Max     string `json:"max,omitempty"`
		Seconds int64  `json:"seconds,omitempty"`
		Keyword string `json:"keyword,omitempty"`
	}{durationText(t.Max), int64(t.Max / time.Second), t.Keyword})
}

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// FIPS140 is a FIPS 140 validation level. The zero value means no
// validation is required.
type FIPS140 struct {
	// Overall is the minimum overall level, 1 to 4; 0 when none is required.
	Overall int `json:"overall"`
	// Physical is the minimum physical security level; 0 when the standard
	// sets none beyond Overall.
	Physical int `json:"physical,omitempty"`
	// Scope says which authenticators or verifiers the level applies to.
	Scope string `json:"scope,omitempty"`
}

// Phishing-resistance requirement values of [LevelRequirements].
const (
	PhishingResistanceNotRequired = "notRequired" // AAL1
	PhishingResistanceOffer       = "offer"       // AAL2: verifiers SHALL offer a phishing-resistant option
	PhishingResistanceRequired    = "required"    // AAL3
)

// LevelRequirements are the per-level requirements of SP 800-63B-4 that a
// report shows next to a classification. The zero value, returned for
// LevelNone, has no requirements.
type LevelRequirements struct {
	Level Level `json:"level"`

	// ReauthOverall bounds a session from authentication to forced
	// reauthentication; ReauthInactivity bounds idle time.
	ReauthOverall    Timeout `json:"reauthOverall"`
	ReauthInactivity Timeout `json:"reauthInactivity"`
	ReauthCitation   string  `json:"reauthCitation,omitempty"`
	// ReauthNote carries conditions that do not fit the two timeouts.
	ReauthNote string `json:"reauthNote,omitempty"`

	// Authenticator and Verifier are the FIPS 140 validation levels.
	Authenticator FIPS140 `json:"authenticatorFips140"`
	Verifier      FIPS140 `json:"verifierFips140"`
	FIPSCitation  string  `json:"fipsCitation,omitempty"`

	// PhishingResistance is one of the PhishingResistance constants.
	PhishingResistance string `json:"phishingResistance,omitempty"`

	// Note records what keytier could not confirm in the published text.
	Note string `json:"note,omitempty"`
}

// requirements is indexed by Level; never mutated. Values are from
// SP 800-63B-4 §2.1.2–§2.1.3 (AAL1), §2.2.2–§2.2.3 (AAL2) and §2.3.2–§2.3.3
// (AAL3). Microsoft's AAL2 and AAL3 pages still describe revision 3's
// timeouts (12 hours overall, 30 or 15 minutes idle); revision 4 changed
// the AAL2 values.
var requirements = [...]LevelRequirements{
	LevelNone: {},
	AAL1: {
		Level:            AAL1,
		ReauthOverall:    Timeout{Max: 30 * 24 * time.Hour, Keyword: "SHOULD"},
		ReauthInactivity: Timeout{Keyword: "MAY"},
		ReauthCitation:   "SP 800-63B-4 §2.1.3",
		ReauthNote:       "A definite overall timeout SHALL be set; an inactivity timeout MAY be applied but is not required.",
		Authenticator:    FIPS140{Scope: "approved cryptography required; FIPS 140 validation not required"},
		Verifier:         FIPS140{Overall: 1, Scope: "verifiers operated by or on behalf of federal agencies"},
		FIPSCitation:     "SP 800-63B-4 §2.1.2",

		PhishingResistance: PhishingResistanceNotRequired,
	},
	AAL2: {
		Level:            AAL2,
		ReauthOverall:    Timeout{Max: 24 * time.Hour, Keyword: "SHOULD"},
		ReauthInactivity: Timeout{Max: time.Hour, Keyword: "SHOULD"},
		ReauthCitation:   "SP 800-63B-4 §2.2.3",
		ReauthNote:       "A definite overall timeout SHALL be set. After an inactivity timeout, before the overall timeout, the verifier MAY reauthenticate with only a password or biometric plus the session secret.",
		Authenticator:    FIPS140{Overall: 1, Scope: "cryptographic authenticators procured by federal agencies"},
		Verifier:         FIPS140{Overall: 1, Scope: "verifiers operated by or on behalf of federal agencies"},
		FIPSCitation:     "SP 800-63B-4 §2.2.2; Appendix B (syncable authenticators keep this requirement)",

		PhishingResistance: PhishingResistanceOffer,
	},
	AAL3: {
		Level:            AAL3,
		ReauthOverall:    Timeout{Max: 12 * time.Hour, Keyword: "SHALL"},
		ReauthInactivity: Timeout{Max: 15 * time.Minute, Keyword: "SHOULD"},
		ReauthCitation:   "SP 800-63B-4 §2.3.3",
		ReauthNote:       "Reauthentication at AAL3 has the same requirements as the initial authentication: both factors again.",
		// Decision: the rev. 4 change log says §2.3.2 lowered the FIPS 140
		// level required of AAL3 authenticators. Revision 3 and the second
		// public draft required Level 2 overall with Level 3 physical
		// security for multi-factor, Level 1 overall with Level 3 physical
		// for single-factor authenticators. keytier records the lower pair
		// and says so in Note rather than guess the new wording.
		Authenticator: FIPS140{Overall: 1, Physical: 3, Scope: "cryptographic authenticators used at AAL3"},
		Verifier:      FIPS140{Overall: 1, Scope: "all verifiers at AAL3"},
		FIPSCitation:  "SP 800-63B-4 §2.3.2",
		Note:          "SP 800-63B-4 lowered the AAL3 authenticator FIPS 140 level (change log, §2.3.2). Revision 3 required Level 2 overall and Level 3 physical security for multi-factor authenticators; keytier reports Level 1 overall with Level 3 physical security, the floor revision 3 set for single-factor ones. Check the published §2.3.2 before procurement.",

		PhishingResistance: PhishingResistanceRequired,
	},
}

// Requirements returns the reauthentication, FIPS 140 and phishing
// resistance requirements of a level. It returns the zero value for
// LevelNone and for values that are not a level.
func Requirements(l Level) LevelRequirements {
	if l < 0 || int(l) >= len(requirements) {
		return LevelRequirements{}
	}
	return requirements[l]
}
