package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
)

// renderCard prints the short readable card.
func renderCard(w io.Writer, name string, r passkey.Report, plain bool) {
	c := r.Credential
	if c == nil {
		fmt.Fprintf(w, "%s: not a credential keytier can read\n  %s\n", name, r.Error.Message)
		return
	}
	headline := c.Authenticator + " · " + string(c.PasskeyType) + " passkey"
	if r.Assurance != nil {
		headline += " · " + r.Assurance.AAL.String()
		if r.Assurance.PhishingResistant {
			headline += ", phishing-resistant"
		}
	}
	if r.OK {
		fmt.Fprintf(w, "✔ %s\n", headline)
	} else {
		fmt.Fprintf(w, "✘ %s\n  %s\n", headline, r.Error.Message)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	row("input", name+" ("+string(c.Input.Kind)+", "+string(c.Input.Encoding)+")")
	row("format", c.Format)
	row("authenticator", c.Authenticator+kindSuffix(c.AuthenticatorKind))
	row("AAGUID", c.AAGUID.String())
	row("credential id", shorten(c.CredentialID.String(), 43))
	row("algorithm", fmt.Sprintf("%s (%d)", c.PublicKeyAlgName, c.PublicKeyAlgorithm))
	row("flags", flagList(c.Flags))
	row("sign count", fmt.Sprint(c.SignCount))
	if len(c.Transports) > 0 || c.Attachment != "" {
		row("client says", strings.TrimSpace(c.Attachment+" "+strings.Join(c.Transports, ",")))
	}
	row("passkey type", fmt.Sprintf("%s (confidence %s)", c.PasskeyType, c.Backup.Confidence))
	att := c.Attestation.Type
	switch {
	case c.Verification == nil:
		att += ", not verified (give --rp-id, --origin, --challenge)"
	case c.Attestation.SignatureVerified:
		att += ", signature verified"
	}
	if c.Verification != nil {
		if c.Attestation.Trusted {
			att += ", trusted via " + c.Attestation.TrustedBy
		} else {
			att += ", not trusted"
		}
	}
	row("attestation", att)
	certs, err := c.Attestation.Certificates()
	if err != nil {
		row("  x5c", "does not parse: "+err.Error())
	}
	for i, cert := range certs {
		subject := cert.Subject.String()
		if subject == "" {
			subject = "(empty subject)"
		}
		row(fmt.Sprintf("  x5c[%d]", i), fmt.Sprintf("%s (valid %s to %s)", subject, cert.NotBefore.Format("2006-01-02"), cert.NotAfter.Format("2006-01-02")))
	}
	if m := c.Attestation.Metadata; m != nil {
		row("FIDO MDS", m.Description)
		if len(m.KeyProtection) > 0 {
			row("  key protection", strings.Join(m.KeyProtection, ", "))
		}
		if len(m.AttachmentHint) > 0 {
			row("  attachment hint", strings.Join(m.AttachmentHint, ", "))
		}
		if m.CertificationLevel != "" {
			row("  certification", m.CertificationLevel)
		}
		if m.FIPS140Level > 0 {
			row("  FIPS 140", fmt.Sprintf("level %d", m.FIPS140Level))
		}
		if len(m.Status) > 0 {
			row("  status", strings.Join(m.Status, ", "))
		}
		if m.NextUpdate != "" {
			next := m.NextUpdate
			if m.Stale {
				next += " (passed: fetch a fresh BLOB)"
			}
			row("  BLOB next update", next)
		}
	}
	if v := c.Verification; v != nil {
		when := v.ReferenceTime.Format(time.RFC3339)
		if v.ReferenceTimeIsNow {
			when += " (now)"
		}
		row("verified for", fmt.Sprintf("rp id %s, origin %s, as of %s", v.RPID, v.Origin, when))
	}
	tw.Flush()
	for _, e := range c.Backup.Explanation {
		fmt.Fprintf(w, "  · %s\n", e)
	}
	for _, n := range c.Attestation.Notes {
		fmt.Fprintf(w, "  · %s\n", n)
	}
	for _, warn := range c.Warnings {
		fmt.Fprintf(w, "  ! %s\n", warn)
	}
	if r.Assurance != nil {
		fmt.Fprintf(w, "\nAssurance: %s\n", summary(r.Assurance))
		for _, s := range r.Assurance.Trace {
			text := s.Admin
			if plain {
				text = s.Plain
			}
			fmt.Fprintf(w, "  %s %s [%s]\n      %s\n", outcomeMark(s.Outcome), s.Rule, s.Citation, text)
		}
	}
}

func summary(a *assurance.Result) string {
	s := a.AAL.String()
	if a.PhishingResistant {
		return s + ", phishing-resistant"
	}
	return s + ", not phishing-resistant"
}

func outcomeMark(o assurance.Outcome) string {
	switch o {
	case assurance.OutcomePass:
		return "✔"
	case assurance.OutcomeFail:
		return "✘"
	}
	return "·"
}

func kindSuffix(k string) string {
	if k == "" {
		return ""
	}
	return " (" + k + ")"
}

func flagList(f passkey.Flags) string {
	var on []string
	for _, x := range []struct {
		name string
		set  bool
	}{{"UP", f.UP}, {"UV", f.UV}, {"BE", f.BE}, {"BS", f.BS}, {"AT", f.AT}, {"ED", f.ED}} {
		if x.set {
			on = append(on, x.name)
		}
	}
	return fmt.Sprintf("%s (0x%02x)", strings.Join(on, " "), f.Raw)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func samplesCmd(stdout, stderr io.Writer) int {
	all, err := samples.All()
	if err != nil {
		fmt.Fprintf(stderr, "keytier samples: %v\n", err)
		return exitFail
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tFORMAT\tAUTHENTICATOR")
	for _, s := range all {
		a := s.Authenticator
		if a == "" {
			a = "W3C WebAuthn L3 test vector"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Format, shorten(a, 70))
	}
	tw.Flush()
	return exitOK
}
