package passkey

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/internal/rfc3339"
)

// ParseRecord's fast path.
//
// A keytier record is mostly text: two verdicts with their explanations,
// the evidence, the attestation. json/v2 reads it by reflection, and that
// was most of what `keytier fleet` spent on a million stored credentials.
// readRecordFast reads a record as NewRecord's JSON writes it, and a row
// as encoding/json writes go-webauthn's webauthn.Credential, with
// jsonScan: members named without escapes and each once, strings without
// escapes, integers, booleans, base64url, RFC 3339 times in UTC. Anything
// else is left to decodeRecordJSON (json/v2): every error, every null, a
// string with an escape, a keytier record that names a go-webauthn or a
// Graph member and a go-webauthn row that names a keytier or a Graph one,
// since those decide which reader applies. Values it does not interpret
// (events, members it does not know) are delimited here and decoded or
// validated by json/v2 and jsontext with their defaults.
// FuzzRecordFastPath holds the two readers to the same records.

// readRecordFast is parseRecord for the common shapes of a keytier record
// and a go-webauthn row; ok false means decodeRecordJSON must decide. A
// record keytier wrote ends with its source, which tells the two apart
// without a scan; a row that ends otherwise is tried as go-webauthn's.
func readRecordFast(data []byte) (r *Record, ok bool) {
	if len(data) > MaxRecordSize {
		return nil, false
	}
	end := bytes.TrimRight(data, " \t\r\n")
	if bytes.HasSuffix(end, []byte(`"source":"`+SourceKeytier+`"}`)) || bytes.HasSuffix(end, []byte(`"source":"`+SourceGoWebAuthn+`"}`)) {
		return readKeytierFast(data)
	}
	return readGoWebAuthnFast(data)
}

// readKeytierFast reads a record as NewRecord's JSON writes it. Its
// strings, a dozen or more, are substrings of one copy of data.
func readKeytierFast(data []byte) (r *Record, ok bool) {
	r = new(Record)
	s := jsonScan{b: data, str: string(data)}
	if !s.object(func(name []byte) bool { return r.fastMember(&s, name) }) || !s.end() {
		return nil, false
	}
	if r.check("") != nil {
		return nil, false
	}
	return r, true
}

func (r *Record) fastMember(s *jsonScan, name []byte) bool {
	switch string(name) {
	case "id":
		return s.textInto(&r.ID)
	case "userHandle":
		return s.textInto(&r.UserHandle)
	case "rpId":
		return s.textString(&r.RPID)
	case "origin":
		return s.textString(&r.Origin)
	case "publicKey":
		return s.textInto(&r.PublicKey)
	case "algorithm":
		var ok bool
		r.Algorithm, ok = s.integer()
		return ok
	case "algorithmName":
		return s.textString(&r.AlgorithmName)
	case "signCount":
		n, ok := s.unsigned()
		r.SignCount = uint32(n)
		return ok && n <= 1<<32-1
	case "backupEligible":
		return s.boolean(&r.BackupEligible)
	case "backupState":
		return s.boolean(&r.BackupState)
	case "uvInitialized":
		return s.boolean(&r.UVInitialized)
	case "transports":
		return s.textArray(&r.Transports)
	case "aaguid":
		return s.textInto(&r.AAGUID)
	case "attestation":
		a := &r.Attestation
		return s.object(func(name []byte) bool {
			switch string(name) {
			case "format":
				return s.textString(&a.Format)
			case "type":
				return s.textString(&a.Type)
			case "verified":
				return s.boolean(&a.Verified)
			case "trusted":
				return s.boolean(&a.Trusted)
			case "trustedBy":
				return s.textString(&a.TrustedBy)
			}
			return s.otherMember()
		})
	case "evidence":
		return s.evidence(&r.Evidence)
	case "registration":
		return s.verdict(&r.Registration)
	case "current":
		return s.verdict(&r.Current)
	case "registeredAt":
		return s.utcTime(&r.RegisteredAt)
	case "lastSignIn":
		return s.utcTime(&r.LastSignIn)
	case "signIns":
		n, ok := s.unsigned()
		r.SignIns = uint64(n)
		return ok
	case "events":
		v, ok := s.validValue()
		return ok && v[0] == '[' && jsonv2.Unmarshal(v, &r.Events) == nil
	case "source":
		return s.textString(&r.Source)
	case
		// go-webauthn's members and Graph's: decodeRecordJSON decides
		// which reader the row needs.
		"authenticator", "flags", "attestationType", "attestationFormat", "transport",
		"@odata.type", "aaGuid", "attestationLevel":
		return false
	}
	return s.otherMember()
}

