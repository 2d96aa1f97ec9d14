package passkey

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"iter"
	"runtime"
	"slices"
	"strconv"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey/catalog"
)

// MaxFleetRowSize bounds one row of a fleet input: a stored record
// (MaxRecordSize) or a Graph fido2AuthenticationMethod (MaxMethodSize),
// whichever is larger. A longer row is reported as input_too_large and,
// in JSON Lines, skipped without being held.
const MaxFleetRowSize = max(MaxRecordSize, MaxMethodSize)

// MaxFleetAuthenticators bounds the distinct authenticator names a
// FleetSummary counts separately; rows beyond it count under
// FleetOtherAuthenticators, so a hostile input of a million invented
// names costs a bounded map.
const MaxFleetAuthenticators = 1000

// FleetOtherAuthenticators is the FleetSummary.ByAuthenticator key of the
// rows past MaxFleetAuthenticators distinct names.
const FleetOtherAuthenticators = "(other authenticators)"

// RecordRow is one row of a fleet input as ReadRecords yields it: where it
// is and its bytes.
type RecordRow struct {
	// Index is the row's 0-based position among the rows: the element
	// index in a JSON array; in JSON Lines, the count of non-blank lines
	// before it.
	Index int
	// Line is the row's 1-based line in JSON Lines input; 0 otherwise.
	Line int
	// Path is where a row of a tenant snapshot is, as a dotted JSON path
	// ("users.12.authenticationMethods.1"); "" otherwise.
	Path string
	// JSON is the row. It is valid only until the iteration advances.
	JSON []byte
}

// Position names the row for people: "line 12" in JSON Lines, "[3]" in
// an array, its Path in a snapshot.
func (r RecordRow) Position() string {
	return string(r.AppendPosition(nil))
}

// AppendPosition appends Position to b.
func (r RecordRow) AppendPosition(b []byte) []byte {
	switch {
	case r.Path != "":
		return append(b, r.Path...)
	case r.Line > 0:
		return strconv.AppendInt(append(b, "line "...), int64(r.Line), 10)
	}
	return append(strconv.AppendInt(append(b, '['), int64(r.Index), 10), ']')
}

// ReadRecords reads a fleet of stored credentials from r, one row at a
// time, without holding more than one row (at most MaxFleetRowSize bytes
// plus a read buffer). The first byte that is not white space decides the
// form:
//
//   - '[': a JSON array; each element is a row.
//   - '{' opening an object whose first member is one of a tenant
//     snapshot's (tenant, capturedAt, authenticationMethodsPolicy, users,
//     groups, roleAssignments; graphadapter's Snapshot): each
//     fido2AuthenticationMethod of users[].authenticationMethods is a row.
//     The snapshot is streamed, one user at a time; other members are
//     skipped token by token.
//   - anything else: JSON Lines (jsonlines.org); each non-blank line is a
//     row. A line may end in "\r\n".
//
// A row that cannot be read yields its position and an *Error. In JSON
// Lines the next line is read as usual, so one bad line costs one row. In
// an array a syntax error ends the input, since nothing after it can be
// placed with certainty; the error is the last value yielded. An empty
// input yields nothing.
//
// What a row holds is not judged here: ClassifyRecords does that.
func ReadRecords(r io.Reader) iter.Seq2[RecordRow, error] {
	return func(yield func(RecordRow, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		skipped := 0 // lines before the first row, for JSON Lines' line numbers
		for {
			b, err := br.ReadByte()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					yield(RecordRow{}, errorf(CodeJSONInvalid, "", err, "reading the input"))
				}
				return
			}
			switch b {
			case '\n':
				skipped++
				continue
			case ' ', '\t', '\r':
				continue
			}
			_ = br.UnreadByte()
			switch {
			case b == '[':
				readArray(br, yield)
			case isSnapshot(br):
				readSnapshot(br, yield)
			default:
				readLines(br, skipped, yield)
			}
			return
		}
	}
}

