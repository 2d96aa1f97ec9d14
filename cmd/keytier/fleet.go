package main

import (
	"bufio"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
)

// fleetFormats are the --format values, each a streaming renderer.
var fleetFormats = map[string]func(io.Writer) fleetRenderer{
	"text": func(w io.Writer) fleetRenderer { return &fleetText{w: w} },
	"json": func(w io.Writer) fleetRenderer { return &fleetJSON{w: w} },
	"csv":  func(w io.Writer) fleetRenderer { return &fleetCSV{w: csv.NewWriter(w)} },
	"html": func(w io.Writer) fleetRenderer { return &fleetHTML{w: w} },
}

// fleetRenderer writes each row as it is classified and the summary at
// the end, so that no format holds the fleet.
type fleetRenderer interface {
	row(passkey.FleetRow) error
	finish(*passkey.FleetSummary) error
}

// fleetCmd classifies stored credentials in bulk:
//
//	keytier fleet [--format text|json|csv|html] [--mds FILE [--mds-root PEM]] [--out FILE] FILE|-
//
// Exit 0 when every row was read, 1 when any row is unreadable (or the
// output cannot be written), 2 for usage errors; with --format json a
// usage error is still one JSON object on standard output.
func fleetCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json, csv or html")
	out := fs.String("out", "", "write the report to FILE instead of standard output")
	mdsFile := fs.String("mds", "", "FIDO MDS3 BLOB: names models, knows more AAGUIDs, and reports models it marks REVOKED or compromised")
	mdsRoot := fs.String("mds-root", "", "PEM root the MDS BLOB must chain to (default: FIDO's MDS3 root, GlobalSign Root R46, as go-webauthn ships it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: keytier fleet [--format text|json|csv|html] [--mds FILE [--mds-root PEM]] [--out FILE] FILE|-")
		fmt.Fprintln(stderr, "Classifies stored credentials, a JSON array or JSON Lines of keytier records, go-webauthn")
		fmt.Fprintln(stderr, "webauthn.Credential rows or Graph fido2AuthenticationMethod objects, or the passkeys of a")
		fmt.Fprintln(stderr, "tenant snapshot, one row at a time.")
		fs.PrintDefaults()
	}
	asJSON := fleetJSONRequested(args)
	usageErr := func(format string, a ...any) int {
		msg := fmt.Sprintf(format, a...)
		fmt.Fprintf(stderr, "keytier fleet: %s\n", msg)
		if asJSON {
			_ = writeJSONObject(stdout, fleetUsageReport(msg))
		}
		return exitUsage
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		if asJSON {
			_ = writeJSONObject(stdout, fleetUsageReport(err.Error()))
		}
		return exitUsage
	}
	newRenderer, ok := fleetFormats[*format]
	switch {
	case !ok:
		return usageErr("unknown --format %q (text, json, csv or html)", *format)
	case fs.NArg() != 1:
		return usageErr("want one FILE (or - for standard input), got %d", fs.NArg())
	case *mdsRoot != "" && *mdsFile == "":
		return usageErr("--mds-root needs --mds")
	}

	var opts passkey.FleetOptions
	if *mdsFile != "" {
		blob, err := loadMDS(*mdsFile, *mdsRoot)
		if err != nil {
			return usageErr("--mds: %v", err)
		}
		opts.Models.MDS = blob
	}
	in := stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return usageErr("%v", err)
		}
		defer f.Close()
		in = f
	}
	w := stdout
	var outFile *os.File
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return usageErr("--out: %v", err)
		}
		outFile = f
		w = f
	}
	if os.Getenv("GOGC") == "" {
		// The live heap is a few batches of rows, a few MiB, so the
		// collector's default target makes it run every few MiB of
		// garbage; four times that costs tens of MiB and saves about a
		// sixth of the CPU time (docs/benchmarks.md).
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	r := newRenderer(bw)
	var s passkey.FleetSummary
	var werr error
	for row := range passkey.ClassifyRecords(passkey.ReadRecords(in), opts) {
		s.Add(row)
		if werr = r.row(row); werr != nil {
			break
		}
	}
	if werr == nil {
		werr = r.finish(&s)
	}
	if werr == nil {
		werr = bw.Flush()
	}
	if outFile != nil {
		if err := outFile.Close(); werr == nil {
			werr = err
		}
	}
	if werr != nil {
		fmt.Fprintf(stderr, "keytier fleet: writing the report: %v\n", werr)
		return exitFail
	}
	if s.Unreadable > 0 {
		fmt.Fprintf(stderr, "keytier fleet: %d of %d rows could not be read\n", s.Unreadable, s.Rows)
		return exitFail
	}
	return exitOK
}

