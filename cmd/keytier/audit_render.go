package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keytier/keytier/readiness"
)

// maxListed bounds the users a human-readable report names per finding;
// the JSON report names them all.
const maxListed = 25

func renderAuditJSON(w io.Writer, r readiness.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func listed(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxListed], ", ") + fmt.Sprintf(", … and %d more", len(names)-maxListed)
}

func percent(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

func severityCounts(fs []readiness.Finding) string {
	counts := map[readiness.Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
	}
	var parts []string
	for _, s := range []readiness.Severity{readiness.SeverityCritical, readiness.SeverityHigh, readiness.SeverityMedium, readiness.SeverityLow, readiness.SeverityInfo} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func renderAuditText(w io.Writer, r readiness.Report) error {
	s := r.Summary
	fmt.Fprintf(w, "keytier audit · %s (%s) · captured %s\n\n", r.Tenant.DisplayName, r.Tenant.ID, r.CapturedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "Users %d · AAL3 %d · AAL2 %d · AAL1 %d · none %d\n", s.Users, s.ByAAL.AAL3, s.ByAAL.AAL2, s.ByAAL.AAL1, s.ByAAL.None)
	fmt.Fprintf(w, "Without a phishing-resistant method: %d · passwordless coverage %s\n\n", s.NoPhishingResistantMethod, percent(s.PasswordlessCoverage))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "GROUP\tUSERS\tAAL3\tAAL2\tAAL1\tNONE\tNO PHISHING-RESISTANT\tPASSWORDLESS\t")
	for _, g := range s.Groups {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t\n", g.DisplayName, g.Users, g.ByAAL.AAL3, g.ByAAL.AAL2, g.ByAAL.AAL1, g.ByAAL.None, g.NoPhishingResistantMethod, percent(g.PasswordlessCoverage))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nFindings: %s\n", severityCounts(r.Findings))
	for _, f := range r.Findings {
		fmt.Fprintf(w, "\n[%s] %s  %s\n", strings.ToUpper(string(f.Severity)), f.ID, f.Title)
		if len(f.EIDSCA) > 0 {
			fmt.Fprintf(w, "  Maester: %s\n", strings.Join(f.EIDSCA, ", "))
		}
		if len(f.Users) > 0 {
			fmt.Fprintf(w, "  Users (%d): %s\n", len(f.Users), listed(f.Users))
		}
		if len(f.Groups) > 0 {
			fmt.Fprintf(w, "  Groups: %s\n", strings.Join(f.Groups, ", "))
		}
		fmt.Fprintf(w, "  %s\n", f.Admin)
		fmt.Fprintf(w, "  For users: %s\n", f.Plain)
		fmt.Fprintf(w, "  Fix: %s\n", f.Remediation.Description)
		if pre := f.Remediation.Prerequisites; len(pre) > 0 {
			fmt.Fprintf(w, "  Before the calls:\n")
			for _, p := range pre {
				fmt.Fprintf(w, "    %s: %s (%s)\n", p.User, p.Step, p.Reason)
			}
		}
		reqs := f.Remediation.Requests()
		for i, g := range reqs {
			if len(reqs) > 1 {
				fmt.Fprintf(w, "    (%d/%d) %s %s\n", i+1, len(reqs), g.Method, g.URL)
			} else {
				fmt.Fprintf(w, "    %s %s\n", g.Method, g.URL)
			}
			if len(g.Body) > 0 {
				fmt.Fprintf(w, "    %s\n", g.Body)
			}
			for _, b := range g.Bind {
				fmt.Fprintf(w, "    %s\n", bindText(b))
			}
		}
	}
	if len(r.Passed) > 0 {
		fmt.Fprintf(w, "\nPassed: %s\n", strings.Join(r.Passed, ", "))
	}
	return nil
}

// mdEscape keeps a table cell in one piece.
func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func renderAuditMarkdown(w io.Writer, r readiness.Report) error {
	s := r.Summary
	fmt.Fprintf(w, "# Passkey readiness: %s\n\n", r.Tenant.DisplayName)
	fmt.Fprintf(w, "Tenant `%s`, captured %s.\n\n", r.Tenant.ID, r.CapturedAt.Format(time.RFC3339))
	fmt.Fprintln(w, "| Users | AAL3 | AAL2 | AAL1 | none | no phishing-resistant method | passwordless coverage |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %d | %s |\n\n", s.Users, s.ByAAL.AAL3, s.ByAAL.AAL2, s.ByAAL.AAL1, s.ByAAL.None, s.NoPhishingResistantMethod, percent(s.PasswordlessCoverage))
	fmt.Fprintln(w, "## Groups")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| Group | Users | AAL3 | AAL2 | AAL1 | none | no phishing-resistant | passwordless |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, g := range s.Groups {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %d | %s |\n", mdEscape(g.DisplayName), g.Users, g.ByAAL.AAL3, g.ByAAL.AAL2, g.ByAAL.AAL1, g.ByAAL.None, g.NoPhishingResistantMethod, percent(g.PasswordlessCoverage))
	}
	fmt.Fprintf(w, "\n## Findings (%s)\n", severityCounts(r.Findings))
	for _, f := range r.Findings {
		fmt.Fprintf(w, "\n### %s `%s` — %s\n\n", strings.ToUpper(string(f.Severity)), f.ID, f.Title)
		if len(f.EIDSCA) > 0 {
			fmt.Fprintf(w, "- Maester: %s\n", strings.Join(f.EIDSCA, ", "))
		}
		if len(f.Users) > 0 {
			fmt.Fprintf(w, "- Users (%d): %s\n", len(f.Users), listed(f.Users))
		}
		if len(f.Groups) > 0 {
			fmt.Fprintf(w, "- Groups: %s\n", strings.Join(f.Groups, ", "))
		}
		fmt.Fprintf(w, "\n%s\n\n> %s\n\n**Fix:** %s\n", f.Admin, f.Plain, f.Remediation.Description)
		if pre := f.Remediation.Prerequisites; len(pre) > 0 {
			fmt.Fprintf(w, "\nBefore the calls:\n\n")
			for _, p := range pre {
				fmt.Fprintf(w, "- %s: `%s` (%s)\n", p.User, p.Step, p.Reason)
			}
		}
		reqs := f.Remediation.Requests()
		if len(reqs) > 1 {
			fmt.Fprintf(w, "\n%d requests, in order:\n", len(reqs))
		}
		for _, g := range reqs {
			fmt.Fprintf(w, "\n```http\n%s %s\n", g.Method, g.URL)
			if len(g.Body) > 0 {
				fmt.Fprintf(w, "Content-Type: application/json\n\n%s\n", g.Body)
			}
			fmt.Fprintln(w, "```")
			for _, b := range g.Bind {
				fmt.Fprintf(w, "\n%s\n", bindText(b))
			}
		}
	}
	if len(r.Passed) > 0 {
		fmt.Fprintf(w, "\n## Passed\n\n%s\n", strings.Join(r.Passed, ", "))
	}
	return nil
}

// bindText says where a call's body takes a value an earlier call returns;
// calls are numbered from 1, as the text and Markdown reports number them.
func bindText(b readiness.Binding) string {
	if b.Finding != "" {
		return fmt.Sprintf("Before sending: set %s to %s of the response to call %d of %s's fix.", b.Pointer, b.From, b.Request+1, b.Finding)
	}
	return fmt.Sprintf("Before sending: set %s to %s of the response to call %d.", b.Pointer, b.From, b.Request+1)
}