// readLines yields each non-blank line of JSON Lines input.
func readLines(br *bufio.Reader, line int, yield func(RecordRow, error) bool) {
	var (
		index int
		long  []byte // a line longer than the read buffer, assembled
	)
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if len(long)+len(chunk) <= MaxFleetRowSize {
				long = append(long, chunk...)
				continue
			}
			// Too long: drop what was kept and skip to the end of the line.
			line++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			long = long[:0]
			row := RecordRow{Index: index, Line: line}
			index++
			if !yield(row, errorf(CodeInputTooLarge, "", nil, "the line is longer than %d bytes, more than any stored credential", MaxFleetRowSize)) {
				return
			}
			if err != nil && !errors.Is(err, io.EOF) {
				yield(RecordRow{Index: index, Line: line + 1}, errorf(CodeJSONInvalid, "", err, "reading the input"))
				return
			}
			if errors.Is(err, io.EOF) {
				return
			}
			continue
		case err != nil && !errors.Is(err, io.EOF):
			yield(RecordRow{Index: index, Line: line + 1}, errorf(CodeJSONInvalid, "", err, "reading the input"))
			return
		}
		data := chunk
		if len(long) > 0 {
			long = append(long, chunk...)
			data = long
		}
		if len(data) > 0 {
			line++
		}
		if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 {
			if len(trimmed) > MaxFleetRowSize {
				if !yield(RecordRow{Index: index, Line: line}, errorf(CodeInputTooLarge, "", nil, "the line is longer than %d bytes, more than any stored credential", MaxFleetRowSize)) {
					return
				}
			} else if !yield(RecordRow{Index: index, Line: line, JSON: trimmed}, nil) {
				return
			}
			index++
		}
		long = long[:0]
		if err != nil { // io.EOF
			return
		}
	}
}

// readArray yields each element of a JSON array. The decoder never holds
// more than one element: rowLimiter refuses to feed it more than
// MaxFleetRowSize bytes past the last element boundary.
func readArray(br *bufio.Reader, yield func(RecordRow, error) bool) {
	lim := &rowLimiter{r: br}
	lim.mark(0)
	dec := jsontext.NewDecoder(lim)
	fail := func(index int, err error) { yield(RecordRow{Index: index}, streamError(err, "array")) }
	if _, err := dec.ReadToken(); err != nil { // '['
		fail(0, err)
		return
	}
	for index := 0; ; index++ {
		lim.mark(dec.InputOffset())
		if dec.PeekKind() == ']' {
			if _, err := dec.ReadToken(); err != nil {
				fail(index, err)
			}
			// Whatever follows the array is not read: the array is the input.
			return
		}
		v, err := dec.ReadValue()
		if err != nil {
			fail(index, err)
			return
		}
		if !yield(RecordRow{Index: index, JSON: v}, nil) {
			return
		}
	}
}

// streamError is the last error of an array or a snapshot, which cannot
// be read past a syntax error or an oversized value.
func streamError(err error, what string) *Error {
	var se *jsontext.SyntacticError
	switch {
	case errors.Is(err, errRowTooLarge):
		return errorf(CodeInputTooLarge, "", nil, "a value is longer than %d bytes, more than any stored credential; the rest of the %s cannot be read", MaxFleetRowSize, what)
	case errors.As(err, &se):
		return errorf(CodeJSONInvalid, fmt.Sprintf("@%d", se.ByteOffset), nil, "%v; the rest of the %s cannot be read", se.Err, what)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(CodeJSONInvalid, "", nil, "the %s ends early", what)
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errorf(CodeJSONInvalid, "", err, "reading the input")
}

// snapshotMembers are the members of graphadapter's Snapshot document.
var snapshotMembers = []string{"tenant", "capturedAt", "authenticationMethodsPolicy", "users", "groups", "roleAssignments"}

// isSnapshot reports whether the object br starts with is a tenant
// snapshot: its first member is one of a snapshot's, which no row's is.
func isSnapshot(br *bufio.Reader) bool {
	head, _ := br.Peek(4 << 10)
	dec := jsontext.NewDecoder(bytes.NewReader(head))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return false
	}
	name, err := dec.ReadToken()
	return err == nil && name.Kind() == '"' && slices.Contains(snapshotMembers, name.String())
}

// readSnapshot yields the passkeys of a tenant snapshot, one user read at
// a time.
func readSnapshot(br *bufio.Reader, yield func(RecordRow, error) bool) {
	lim := &rowLimiter{r: br}
	lim.mark(0)
	dec := jsontext.NewDecoder(lim)
	index := 0
	fail := func(err error) { yield(RecordRow{Index: index, Path: "snapshot"}, streamError(err, "snapshot")) }
	if _, err := dec.ReadToken(); err != nil {
		fail(err)
		return
	}
	for dec.PeekKind() == '"' {
		lim.mark(dec.InputOffset())
		name, err := dec.ReadToken()
		if err != nil {
			fail(err)
			return
		}
		if name.String() != "users" {
			if err := skipBounded(dec, lim); err != nil {
				fail(err)
				return
			}
			continue
		}
		if k := dec.PeekKind(); k != '[' {
			yield(RecordRow{Index: index, Path: "users"}, errorf(CodeJSONInvalid, "", nil, "got JSON %s, want an array of users", kindName(k)))
			return
		}
		if _, err := dec.ReadToken(); err != nil {
			fail(err)
			return
		}
		for u := 0; dec.PeekKind() != ']'; u++ {
			lim.mark(dec.InputOffset())
			v, err := dec.ReadValue()
			if err != nil {
				fail(err)
				return
			}
			var user struct {
				Methods []jsontext.Value `json:"authenticationMethods"`
			}
			if err := jsonv2.Unmarshal(v, &user, jsonv2.RejectUnknownMembers(false)); err != nil {
				if !yield(RecordRow{Index: index, Path: "users." + strconv.Itoa(u)}, jsonError(err, "")) {
					return
				}
				index++
				continue
			}
			for m, mv := range user.Methods {
				if kind, err := fleetRowKind(mv, true); err == nil && kind == rowGraphOther {
					continue // not a passkey: a snapshot lists every method
				}
				row := RecordRow{Index: index, Path: "users." + strconv.Itoa(u) + ".authenticationMethods." + strconv.Itoa(m), JSON: mv}
				if !yield(row, nil) {
					return
				}
				index++
			}
		}
		if _, err := dec.ReadToken(); err != nil { // ']'
			fail(err)
			return
		}
	}
	if _, err := dec.ReadToken(); err != nil { // '}'
		fail(err)
	}
}