// readGoWebAuthnFast reads a row as encoding/json writes go-webauthn's
// webauthn.Credential, into what goWebAuthn reads, and makes the record
// the same way. A member of keytier's record or of Graph's, a null, or a
// row without an authenticator object is json/v2's to decide.
func readGoWebAuthnFast(data []byte) (*Record, bool) {
	var (
		g    goWebAuthnRow
		auth bool
		s    = jsonScan{b: data}
	)
	ok := s.object(func(name []byte) bool {
		switch string(name) {
		case "id":
			g.id, _ = s.validValue()
			return len(g.id) > 0 && g.id[0] == '"'
		case "publicKey":
			g.publicKey, _ = s.validValue()
			return len(g.publicKey) > 0 && g.publicKey[0] == '"'
		case "attestationType":
			return s.textString(&g.attestationType)
		case "attestationFormat":
			return s.textString(&g.attestationFormat)
		case "transport":
			return s.textArray(&g.transport)
		case "flags":
			f := &g.flags
			return s.object(func(name []byte) bool {
				switch string(name) {
				case "userPresent":
					return s.boolean(&f.UserPresent)
				case "userVerified":
					return s.boolean(&f.UserVerified)
				case "backupEligible":
					return s.boolean(&f.BackupEligible)
				case "backupState":
					return s.boolean(&f.BackupState)
				}
				return s.otherMember()
			})
		case "authenticator":
			auth = true
			a := &g.auth
			return s.object(func(name []byte) bool {
				switch string(name) {
				case "AAGUID":
					var ok bool
					a.AAGUID, ok = s.validValue()
					return ok && a.AAGUID[0] == '"'
				case "signCount":
					n, ok := s.unsigned()
					a.SignCount = uint32(n)
					return ok && n <= 1<<32-1
				case "cloneWarning":
					return s.boolean(&a.CloneWarning)
				case "attachment":
					return s.textString(&a.Attachment)
				}
				return s.otherMember()
			})
		case "attestation":
			return s.object(func(name []byte) bool {
				if string(name) == "object" {
					var ok bool
					g.att.Object, ok = s.validValue()
					return ok && g.att.Object[0] == '"'
				}
				return s.otherMember()
			})
		case
			// Members of keytier's record, which recordJSON decodes into
			// it whatever the shape, and Graph's.
			"userHandle", "rpId", "origin", "algorithm", "algorithmName", "signCount",
			"backupEligible", "backupState", "uvInitialized", "transports", "aaguid",
			"evidence", "registration", "current", "registeredAt", "lastSignIn",
			"signIns", "events", "source",
			"@odata.type", "aaGuid", "attestationLevel":
			return false
		}
		return s.otherMember()
	})
	if !ok || !s.end() || !auth {
		return nil, false
	}
	r, err := g.record("")
	return r, err == nil
}

func (s *jsonScan) evidence(e *assurance.Evidence) bool {
	return s.object(func(name []byte) bool {
		switch string(name) {
		case "method":
			return s.textString((*string)(&e.Method))
		case "userVerified":
			return s.boolean(&e.UserVerified)
		case "syncability":
			return s.textInto(&e.Syncability)
		case "keyProtection":
			return s.textString((*string)(&e.KeyProtection))
		case "attestationTrusted":
			return s.boolean(&e.AttestationTrusted)
		case "certification":
			return s.textString(&e.Certification)
		case "fips140Level":
			n, ok := s.integer()
			e.FIPS140Level = int(n)
			return ok
		case "withPassword":
			return s.boolean(&e.WithPassword)
		case "weakKey":
			return s.boolean(&e.WeakKey)
		}
		return s.otherMember()
	})
}

