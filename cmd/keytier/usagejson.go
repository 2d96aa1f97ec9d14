package main

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// usageCode is the error code of a usage error in --json output: the
// command line is wrong, not the input (exit status 2).
const usageCode = "usage"

// jsonRequested reports whether args ask for --json, so that a usage error
// found while parsing them, the flags themselves included, can still be
// reported as the one JSON object --json promises. Like package flag, it
// reads flags up to a "--" and lets the last --json win.
func jsonRequested(args []string) bool {
	on := false
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name != "json" {
			continue
		}
		if !hasVal {
			on = true
			continue
		}
		b, err := strconv.ParseBool(val)
		on = err == nil && b
	}
	return on
}

// usageError is the error member of a --json usage-error report.
type usageError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeJSONObject writes v as the single JSON object of --json output.
func writeJSONObject(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// inspectUsageReport is `keytier inspect --json`'s report of a usage error:
// the contract's members, with nothing decoded.
func inspectUsageReport(message string) any {
	return struct {
		OK         bool       `json:"ok"`
		Error      usageError `json:"error"`
		Credential *struct{}  `json:"credential"`
		Assurance  *struct{}  `json:"assurance"`
		Peers      []struct{} `json:"peers"`
	}{Error: usageError{Code: usageCode, Message: message}, Peers: []struct{}{}}
}

// formatRequested reports whether args ask for --format want, read as
// jsonRequested reads --json: flags up to a "--", "--format V",
// "--format=V", one dash or two, the last one winning. A --format whose
// value is missing is no request.
func formatRequested(args []string, want string) bool {
	got := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name != "format" {
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				break
			}
			i++
			val = args[i]
		}
		got = val
	}
	return got == want
}

// auditUsageReport is `keytier audit --format json`'s report of a usage
// error: the one object, its error member set and nothing audited.
func auditUsageReport(message string) any {
	return struct {
		Error      usageError `json:"error"`
		Tenant     *struct{}  `json:"tenant"`
		CapturedAt *struct{}  `json:"capturedAt"`
		Summary    *struct{}  `json:"summary"`
		Findings   []struct{} `json:"findings"`
	}{Error: usageError{Code: usageCode, Message: message}, Findings: []struct{}{}}
}