// skipBounded skips the next value token by token, so that a large member
// (a snapshot's groups) never sits whole in the decoder's buffer.
func skipBounded(dec *jsontext.Decoder, lim *rowLimiter) error {
	switch dec.PeekKind() {
	case '{', '[':
		depth := dec.StackDepth()
		for {
			lim.mark(dec.InputOffset())
			if _, err := dec.ReadToken(); err != nil {
				return err
			}
			if dec.StackDepth() <= depth {
				return nil
			}
		}
	}
	_, err := dec.ReadValue()
	return err
}

var errRowTooLarge = errors.New("row too large")

// rowLimiter feeds a decoder at most MaxFleetRowSize bytes (plus one read
// buffer) past the start of the current element, so a single huge element
// fails instead of growing the decoder's buffer without bound.
type rowLimiter struct {
	r           io.Reader
	read, limit int64
}

func (l *rowLimiter) mark(offset int64) { l.limit = offset + MaxFleetRowSize + 64<<10 }

func (l *rowLimiter) Read(p []byte) (int, error) {
	if l.read >= l.limit {
		return 0, errRowTooLarge
	}
	p = p[:min(int64(len(p)), l.limit-l.read)]
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
}

// Fleet row sources.
const (
	// SourceGraph is a Microsoft Graph fido2AuthenticationMethod.
	SourceGraph = "graph"
)

// ProblemCode names something wrong with a stored credential that a
// relying party should look at. The codes keep their meaning across
// versions.
type ProblemCode string

const (
	// ProblemBackupStateWithoutEligibility: the row says BS=1 with BE=0,
	// which no authenticator may report (WebAuthn L3 §6.1.3). ParseRecord
	// refuses such a record, as VerifyAssertion would, so the row is also
	// unreadable.
	ProblemBackupStateWithoutEligibility ProblemCode = "backup_state_without_eligibility"
	// ProblemAAGUIDUnknown: the AAGUID (not all zero) is in neither the
	// catalog nor the FIDO metadata given, so nobody vouches for what
	// model it names.
	ProblemAAGUIDUnknown ProblemCode = "aaguid_unknown"
	// ProblemAlgorithmNotRecommended: the key's algorithm is outside
	// RecommendedAlgorithms (EdDSA, ES256, RS256).
	ProblemAlgorithmNotRecommended ProblemCode = "algorithm_not_recommended"
	// ProblemSignCountStuck: the signature counter is zero on a model that
	// counts (see ClassifyRecords), after sign-ins.
	ProblemSignCountStuck ProblemCode = "sign_count_stuck"
	// ProblemAuthenticatorRevoked: FIDO MDS has a REVOKED report in effect
	// for the model (MDS3 §3.1.4).
	ProblemAuthenticatorRevoked ProblemCode = "authenticator_revoked"
	// ProblemAuthenticatorCompromised: FIDO MDS has a key-compromise or
	// user-verification-bypass report in effect for the model.
	ProblemAuthenticatorCompromised ProblemCode = "authenticator_compromised"
)

// Problem is one problem found on a stored credential.
type Problem struct {
	Code    ProblemCode `json:"code"`
	Message string      `json:"message"`
}