func (s *jsonScan) verdict(v *Verdict) bool {
	return s.object(func(name []byte) bool {
		switch string(name) {
		case "authenticator":
			return s.textString(&v.Authenticator)
		case "authenticatorKind":
			return s.textString(&v.AuthenticatorKind)
		case "passkeyType":
			return s.textString((*string)(&v.PasskeyType))
		case "confidence":
			return s.textString((*string)(&v.Confidence))
		case "aal":
			return s.textInto(&v.AAL)
		case "phishingResistant":
			return s.boolean(&v.PhishingResistant)
		case "explanation":
			return s.textArray(&v.Explanation)
		}
		return s.otherMember()
	})
}

// otherMember validates a member the fast path does not read, as json/v2
// skips it.
func (s *jsonScan) otherMember() bool {
	_, ok := s.validValue()
	return ok
}

// text reads a string of valid UTF-8 without escapes or control
// characters and returns its content (a slice of the input).
func (s *jsonScan) text() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	j := bytes.IndexByte(s.b[s.i:], '"')
	if j < 0 {
		return nil, false
	}
	v := s.b[s.i : s.i+j]
	if !plainText(v) {
		return nil, false
	}
	s.i += j + 1
	return v, true
}

// Eight bytes at a time (SWAR): each byte of ones is 1, of highBits 0x80.
const (
	ones     = 0x0101010101010101
	highBits = 0x8080808080808080
)

// plainText reports whether v is valid UTF-8 without a control character
// or a backslash: JSON string content that means itself. It tests eight
// bytes at a time, and leaves UTF-8 to utf8.Valid only when a byte is not
// ASCII.
func plainText(v []byte) bool {
	ascii := true
	i := 0
	for ; i+8 <= len(v); i += 8 {
		x := binary.LittleEndian.Uint64(v[i:])
		bs := x ^ ones*'\\'
		// A byte below 0x20, or a zero byte of bs (a backslash); the
		// test is exact for "any", which is all that is asked.
		if (x-ones*0x20)&^x&highBits != 0 || (bs-ones)&^bs&highBits != 0 {
			return false
		}
		if x&highBits != 0 {
			ascii = false
		}
	}
	for _, c := range v[i:] {
		if c < 0x20 || c == '\\' {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(v)
}

func (s *jsonScan) textString(dst *string) bool {
	v, ok := s.text()
	*dst = s.stringOf(v)
	return ok
}

// stringOf returns v, the text just read, as a string: a substring of
// s.str when the scan has one, which costs no allocation.
func (s *jsonScan) stringOf(v []byte) string {
	if s.str == "" {
		return string(v)
	}
	end := s.i - 1 // the closing quote
	return s.str[end-len(v) : end]
}

// textInto reads a string into a type that json/v2 reads with its
// UnmarshalText, through the same method.
func (s *jsonScan) textInto(dst interface{ UnmarshalText([]byte) error }) bool {
	v, ok := s.text()
	return ok && dst.UnmarshalText(v) == nil
}

// textArray reads an array of strings; [] is an empty, non-nil slice, as
// json/v2 makes it.
func (s *jsonScan) textArray(dst *[]string) bool {
	if !s.consume('[') {
		return false
	}
	if s.consume(']') {
		*dst = []string{}
		return true
	}
	*dst = make([]string, 0, 4) // an explanation has three or four
	for {
		v, ok := s.text()
		if !ok {
			return false
		}
		*dst = append(*dst, s.stringOf(v))
		if s.consume(',') {
			continue
		}
		return s.consume(']')
	}
}

// unsigned reads an integer without a sign that fits an int64.
func (s *jsonScan) unsigned() (int64, bool) {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '-' {
		return 0, false
	}
	return s.integer()
}

func (s *jsonScan) boolean(dst *bool) bool {
	s.space()
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		*dst, s.i = true, s.i+4
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		*dst, s.i = false, s.i+5
	default:
		return false
	}
	return s.delimited()
}

// delimited reports whether the literal just read ends where a JSON
// value may end.
func (s *jsonScan) delimited() bool {
	if s.i == len(s.b) {
		return true
	}
	switch s.b[s.i] {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// utcTime reads a time in the form NewRecord's JSON writes
// (rfc3339.UTC) through time.Time.UnmarshalText, as json/v2 does.
func (s *jsonScan) utcTime(dst interface{ UnmarshalText([]byte) error }) bool {
	v, ok := s.text()
	if !ok || !rfc3339.UTC(v) {
		return false
	}
	return dst.UnmarshalText(v) == nil
}
