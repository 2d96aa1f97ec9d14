package passkey

import (
	"errors"
	"slices"

	"github.com/keytier/keytier/assurance"
)

// Evidence turns the credential into neutral evidence for the assurance
// package. A device-bound verdict counts only when something corroborates
// the BE flag (a trusted attestation or the catalog): an unattested BE=0
// from an unknown authenticator leaves syncability unknown, so it cannot
// reach AAL3 on the authenticator's word.
func (c *Credential) Evidence() assurance.Evidence {
	e := assurance.Evidence{
		Method:             assurance.MethodPasskey,
		UserVerified:       c.Flags.UV,
		AttestationTrusted: c.Attestation.Trusted,
	}
	switch {
	case c.PasskeyType == Synced:
		e.Syncability = assurance.Syncable
	case c.Backup.Confidence != Low:
		e.Syncability = assurance.DeviceBound
	}
	if m := c.Attestation.Metadata; m != nil {
		e.Certification = m.CertificationLevel
		e.FIPS140Level = m.FIPS140Level
		e.KeyProtection = strongestProtection(m.KeyProtection)
	}
	return e
}

// strongestProtection picks the strongest of MDS3 keyProtection values.
func strongestProtection(values []string) assurance.KeyProtection {
	for _, want := range []string{"secure_element", "hardware", "tee", "software"} {
		if slices.Contains(values, want) {
			return assurance.KeyProtection(want)
		}
	}
	return ""
}

// Classify returns the NIST SP 800-63B-4 assurance the credential gives,
// with the rule trace.
func (c *Credential) Classify() assurance.Result {
	return assurance.Classify(c.Evidence())
}

// Report is keytier's answer about one input, in the shape
// `keytier inspect --json` prints and the playground reads. The member
// names and meanings are a contract; new members may be added.
type Report struct {
	OK         bool              `json:"ok"`
	Error      *ReportError      `json:"error"`
	Credential *Credential       `json:"credential"`
	Assurance  *assurance.Result `json:"assurance"`
}

// ReportError is an error in a Report.
type ReportError struct {
	Code    Code   `json:"code"`
	Where   string `json:"where,omitempty"`
	Message string `json:"message"`
}

// Analyze inspects data, verifies it when opts is non-nil, and classifies
// it. The report is OK when the input decoded and, if asked, verified; then
// Assurance is set. A failed verification keeps the decoded Credential so
// the reader sees what failed on what.
func Analyze(data []byte, opts *VerifyOptions) Report {
	var (
		c   *Credential
		err error
	)
	if opts == nil {
		c, err = Inspect(data)
	} else {
		c, err = Verify(data, *opts)
	}
	r := Report{Credential: c}
	if err != nil {
		r.Error = &ReportError{Code: CodeOf(err), Message: err.Error()}
		var pe *Error
		if errors.As(err, &pe) {
			r.Error.Where = pe.Where
		}
		if r.Error.Code == "" {
			r.Error.Code = "internal"
		}
		return r
	}
	r.OK = true
	res := c.Classify()
	r.Assurance = &res
	return r
}