// FleetRow is what ClassifyRecords says about one row.
type FleetRow struct {
	// Index and Line place the row, as in RecordRow.
	Index int    `json:"index"`
	Line  int    `json:"line,omitempty"`
	Path  string `json:"path,omitempty"`
	// Err, when set, is why the row could not be read; Where names the
	// member ("authenticator.AAGUID") and the row is placed by Index and
	// Line. Only Index, Line, Err and, for BS without BE, Problems are set
	// then.
	Err *Error `json:"-"`
	// Skipped: a Graph authentication method that is not a passkey (a
	// password, phone or Authenticator method listed with the passkeys).
	// It is counted, not classified.
	Skipped bool `json:"skipped,omitempty"`

	// Source is SourceKeytier, SourceGoWebAuthn or SourceGraph.
	Source string `json:"source,omitempty"`
	// ID is the credential id, base64url, or the Graph method's id.
	ID     string    `json:"id,omitempty"`
	AAGUID uuid.UUID `json:"aaguid"`
	// Authenticator names the model: FIDO metadata's description when MDS
	// lists it, else the catalog's name, else the Graph record's model;
	// "unknown authenticator" when nothing names it.
	Authenticator string          `json:"authenticator,omitempty"`
	PasskeyType   PasskeyType     `json:"passkeyType"`
	Confidence    Confidence      `json:"confidence,omitempty"`
	AAL           assurance.Level `json:"aal"`
	// Attestation is what the registration's attestation proves.
	Attestation AttestationEvidence `json:"attestation,omitempty"`
	// Algorithm is the COSE algorithm of the key; 0 for a Graph record,
	// which does not carry the key.
	Algorithm int64 `json:"algorithm,omitempty"`
	// SignCount is the stored signature counter; nil for a Graph record.
	SignCount *uint32   `json:"signCount,omitempty"`
	Problems  []Problem `json:"problems,omitempty"`
	// ProfileFails: the profile of FleetOptions.Profile would not admit
	// the credential at sign-in; ProfileReasons say why.
	ProfileFails   bool     `json:"profileFails"`
	ProfileReasons []Reason `json:"profileReasons,omitempty"`
}

// Position names the row as RecordRow.Position does.
func (r FleetRow) Position() string {
	return RecordRow{Index: r.Index, Line: r.Line, Path: r.Path}.Position()
}

// AppendPosition appends Position to b.
func (r FleetRow) AppendPosition(b []byte) []byte {
	return RecordRow{Index: r.Index, Line: r.Line, Path: r.Path}.AppendPosition(b)
}

// DeviceBoundOnlyProfile is the passkey profile a fleet is measured
// against by default: device-bound passkeys only, as Entra's profile for
// administrators and privileged roles.
func DeviceBoundOnlyProfile() PasskeyProfile {
	return PasskeyProfile{ID: "device-bound-only", Name: "device-bound only", PasskeyTypes: PasskeyTypes(DeviceBound)}
}

// FleetOptions say how ClassifyRecords judges a fleet. The zero value uses
// the embedded catalog, no FIDO metadata, the device-bound-only profile
// and one worker per CPU. A FleetOptions may be reused.
type FleetOptions struct {
	// Models names authenticator models (catalog) and, when Models.MDS is
	// set, supplies FIDO metadata: model names, which AAGUIDs are known,
	// key protection for Graph records, and REVOKED or compromise reports.
	Models Models
	// Profile is the passkey profile every credential is checked against,
	// with the same check FIDO2Policy.Evaluate applies to a registered
	// passkey. Nil: DeviceBoundOnlyProfile.
	Profile *PasskeyProfile
	// Workers is how many rows are classified at once; 0 means
	// runtime.GOMAXPROCS(0). Rows come out in input order whatever it is.
	Workers int
}

// ClassifyRecords classifies each row of rows (usually ReadRecords) and
// yields one FleetRow per row, in input order, holding at most a few
// batches of rows at a time.
//
// A row is a JSON object of one of three kinds, told apart by its members:
// a Microsoft Graph fido2AuthenticationMethod (it has @odata.type, aaGuid
// or attestationLevel; read by ParseFIDO2Method and judged by
// FIDO2Method.Facts), or a stored record, keytier's or go-webauthn's
// webauthn.Credential (read by ParseRecord). A row that does not read
// yields a FleetRow with Err; the rows after it are classified as usual.
//
// Problems are found by these rules:
//
//   - aaguid_unknown: a non-zero AAGUID that neither Models.Catalog nor
//     Models.MDS lists.
//   - algorithm_not_recommended: a record's algorithm outside
//     RecommendedAlgorithms.
//   - sign_count_stuck: the stored counter is 0 on a model that counts,
//     after at least one sign-in. A model counts when the catalog lists it
//     as a hardware security key (catalog.KindSecurityKey), or FIDO
//     metadata describes an external (roaming) authenticator with hardware
//     key protection that does not support multi-device credentials:
//     security keys keep a signature counter, while synced providers and
//     many platform authenticators report 0 always (WebAuthn L3 §6.1.1
//     allows it), so a 0 there proves nothing. A keytier record counts its
//     sign-ins, so it is flagged only after one; a go-webauthn row keeps
//     no such count, so a 0 there is flagged and the message says it may
//     mean the credential was never used.
//   - authenticator_revoked, authenticator_compromised: Models.MDS has
//     such a status report in effect for the AAGUID.
//   - backup_state_without_eligibility: see the constant.
//
// ProfileFails uses the profile's own check, the one FIDO2Policy.Evaluate
// applies to a registered passkey (CredentialFacts.Registered): passkey
// type and key restrictions, not attestation, which Entra enforces only at
// registration.
func ClassifyRecords(rows iter.Seq2[RecordRow, error], opts FleetOptions) iter.Seq[FleetRow] {
	c := newFleetClassifier(opts)
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers == 1 {
		return func(yield func(FleetRow) bool) {
			for row, err := range rows {
				if !yield(c.classify(row, err)) {
					return
				}
			}
		}
	}
	return func(yield func(FleetRow) bool) { c.parallel(rows, workers, yield) }
}