// fleetJSONRequested reports whether args ask for --format json, so that
// a usage error can be the one JSON object that format promises. Like
// package flag it reads flags up to "--" and lets the last one win.
func fleetJSONRequested(args []string) bool {
	on := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "format" {
			continue
		}
		if !hasVal && i+1 < len(args) {
			i++
			val = args[i]
		}
		on = val == "json"
	}
	return on
}

// fleetUsageReport is `keytier fleet --format json`'s report of a usage
// error: the contract's members, nothing read.
func fleetUsageReport(message string) any {
	return struct {
		OK      bool       `json:"ok"`
		Error   usageError `json:"error"`
		Rows    []struct{} `json:"rows"`
		Summary *struct{}  `json:"summary"`
	}{Error: usageError{Code: usageCode, Message: message}}
}

// fleetProfileName is how the reports name the profile of the share.
var fleetProfileName = passkey.DeviceBoundOnlyProfile().Name

func typeLabel(t passkey.PasskeyType) string {
	if t == "" {
		return "unknown"
	}
	return string(t)
}

func problemCodes(r passkey.FleetRow) []string {
	out := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		out[i] = string(p.Code)
	}
	return out
}

// summaryOrder lists a summary's breakdowns in a fixed order.
var (
	fleetTypes  = []passkey.PasskeyType{passkey.DeviceBound, passkey.Synced, ""}
	fleetLevels = []assurance.Level{assurance.AAL3, assurance.AAL2, assurance.AAL1, assurance.LevelNone}
)

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ---- text ----

type fleetText struct {
	w      io.Writer
	header bool
	buf    []byte // a credential's line, reused
}

const fleetTextRow = "%-10s %-11s %-32s %-18s %-5s %-10s %-7s %s\n"

func (t *fleetText) row(r passkey.FleetRow) error {
	if !t.header {
		t.header = true
		if _, err := fmt.Fprintf(t.w, fleetTextRow, "ROW", "SOURCE", "AUTHENTICATOR", "TYPE", "AAL", "ATTEST.", "PROFILE", "PROBLEMS"); err != nil {
			return err
		}
	}
	var err error
	switch {
	case r.Err != nil:
		_, err = fmt.Fprintf(t.w, "%-10s unreadable: %s\n", r.Position(), errorText(r.Err))
	case r.Skipped:
		_, err = fmt.Fprintf(t.w, "%-10s skipped: a Graph authentication method that is not a passkey\n", r.Position())
	default:
		// fleetTextRow, appended: a million of these go through fmt
		// slower than the rows are classified.
		profile := "ok"
		if r.ProfileFails {
			profile = "fails"
		}
		typ := typeLabel(r.PasskeyType)
		if r.Confidence != "" {
			typ += "/" + string(r.Confidence)
		}
		b := pad(r.AppendPosition(t.buf[:0]), 0, 10)
		b = padString(b, r.Source, 11)
		b = padString(b, clip(r.Authenticator, 32), 32)
		b = padString(b, typ, 18)
		b = padString(b, r.AAL.String(), 5)
		b = padString(b, string(r.Attestation), 10)
		b = padString(b, profile, 7)
		if len(r.Problems) == 0 {
			b = append(b, '-')
		}
		for i, p := range r.Problems {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, p.Code...)
		}
		t.buf = append(b, '\n')
		_, err = t.w.Write(t.buf)
	}
	return err
}

// padString appends s left-aligned in width runes and the column's
// separating space, as fleetTextRow's %-*s does.
func padString(b []byte, s string, width int) []byte {
	start := len(b)
	return pad(append(b, s...), start, width)
}

// pad pads the field b[start:] to width runes and appends the separating
// space.
func pad(b []byte, start, width int) []byte {
	for n := utf8.RuneCount(b[start:]); n < width; n++ {
		b = append(b, ' ')
	}
	return append(b, ' ')
}

// errorText is a row error without the package prefix.
func errorText(e *passkey.Error) string {
	return strings.TrimPrefix(e.Error(), "passkey: ")
}