// fleetBatch is a run of rows classified by one worker; done is closed
// when out is complete.
type fleetBatch struct {
	in   []fleetInput
	out  []FleetRow
	done chan struct{}
}

type fleetInput struct {
	row RecordRow
	err error
}

const fleetBatchRows = 256

// fleetArenaSize is the size of the blocks the reader copies rows into.
const fleetArenaSize = 64 << 10

// parallel reads rows on one goroutine, classifies batches on workers and
// yields them in order on the caller's goroutine. At most 2×workers
// batches are in flight.
func (c *fleetClassifier) parallel(rows iter.Seq2[RecordRow, error], workers int, yield func(FleetRow) bool) {
	var (
		work    = make(chan *fleetBatch)
		ordered = make(chan *fleetBatch, 2*workers)
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	defer wg.Wait()
	defer close(stop)
	for range workers {
		wg.Go(func() {
			for b := range work {
				b.out = make([]FleetRow, len(b.in))
				for i, in := range b.in {
					b.out[i] = c.classify(in.row, in.err)
				}
				close(b.done)
			}
		})
	}
	wg.Go(func() {
		defer close(ordered)
		defer close(work)
		var (
			b     *fleetBatch
			arena []byte
		)
		send := func() bool {
			select {
			case ordered <- b:
			case <-stop:
				return false
			}
			select {
			case work <- b:
			case <-stop:
				return false
			}
			b = nil
			return true
		}
		for row, err := range rows {
			if b == nil {
				b = &fleetBatch{in: make([]fleetInput, 0, fleetBatchRows), done: make(chan struct{})}
			}
			// The row is valid only until the reader advances: copy it
			// into the batch's arena, one allocation for many rows.
			if cap(arena)-len(arena) < len(row.JSON) {
				arena = make([]byte, 0, max(fleetArenaSize, len(row.JSON)))
			}
			n := len(arena)
			arena = append(arena, row.JSON...)
			row.JSON = arena[n:len(arena):len(arena)]
			b.in = append(b.in, fleetInput{row, err})
			if len(b.in) == fleetBatchRows && !send() {
				return
			}
		}
		if b != nil {
			send()
		}
	})
	for b := range ordered {
		<-b.done
		for _, r := range b.out {
			if !yield(r) {
				return
			}
		}
	}
}

type fleetClassifier struct {
	models  Models
	cat     *catalog.Catalog
	profile PasskeyProfile
}

func newFleetClassifier(opts FleetOptions) *fleetClassifier {
	c := &fleetClassifier{models: opts.Models, cat: opts.Models.catalog(), profile: DeviceBoundOnlyProfile()}
	if opts.Profile != nil {
		c.profile = *opts.Profile
	}
	return c
}

// classify judges one row.
func (c *fleetClassifier) classify(row RecordRow, err error) FleetRow {
	out := FleetRow{Index: row.Index, Line: row.Line, Path: row.Path}
	if err != nil {
		out.Err = asError(err)
		return out
	}
	if !c.classifyRead(&out, row.JSON) {
		out = FleetRow{Index: row.Index, Line: row.Line, Path: row.Path}
		c.classifyUnread(&out, row.JSON)
	}
	return out
}

// fido2RowStart is how Microsoft Graph starts every FIDO2 authentication
// method it returns; a row that starts so is one.
var fido2RowStart = []byte(`{"@odata.type":"` + FIDO2MethodODataType + `"`)

// classifyRead judges a row that reads: it decodes the row once, tells a
// Graph method from a record by the members it has, and reports false,
// without a verdict, on any error, which classifyUnread then names.
func (c *fleetClassifier) classifyRead(out *FleetRow, data []byte) bool {
	kind := rowGraph
	var j *recordJSON
	if !bytes.HasPrefix(data, fido2RowStart) {
		if jsontext.Value(data).Kind() != '{' {
			return false
		}
		if r, ok := readRecordFast(data); ok {
			c.recordRow(out, r)
			return true
		}
		var err error
		if j, err = decodeRecordJSON(data, ""); err != nil {
			return false
		}
		kind = j.graphKind()
	}
	switch kind {
	case rowGraphOther:
		out.Skipped, out.Source = true, SourceGraph
	case rowGraph:
		m, ok := readFIDO2Row(data)
		if !ok {
			return false
		}
		c.graphRow(out, m)
	default:
		r, err := j.record("")
		if err != nil {
			return false
		}
		c.recordRow(out, r)
	}
	return true
}

// readFIDO2Row is ParseFIDO2Method for a row too small and too shallow for
// any of checkMethodJSON's limits to apply, with no "value" member that
// could make it a wrapper and no escape that could spell one: for such a
// row, ParseFIDO2Method's outcome is its one decode's. It reports false
// for any other row and on any error.
func readFIDO2Row(data []byte) (*FIDO2Method, bool) {
	// An array of n elements takes at least 2n+1 bytes, and a value nests
	// no deeper than the brackets it has.
	if len(data) > 2*MaxPolicyArrayElements+1 ||
		bytes.Count(data, []byte("{"))+bytes.Count(data, []byte("[")) > MaxPolicyDepth ||
		bytes.IndexByte(data, '\\') >= 0 || bytes.Contains(data, []byte(`value"`)) {
		m, err := ParseFIDO2Method(data)
		return m, err == nil
	}
	var m FIDO2Method
	if m.decode(data, "") != nil {
		return nil, false
	}
	return &m, true
}

// classifyUnread judges a row classifyRead could not, naming its error:
// a syntax error as such wherever it is, a Graph row's error as
// ParseFIDO2Method's, a record's as ParseRecord's.
func (c *fleetClassifier) classifyUnread(out *FleetRow, data []byte) {
	kind, err := fleetRowKind(data, false)
	if err != nil {
		out.Err = asError(err)
		return
	}
	switch kind {
	case rowGraphOther:
		out.Skipped, out.Source = true, SourceGraph
		return
	case rowGraph:
		m, err := ParseFIDO2Method(data)
		if err != nil {
			out.Err = asError(err)
			return
		}
		c.graphRow(out, m)
	default:
		r, err := ParseRecord(data)
		if err != nil {
			out.Err = asError(err)
			if out.Err.Code == CodeRecordInvalid {
				// Name a syntax error as such, as for any other row.
				if _, serr := fleetRowKind(data, true); serr != nil {
					out.Err = asError(serr)
					return
				}
			}
			if out.Err.Code == CodeRecordInvalid && out.Err.Where == "backupState" {
				out.Problems = append(out.Problems, Problem{Code: ProblemBackupStateWithoutEligibility,
					Message: "BS=1 (backed up) with BE=0 (not backup eligible): no authenticator may report that (WebAuthn L3 §6.1.3); the row is corrupt or was not written from a verified ceremony"})
			}
			return
		}
		c.recordRow(out, r)
	}
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeJSONInvalid, Reason: "unreadable", Err: err}
}

type fleetKind int

const (
	rowRecord fleetKind = iota
	rowGraph
	rowGraphOther
)

// kindScanner is a decoder fleetRowKind reuses: a new one per row costs
// more than the scan.
type kindScanner struct {
	r   bytes.Reader
	dec *jsontext.Decoder
}

var kindScanners = sync.Pool{New: func() any {
	sc := &kindScanner{}
	sc.dec = jsontext.NewDecoder(&sc.r)
	return sc
}}

// fleetRowKind tells a Graph authentication method from a stored record
// by its top-level members, reading no deeper than one level. Unless scan
// is set, a row that cannot name a Graph member is taken for a record
// without a scan.
func fleetRowKind(data []byte, scan bool) (fleetKind, error) {
	if k := jsontext.Value(data).Kind(); k != '{' {
		return 0, errorf(CodeJSONInvalid, "", nil, "got JSON %s, want an object", kindName(k))
	}
	// A record names none of the Graph members, so a row in which none of
	// them appears, and no escape could spell one, needs no scan: the
	// record reader checks its syntax anyway.
	if !scan && !bytes.Contains(data, []byte(`\u`)) && !bytes.Contains(data, []byte(`"aaGuid"`)) &&
		!bytes.Contains(data, []byte(`"@odata.type"`)) && !bytes.Contains(data, []byte(`"attestationLevel"`)) {
		return rowRecord, nil
	}
	sc := kindScanners.Get().(*kindScanner)
	defer kindScanners.Put(sc)
	sc.r.Reset(data)
	dec := sc.dec
	dec.Reset(&sc.r)
	if _, err := dec.ReadToken(); err != nil {
		return 0, jsonError(err, "")
	}
	kind := rowRecord
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			return 0, jsonError(err, "")
		}
		switch name.String() {
		case "@odata.type":
			v, err := dec.ReadToken()
			if err != nil {
				return 0, jsonError(err, "")
			}
			if v.Kind() == '"' && v.String() != FIDO2MethodODataType {
				return rowGraphOther, nil
			}
			kind = rowGraph
			continue
		case "aaGuid", "attestationLevel":
			kind = rowGraph
		}
		if err := dec.SkipValue(); err != nil {
			return 0, jsonError(err, "")
		}
	}
	// The closing brace, or the syntax error that stopped the scan.
	if _, err := dec.ReadToken(); err != nil {
		return 0, jsonError(err, "")
	}
	return kind, nil
}