func clip(s string, n int) string {
	if len(s) <= n && printable(s) {
		return s // no rune to replace, and short enough
	}
	r := []rune(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

func share(n, of int) string {
	if of == 0 {
		return "0.0%"
	}
	return percent(float64(n) / float64(of))
}

func (t *fleetText) finish(s *passkey.FleetSummary) error {
	var b strings.Builder
	if t.header {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Summary: %d rows, %d credentials, %d unreadable, %d skipped (not passkeys)\n", s.Rows, s.Credentials, s.Unreadable, s.Skipped)
	b.WriteString("By passkey type:\n")
	for _, pt := range fleetTypes {
		fmt.Fprintf(&b, "  %-32s %8d  %6s\n", typeLabel(pt), s.ByPasskeyType[pt], share(s.ByPasskeyType[pt], s.Credentials))
	}
	b.WriteString("By assurance level:\n")
	for _, l := range fleetLevels {
		fmt.Fprintf(&b, "  %-32s %8d  %6s\n", l, s.ByAAL[l], share(s.ByAAL[l], s.Credentials))
	}
	b.WriteString("By authenticator:\n")
	for _, c := range s.Authenticators() {
		fmt.Fprintf(&b, "  %-32s %8d  %6s\n", clip(c.Name, 32), c.Count, share(c.Count, s.Credentials))
	}
	if len(s.ByProblem) > 0 {
		b.WriteString("Problems:\n")
		for _, code := range sortedKeys(s.ByProblem) {
			fmt.Fprintf(&b, "  %-32s %8d\n", code, s.ByProblem[code])
		}
	}
	if len(s.ByError) > 0 {
		b.WriteString("Unreadable rows by error:\n")
		for _, code := range sortedKeys(s.ByError) {
			fmt.Fprintf(&b, "  %-32s %8d\n", code, s.ByError[code])
		}
	}
	fmt.Fprintf(&b, "Would fail a %s profile: %d of %d credentials (%s)\n", fleetProfileName, s.ProfileFails, s.Credentials, share(s.ProfileFails, s.Credentials))
	_, err := io.WriteString(t.w, b.String())
	return err
}

// ---- json ----

// fleetJSON writes one object, streaming its rows:
//
//	{"ok", "error": {"code", "message"} | null, "rows": [...], "summary": {...}}
//
// ok is false, and error's code "rows_unreadable", when any row could not
// be read; each such row has "error": {"code", "where", "message"}.
type fleetJSON struct {
	w    io.Writer
	rows int
	buf  []byte
}

type fleetJSONRow struct {
	passkey.FleetRow
	Position string `json:"position"`
}

// appendFleetRow appends r as json.Marshal writes fleetJSONRow (members,
// order and omissions alike; a test holds the two equal), without
// reflection: at a million rows the encoder was a tenth of the time.
func appendFleetRow(b []byte, r passkey.FleetRow) []byte {
	str := func(name, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = appendQuoted(b, v)
	}
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(r.Index), 10)
	if r.Line != 0 {
		b = append(b, `,"line":`...)
		b = strconv.AppendInt(b, int64(r.Line), 10)
	}
	str("path", r.Path, true)
	if r.Skipped {
		b = append(b, `,"skipped":true`...)
	}
	str("source", r.Source, true)
	str("id", r.ID, true)
	b = append(b, `,"aaguid":"`...)
	b = appendUUID(b, r.AAGUID)
	b = append(b, '"')
	str("authenticator", r.Authenticator, true)
	str("passkeyType", string(r.PasskeyType), false)
	str("confidence", string(r.Confidence), true)
	str("aal", r.AAL.String(), false)
	str("attestation", string(r.Attestation), true)
	if r.Algorithm != 0 {
		b = append(b, `,"algorithm":`...)
		b = strconv.AppendInt(b, r.Algorithm, 10)
	}
	if r.SignCount != nil {
		b = append(b, `,"signCount":`...)
		b = strconv.AppendUint(b, uint64(*r.SignCount), 10)
	}
	if len(r.Problems) > 0 {
		b = append(b, `,"problems":[`...)
		for i, p := range r.Problems {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = appendQuoted(b, string(p.Code))
			b = append(b, `,"message":`...)
			b = appendQuoted(b, p.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"profileFails":`...)
	b = strconv.AppendBool(b, r.ProfileFails)
	if len(r.ProfileReasons) > 0 {
		b = append(b, `,"profileReasons":[`...)
		for i, p := range r.ProfileReasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			if p.Profile != "" {
				b = append(b, `"profile":`...)
				b = appendQuoted(b, p.Profile)
				b = append(b, ',')
			}
			b = append(b, `"code":`...)
			b = appendQuoted(b, string(p.Code))
			b = append(b, `,"message":`...)
			b = appendQuoted(b, p.Message)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Path != "" {
		str("position", r.Path, false)
	} else { // "line 7" or "[7]"
		b = append(b, `,"position":"`...)
		b = append(r.AppendPosition(b), '"')
	}
	return append(b, '}')
}

// printable reports whether s is ASCII without control characters.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// appendUUID appends u as uuid.UUID.String writes it.
func appendUUID(b []byte, u uuid.UUID) []byte {
	b = hex.AppendEncode(b, u[:4])
	for _, part := range [][]byte{u[4:6], u[6:8], u[8:10], u[10:]} {
		b = hex.AppendEncode(append(b, '-'), part)
	}
	return b
}

// appendQuoted is jsontext.AppendQuote for text that needs no escape,
// nearly all of a report, without its per-rune work; other text is
// jsontext's. TestAppendQuoted holds the two to the same bytes.
func appendQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			b, _ = jsontext.AppendQuote(b, s)
			return b
		}
	}
	if !utf8.ValidString(s) {
		b, _ = jsontext.AppendQuote(b, s)
		return b
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

type fleetRowError struct {
	Code    passkey.Code `json:"code"`
	Where   string       `json:"where"`
	Message string       `json:"message"`
}

func (j *fleetJSON) row(r passkey.FleetRow) error {
	sep := ",\n"
	if j.rows == 0 {
		sep = "{\"rows\": [\n"
	}
	j.rows++
	if r.Err == nil {
		j.buf = appendFleetRow(append(j.buf[:0], sep...), r)
		_, err := j.w.Write(j.buf)
		return err
	}
	// An unreadable row has no classification to show.
	v := struct {
		Index    int               `json:"index"`
		Line     int               `json:"line,omitempty"`
		Path     string            `json:"path,omitempty"`
		Position string            `json:"position"`
		Problems []passkey.Problem `json:"problems,omitempty"`
		Error    fleetRowError     `json:"error"`
	}{r.Index, r.Line, r.Path, r.Position(), r.Problems, fleetRowError{Code: r.Err.Code, Where: r.Err.Where, Message: errorText(r.Err)}}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	j.buf = append(append(j.buf[:0], sep...), b...)
	_, err = j.w.Write(j.buf)
	return err
}

type fleetJSONSummary struct {
	Rows             int            `json:"rows"`
	Credentials      int            `json:"credentials"`
	Unreadable       int            `json:"unreadable"`
	Skipped          int            `json:"skipped"`
	ByAuthenticator  []fleetCount   `json:"byAuthenticator"`
	ByPasskeyType    map[string]int `json:"byPasskeyType"`
	ByAAL            map[string]int `json:"byAAL"`
	ByProblem        map[string]int `json:"byProblem"`
	ByError          map[string]int `json:"byError"`
	Profile          string         `json:"profile"`
	ProfileFails     int            `json:"profileFails"`
	ProfileFailShare float64        `json:"profileFailShare"`
}

type fleetCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func (j *fleetJSON) finish(s *passkey.FleetSummary) error {
	js := fleetJSONSummary{
		Rows: s.Rows, Credentials: s.Credentials, Unreadable: s.Unreadable, Skipped: s.Skipped,
		ByAuthenticator: []fleetCount{},
		ByPasskeyType:   map[string]int{}, ByAAL: map[string]int{}, ByProblem: map[string]int{}, ByError: map[string]int{},
		Profile: fleetProfileName, ProfileFails: s.ProfileFails, ProfileFailShare: s.ProfileFailShare(),
	}
	for _, c := range s.Authenticators() {
		js.ByAuthenticator = append(js.ByAuthenticator, fleetCount{c.Name, c.Count})
	}
	for _, pt := range fleetTypes {
		js.ByPasskeyType[typeLabel(pt)] = s.ByPasskeyType[pt]
	}
	for _, l := range fleetLevels {
		js.ByAAL[l.String()] = s.ByAAL[l]
	}
	for k, n := range s.ByProblem {
		js.ByProblem[string(k)] = n
	}
	for k, n := range s.ByError {
		js.ByError[string(k)] = n
	}
	var tail struct {
		OK      bool              `json:"ok"`
		Error   *usageError       `json:"error"`
		Summary *fleetJSONSummary `json:"summary"`
	}
	tail.OK, tail.Summary = s.Unreadable == 0, &js
	if s.Unreadable > 0 {
		tail.Error = &usageError{Code: "rows_unreadable", Message: fmt.Sprintf("%d of %d rows could not be read", s.Unreadable, s.Rows)}
	}
	b, err := json.MarshalIndent(tail, "", "  ")
	if err != nil {
		return err
	}
	head := "\n],\n"
	if j.rows == 0 {
		head = "{\"rows\": [],\n"
	}
	// The tail object's members follow the rows in the same object.
	_, err = io.WriteString(j.w, head+string(b[2:]))
	if err == nil {
		_, err = io.WriteString(j.w, "\n")
	}
	return err
}

// ---- csv ----

// fleetCSV writes one record per row under a header; the summary is not
// part of CSV (the text, json and html forms carry it).
type fleetCSV struct {
	w      *csv.Writer
	header bool
}

var fleetCSVHeader = []string{"index", "line", "path", "source", "id", "aaguid", "authenticator", "passkeyType", "confidence", "aal",
	"attestation", "algorithm", "signCount", "profileFails", "problems", "error"}

func (c *fleetCSV) row(r passkey.FleetRow) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(fleetCSVHeader); err != nil {
			return err
		}
	}
	line := ""
	if r.Line > 0 {
		line = strconv.Itoa(r.Line)
	}
	rec := []string{strconv.Itoa(r.Index), line, r.Path}
	switch {
	case r.Err != nil:
		rec = append(rec, make([]string, len(fleetCSVHeader)-5)...)
		rec = append(rec, strings.Join(problemCodes(r), " "), cell(errorText(r.Err)))
	case r.Skipped:
		rec = append(rec, r.Source)
		rec = append(rec, make([]string, len(fleetCSVHeader)-5)...)
		rec = append(rec, "skipped: not a passkey")
	default:
		alg, count := "", ""
		if r.Algorithm != 0 {
			alg = strconv.FormatInt(r.Algorithm, 10)
		}
		if r.SignCount != nil {
			count = strconv.FormatUint(uint64(*r.SignCount), 10)
		}
		rec = append(rec, r.Source, cell(r.ID), r.AAGUID.String(), cell(r.Authenticator), typeLabel(r.PasskeyType), string(r.Confidence),
			r.AAL.String(), string(r.Attestation), alg, count, strconv.FormatBool(r.ProfileFails), strings.Join(problemCodes(r), " "), "")
	}
	return c.w.Write(rec)
}

// cell keeps a spreadsheet from reading a value as a formula (OWASP,
// "CSV Injection"): a leading =, +, -, @, tab or CR gets a quote.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (c *fleetCSV) finish(*passkey.FleetSummary) error {
	if !c.header {
		if err := c.w.Write(fleetCSVHeader); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// ---- html ----

// fleetHTML writes one self-contained page: inline CSS, inline SVG charts
// built like the audit report's, no script, and a Content-Security-Policy
// that forbids every network load. Rows are written as they come; the
// summary, known only at the end, is written last and shown first by the
// page's layout (CSS order), so the page streams.
type fleetHTML struct {
	w    io.Writer
	rows int
	buf  []byte
}

func (h *fleetHTML) row(r passkey.FleetRow) error {
	b := h.buf[:0]
	if h.rows == 0 {
		b = append(b, fleetHTMLHead...)
		b = append(b, `<section class="rows"><h2>Credentials</h2>
<table>
<thead><tr><th>Row</th><th>Source</th><th>Authenticator</th><th>Type</th><th>AAL</th><th>Attestation</th><th>Profile</th><th>Problems</th></tr></thead>
<tbody>
`...)
	}
	h.rows++
	esc := template.HTMLEscapeString
	b = append(b, `<tr`...)
	switch {
	case r.Err != nil:
		b = append(b, ` class="bad"><td>`...)
		b = append(b, esc(r.Position())...)
		b = append(b, `</td><td colspan="7">unreadable: <code>`...)
		b = append(b, esc(errorText(r.Err))...)
		b = append(b, `</code></td></tr>`...)
	case r.Skipped:
		b = append(b, ` class="skipped"><td>`...)
		b = append(b, esc(r.Position())...)
		b = append(b, `</td><td colspan="7">skipped: a Graph authentication method that is not a passkey</td></tr>`...)
	default:
		b = append(b, `><td>`...)
		b = append(b, esc(r.Position())...)
		b = append(b, `</td><td>`...)
		b = append(b, esc(r.Source)...)
		b = append(b, `</td><td>`...)
		b = append(b, esc(xmlText(r.Authenticator))...)
		b = append(b, `</td><td>`...)
		b = append(b, esc(typeLabel(r.PasskeyType))...)
		if r.Confidence != "" {
			b = append(b, ` <span class="muted">(`...)
			b = append(b, esc(string(r.Confidence))...)
			b = append(b, `)</span>`...)
		}
		b = append(b, `</td><td class="`...)
		b = append(b, levelClass(r.AAL)...)
		b = append(b, `">`...)
		b = append(b, r.AAL.String()...)
		b = append(b, `</td><td>`...)
		b = append(b, esc(string(r.Attestation))...)
		if r.ProfileFails {
			b = append(b, `</td><td class="fails">fails`...)
		} else {
			b = append(b, `</td><td>ok`...)
		}
		b = append(b, `</td><td>`...)
		for i, p := range r.Problems {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, `<code title="`...)
			b = append(b, esc(p.Message)...)
			b = append(b, `">`...)
			b = append(b, esc(string(p.Code))...)
			b = append(b, `</code>`...)
		}
		b = append(b, `</td></tr>`...)
	}
	b = append(b, '\n')
	h.buf = b
	_, err := h.w.Write(b)
	return err
}

func levelClass(l assurance.Level) string {
	switch l {
	case assurance.AAL3:
		return "aal3"
	case assurance.AAL2:
		return "aal2"
	case assurance.AAL1:
		return "aal1"
	}
	return "aalnone"
}

// fleetPage is what the summary template renders.
type fleetPage struct {
	S                   *passkey.FleetSummary
	Profile, FailShare  string
	Types, Levels, Auth svgChart
	Fail                svgChart
	Problems, Errors    []fleetCount
}

func (h *fleetHTML) finish(s *passkey.FleetSummary) error {
	if h.rows == 0 {
		if _, err := io.WriteString(h.w, fleetHTMLHead+`<section class="rows"><h2>Credentials</h2><p class="muted">The input holds no rows.</p>`); err != nil {
			return err
		}
	} else if _, err := io.WriteString(h.w, "</tbody>\n</table>\n"); err != nil {
		return err
	}
	p := fleetPage{S: s, Profile: fleetProfileName, FailShare: share(s.ProfileFails, s.Credentials)}
	var typeBars, levelBars, authBars []fleetBar
	for _, pt := range fleetTypes {
		typeBars = append(typeBars, fleetBar{typeLabel(pt), "type-" + typeLabel(pt), s.ByPasskeyType[pt]})
	}
	for _, l := range fleetLevels {
		levelBars = append(levelBars, fleetBar{l.String(), "tier-" + strings.ToLower(l.String()), s.ByAAL[l]})
	}
	auth := s.Authenticators()
	others := 0
	for i, c := range auth {
		if i < 10 {
			authBars = append(authBars, fleetBar{c.Name, "auth", c.Count})
		} else {
			others += c.Count
		}
	}
	if others > 0 {
		authBars = append(authBars, fleetBar{fmt.Sprintf("%d more", len(auth)-10), "auth", others})
	}
	p.Types = fleetChart("chart-types", "Credentials by passkey type", typeBars, s.Credentials)
	p.Levels = fleetChart("chart-aal", "Credentials by assurance level", levelBars, s.Credentials)
	p.Auth = fleetChart("chart-authenticators", "Credentials by authenticator", authBars, s.Credentials)
	p.Fail = fleetChart("chart-profile", "Credentials a "+fleetProfileName+" profile would refuse",
		[]fleetBar{{"would fail", "tier-none", s.ProfileFails}, {"admitted", "tier-aal3", s.Credentials - s.ProfileFails}}, s.Credentials)
	for _, k := range sortedKeys(s.ByProblem) {
		p.Problems = append(p.Problems, fleetCount{string(k), s.ByProblem[k]})
	}
	for _, k := range sortedKeys(s.ByError) {
		p.Errors = append(p.Errors, fleetCount{string(k), s.ByError[k]})
	}
	return fleetHTMLTemplate.Execute(h.w, p)
}

type fleetBar struct {
	label, class string
	n            int
}

// fleetChart lays out a bar chart of counts out of total, as the audit
// report's charts are laid out.
func fleetChart(id, title string, bars []fleetBar, total int) svgChart {
	c := svgChart{ID: id, Title: title}
	labels := make([]string, len(bars))
	var desc []string
	for i, b := range bars {
		labels[i] = shortLabel(b.label)
		desc = append(desc, fmt.Sprintf("%s %d", b.label, b.n))
	}
	c.Desc = fmt.Sprintf("%s, of %d: %s.", title, total, strings.Join(desc, ", "))
	c.layout(labels, svgTop)
	for i, b := range bars {
		y, ty := c.row(i, svgTop)
		value := fmt.Sprintf("%d · %s", b.n, share(b.n, total))
		w := barLength(b.n, total, c.BarWidth)
		c.Bars = append(c.Bars, svgBar{
			Label: labels[i], Title: xmlText(b.label) + ": " + value, Class: b.class,
			Y: y, TextY: ty, Width: px(w), Value: value, ValueX: px(float64(c.BarX) + w + 6),
		})
	}
	return c
}

const fleetHTMLHead = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Stored passkeys: keytier fleet</title>
<style>
:root { color-scheme: light dark; --fg: #1d232b; --muted: #5a6572; --bg: #ffffff; --panel: #f4f6f8; --line: #d5dbe1; --accent: #2f6fb2;
  --aal3: #1f7a4d; --aal2: #2f6fb2; --aal1: #c27c0e; --none: #b3261e; --track: #e3e8ed; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e4e8ec; --muted: #a2adb8; --bg: #15191e; --panel: #1e242b; --line: #38414b; --accent: #7db3ea;
    --aal3: #4cc28a; --aal2: #6aa6e6; --aal1: #e0a640; --none: #f07167; --track: #2c343d; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
main { display: flex; flex-direction: column; }
section.summary { order: 1; } section.rows { order: 2; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .25rem; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
` + figuresCSS + `.tier-aal3, .type-deviceBound { fill: var(--aal3); } .tier-aal2, .type-synced { fill: var(--aal2); } .tier-aal1 { fill: var(--aal1); }
.tier-none, .type-unknown { fill: var(--none); } .auth { fill: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.aal3 { color: var(--aal3); } td.aal2 { color: var(--aal2); } td.aal1 { color: var(--aal1); } td.aalnone, td.fails, tr.bad td { color: var(--none); }
tr.skipped td { color: var(--muted); }
footer { margin-top: 2.5rem; color: var(--muted); font-size: .85rem; }
</style>
</head>
<body>
<h1>Stored passkeys</h1>
<p class="muted">Each stored credential: what it is, the assurance it gives, and what is wrong with it.</p>
<main>
`

var fleetHTMLTemplate = template.Must(template.Must(auditHTMLTemplate.Clone()).New("fleet.html").Parse(`</section>
<section class="summary"><h2>Summary</h2>
<dl class="figures">
<div><dt>Rows</dt><dd>{{.S.Rows}}</dd></div>
<div><dt>Credentials</dt><dd>{{.S.Credentials}}</dd></div>
<div><dt>Unreadable</dt><dd>{{.S.Unreadable}}</dd></div>
<div><dt>Skipped</dt><dd>{{.S.Skipped}}</dd></div>
<div><dt>Would fail {{.Profile}}</dt><dd>{{.FailShare}}</dd></div>
</dl>
<h3>{{.Fail.Title}}</h3>
{{template "chart" .Fail}}
<h3>{{.Types.Title}}</h3>
{{template "chart" .Types}}
<h3>{{.Levels.Title}}</h3>
{{template "chart" .Levels}}
<h3>{{.Auth.Title}}</h3>
{{template "chart" .Auth}}
{{- if .Problems}}
<h3>Problems</h3>
<table><thead><tr><th>Problem</th><th class="n">Credentials</th></tr></thead><tbody>
{{- range .Problems}}
<tr><td><code>{{.Name}}</code></td><td class="n">{{.Count}}</td></tr>
{{- end}}
</tbody></table>
{{- end}}
{{- if .Errors}}
<h3>Unreadable rows</h3>
<table><thead><tr><th>Error</th><th class="n">Rows</th></tr></thead><tbody>
{{- range .Errors}}
<tr><td><code>{{.Name}}</code></td><td class="n">{{.Count}}</td></tr>
{{- end}}
</tbody></table>
{{- end}}
</section>
</main>
<footer>keytier fleet</footer>
</body>
</html>
`))