func (c *fleetClassifier) graphRow(out *FleetRow, m *FIDO2Method) {
	f := m.Facts(c.cat)
	aal, _ := assurance.Verdict(f.Evidence(c.models))
	out.Source = SourceGraph
	out.ID = m.ID
	out.AAGUID = f.AAGUID
	out.PasskeyType, out.Confidence = f.Type, f.TypeConfidence
	out.AAL = aal
	out.Attestation = f.Attestation
	out.Authenticator = c.modelName(f.AAGUID, m.Model)
	c.modelProblems(out)
	c.profileCheck(out, f)
}

func (c *fleetClassifier) recordRow(out *FleetRow, r *Record) {
	f := r.facts()
	out.Source = r.Source
	out.ID = r.ID.String()
	out.AAGUID = r.AAGUID
	out.PasskeyType, out.Confidence = r.Current.PasskeyType, r.Current.Confidence
	out.AAL = r.Current.AAL
	out.Attestation = f.Attestation
	out.Algorithm = r.Algorithm
	sc := r.SignCount
	out.SignCount = &sc
	out.Authenticator = c.modelName(r.AAGUID, "")
	if !slices.Contains(RecommendedAlgorithms(), r.Algorithm) {
		out.Problems = append(out.Problems, Problem{Code: ProblemAlgorithmNotRecommended,
			Message: fmt.Sprintf("the key's algorithm is %s (%d); keytier recommends EdDSA, ES256 and RS256 (WebAuthn L3 §5.4 pubKeyCredParams)", AlgorithmName(r.Algorithm), r.Algorithm)})
	}
	if r.SignCount == 0 {
		if counts, why := c.modelCounts(r.AAGUID); counts {
			switch {
			case r.Source == SourceKeytier && r.SignIns > 0:
				out.Problems = append(out.Problems, Problem{Code: ProblemSignCountStuck,
					Message: fmt.Sprintf("the signature counter is still 0 after %d sign-ins, and %s keeps one; a counter that never moves cannot reveal a cloned key (WebAuthn L3 §6.1.1)", r.SignIns, why)})
			case r.Source == SourceGoWebAuthn:
				out.Problems = append(out.Problems, Problem{Code: ProblemSignCountStuck,
					Message: fmt.Sprintf("the signature counter is 0, and %s keeps one: either the credential was never used since registration, or its counter does not move and cannot reveal a cloned key (WebAuthn L3 §6.1.1)", why)})
			}
		}
	}
	c.modelProblems(out)
	c.profileCheck(out, f)
}

// modelName names the model of aaguid as FleetRow.Authenticator says.
func (c *fleetClassifier) modelName(aaguid uuid.UUID, graphModel string) string {
	if c.models.MDS != nil && aaguid != uuid.Nil {
		if e, ok := c.models.MDS.Lookup(aaguid); ok && e.Description != "" {
			return e.Description
		}
	}
	if e, ok := c.cat.Lookup(aaguid); ok && e.Name != "" {
		return e.Name
	}
	if graphModel != "" {
		return graphModel
	}
	return "unknown authenticator"
}

// modelCounts says whether the model of aaguid keeps a signature counter,
// by the rule in ClassifyRecords' documentation, and names the source.
func (c *fleetClassifier) modelCounts(aaguid uuid.UUID) (bool, string) {
	if aaguid == uuid.Nil {
		return false, ""
	}
	if e, ok := c.cat.Lookup(aaguid); ok && e.Kind == catalog.KindSecurityKey {
		return true, "the catalog lists " + e.Name + " as a hardware security key, which"
	}
	if c.models.MDS != nil {
		if e, ok := c.models.MDS.Lookup(aaguid); ok &&
			slices.Contains(e.AttachmentHint, "external") &&
			MDSKeyProtection(e.KeyProtection).HardwareBacked() &&
			cmp.Or(e.MultiDeviceCredentialSupport, "unsupported") == "unsupported" {
			return true, "FIDO metadata describes a roaming hardware authenticator without multi-device credentials, which"
		}
	}
	return false, ""
}

// modelProblems adds what the catalog and FIDO metadata say about the
// model: unknown, revoked, compromised.
func (c *fleetClassifier) modelProblems(out *FleetRow) {
	if out.AAGUID == uuid.Nil {
		return
	}
	_, inCatalog := c.cat.Lookup(out.AAGUID)
	if c.models.MDS != nil {
		if e, ok := c.models.MDS.Lookup(out.AAGUID); ok {
			if e.Revoked {
				out.Problems = append(out.Problems, Problem{Code: ProblemAuthenticatorRevoked,
					Message: "FIDO MDS has a REVOKED report in effect for this model: the FIDO Alliance says it should not be trusted (MDS3 §3.1.4)"})
			}
			if e.Compromised {
				out.Problems = append(out.Problems, Problem{Code: ProblemAuthenticatorCompromised,
					Message: "FIDO MDS reports a key compromise or user-verification bypass in effect for this model (MDS3 §3.1.4)"})
			}
			return
		}
	}
	if !inCatalog {
		msg := fmt.Sprintf("neither keytier's catalog nor the FIDO metadata given lists AAGUID %s", out.AAGUID)
		if c.models.MDS == nil {
			msg = fmt.Sprintf("keytier's catalog does not list AAGUID %s, and no FIDO metadata was given", out.AAGUID)
		}
		out.Problems = append(out.Problems, Problem{Code: ProblemAAGUIDUnknown, Message: msg})
	}
}

func (c *fleetClassifier) profileCheck(out *FleetRow, f CredentialFacts) {
	f.Registered = true
	out.ProfileReasons = c.profile.check(f)
	out.ProfileFails = len(out.ProfileReasons) > 0
}

// FleetSummary counts a fleet's rows. Add each FleetRow to it; the zero
// value is ready to use. Its memory is bounded: at most
// MaxFleetAuthenticators names, and the few passkey types, levels and
// codes.
type FleetSummary struct {
	// Rows is every row added; Credentials those classified; Unreadable
	// those with Err; Skipped the Graph methods that are not passkeys.
	Rows        int `json:"rows"`
	Credentials int `json:"credentials"`
	Unreadable  int `json:"unreadable"`
	Skipped     int `json:"skipped"`
	// ByAuthenticator counts credentials by FleetRow.Authenticator.
	ByAuthenticator map[string]int `json:"byAuthenticator"`
	// ByPasskeyType counts credentials by type; "" is unknown.
	ByPasskeyType map[PasskeyType]int `json:"byPasskeyType"`
	// ByAAL counts credentials by assurance level.
	ByAAL map[assurance.Level]int `json:"byAAL"`
	// ByProblem counts credentials with each problem, unreadable rows
	// included.
	ByProblem map[ProblemCode]int `json:"byProblem"`
	// ByError counts unreadable rows by error code.
	ByError map[Code]int `json:"byError"`
	// ProfileFails counts credentials the profile would not admit.
	ProfileFails int `json:"profileFails"`
}

// Add counts r.
func (s *FleetSummary) Add(r FleetRow) {
	if s.ByAuthenticator == nil {
		s.ByAuthenticator = map[string]int{}
		s.ByPasskeyType = map[PasskeyType]int{}
		s.ByAAL = map[assurance.Level]int{}
		s.ByProblem = map[ProblemCode]int{}
		s.ByError = map[Code]int{}
	}
	s.Rows++
	for _, p := range r.Problems {
		s.ByProblem[p.Code]++
	}
	switch {
	case r.Err != nil:
		s.Unreadable++
		s.ByError[r.Err.Code]++
		return
	case r.Skipped:
		s.Skipped++
		return
	}
	s.Credentials++
	name := r.Authenticator
	if _, ok := s.ByAuthenticator[name]; !ok && len(s.ByAuthenticator) >= MaxFleetAuthenticators {
		name = FleetOtherAuthenticators
	}
	s.ByAuthenticator[name]++
	s.ByPasskeyType[r.PasskeyType]++
	s.ByAAL[r.AAL]++
	if r.ProfileFails {
		s.ProfileFails++
	}
}

// ProfileFailShare is the share of classified credentials the profile
// would not admit, 0 to 1; 0 when there are none.
func (s *FleetSummary) ProfileFailShare() float64 {
	if s.Credentials == 0 {
		return 0
	}
	return float64(s.ProfileFails) / float64(s.Credentials)
}

// FleetCount is one line of a summary's breakdown.
type FleetCount struct {
	Name  string
	Count int
}

// Authenticators returns ByAuthenticator from the most to the least
// common, ties by name.
func (s *FleetSummary) Authenticators() []FleetCount {
	out := make([]FleetCount, 0, len(s.ByAuthenticator))
	for name, n := range s.ByAuthenticator {
		out = append(out, FleetCount{name, n})
	}
	slices.SortFunc(out, func(a, b FleetCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name))
	})
	return out
}
