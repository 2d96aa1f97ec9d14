package graphadapter

import (
	"bytes"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/keytier/keytier/internal/rfc3339"
)

// scanUnion is the fast path of a method's decoding: it reads raw, a
// syntactically valid JSON object, into w straight from its bytes, for the
// shapes Graph sends (the members methodUnion reads, with their JSON types
// or null; times as "2006-01-02T15:04:05Z"; a few members keytier does not
// read). It reports false, leaving w in any state, for anything else: a
// member of the wrong type, another time format, an escaped member name, a
// number that is not a small integer, a repeated member, a member whose
// name differs from a known one only in case. The caller then decodes with
// jsonv2 as before, so every error, and every value the fast path does not
// vouch for, comes from the same code as it always has.
//
// Decoding each method twice (once to find where it ends, once by
// reflection into the union) was a quarter of a 100,000-user audit's time;
// the differential test (TestScanUnionMatchesDecoder, FuzzScanUnion) holds
// this path to jsonv2's results.
//
// tab, when not nil, shares one copy of each of the values that repeat
// across a tenant's methods (types, models, AAGUIDs, display names such as
// "iPhone", states): hundreds of thousands of methods hold a few hundred
// distinct values there.
func (w *methodUnion) scanUnion(raw []byte, tab *strtab) bool {
	s := scanner{b: raw, tab: tab}
	if !s.byte('{') {
		return false
	}
	var seen uint32
	var unknown [8][]byte
	nUnknown := 0
	if s.peek() == '}' {
		s.i++
		return s.end()
	}
	for {
		name, ok := s.rawString()
		if !ok || bytes.IndexByte(name, '\\') >= 0 || !s.byte(':') {
			return false
		}
		f := unionField(name)
		if f < 0 {
			// A member keytier does not read: skip its value, but refuse a
			// repeated or case-shifted name here as the decoder would.
			if nUnknown == len(unknown) || checkName(name, unionNames, "") != nil {
				return false
			}
			for _, u := range unknown[:nUnknown] {
				if bytes.Equal(u, name) {
					return false
				}
			}
			unknown[nUnknown] = name
			nUnknown++
			if !s.skipValue() {
				return false
			}
		} else {
			if seen&(1<<f) != 0 {
				return false
			}
			seen |= 1 << f
			if !w.scanField(f, &s) {
				return false
			}
		}
		switch s.next() {
		case ',':
			continue
		case '}':
			return s.end()
		}
		return false
	}
}

// The members of methodUnion, by the bit scanUnion marks them with.
const (
	fODataType = iota
	fID
	fDisplayName
	fCreatedDateTime
	fAAGUID
	fModel
	fAttestationCertificates
	fAttestationLevel
	fPhoneNumber
	fPhoneType
	fSMSSignInState
	fEmailAddress
	fDeviceTag
	fPhoneAppVersion
	fStartDateTime
	fLifetimeInMinutes
	fIsUsableOnce
	fIsUsable
	fMethodUsabilityReason
	fKeyStrength
	fPlatform
)

func unionField(name []byte) int {
	switch string(name) {
	case "@odata.type":
		return fODataType
	case "id":
		return fID
	case "displayName":
		return fDisplayName
	case "createdDateTime":
		return fCreatedDateTime
	case "aaGuid":
		return fAAGUID
	case "model":
		return fModel
	case "attestationCertificates":
		return fAttestationCertificates
	case "attestationLevel":
		return fAttestationLevel
	case "phoneNumber":
		return fPhoneNumber
	case "phoneType":
		return fPhoneType
	case "smsSignInState":
		return fSMSSignInState
	case "emailAddress":
		return fEmailAddress
	case "deviceTag":
		return fDeviceTag
	case "phoneAppVersion":
		return fPhoneAppVersion
	case "startDateTime":
		return fStartDateTime
	case "lifetimeInMinutes":
		return fLifetimeInMinutes
	case "isUsableOnce":
		return fIsUsableOnce
	case "isUsable":
		return fIsUsable
	case "methodUsabilityReason":
		return fMethodUsabilityReason
	case "keyStrength":
		return fKeyStrength
	case "platform":
		return fPlatform
	}
	return -1
}

func (w *methodUnion) scanField(f int, s *scanner) bool {
	switch f {
	case fODataType:
		return s.istr(&w.ODataType)
	case fID:
		return s.str(&w.ID)
	case fDisplayName:
		return s.istr(&w.DisplayName)
	case fCreatedDateTime:
		return s.time(&w.CreatedDateTime)
	case fAAGUID:
		return s.istr(&w.AAGUID)
	case fModel:
		return s.istr(&w.Model)
	case fAttestationCertificates:
		return s.strs(&w.AttestationCertificates)
	case fAttestationLevel:
		return s.istr(&w.AttestationLevel)
	case fPhoneNumber:
		return s.str((*string)(&w.PhoneNumber))
	case fPhoneType:
		return s.istr(&w.PhoneType)
	case fSMSSignInState:
		return s.istr(&w.SMSSignInState)
	case fEmailAddress:
		return s.str((*string)(&w.EmailAddress))
	case fDeviceTag:
		return s.istr(&w.DeviceTag)
	case fPhoneAppVersion:
		return s.istr(&w.PhoneAppVersion)
	case fStartDateTime:
		return s.time(&w.StartDateTime)
	case fLifetimeInMinutes:
		return s.int(&w.LifetimeInMinutes)
	case fIsUsableOnce:
		return s.bool(&w.IsUsableOnce)
	case fIsUsable:
		return s.bool(&w.IsUsable)
	case fMethodUsabilityReason:
		return s.istr(&w.MethodUsabilityReason)
	case fKeyStrength:
		return s.istr(&w.KeyStrength)
	case fPlatform:
		return s.istr(&w.Platform)
	}
	return false
}

// scanner walks a syntactically valid JSON value. Its methods report false
// on what they do not handle; they never need to report malformed JSON.
type scanner struct {
	b   []byte
	i   int
	tab *strtab
}

// strtab interns short strings. It stops taking new ones at maxStrtab, so a
// document of ever-new values costs a bounded table, not one that grows
// with it.
type strtab struct{ m map[string]string }

const (
	maxStrtab    = 4096
	maxStrtabLen = 64
)

func (t *strtab) string(b []byte) string {
	if t == nil || len(b) > maxStrtabLen {
		return string(b)
	}
	if s, ok := t.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if t.m == nil {
		t.m = make(map[string]string, 256)
	}
	if len(t.m) < maxStrtab {
		t.m[s] = s
	}
	return s
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
			continue
		}
		return
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) next() byte {
	c := s.peek()
	if c != 0 {
		s.i++
	}
	return c
}

func (s *scanner) byte(c byte) bool { return s.next() == c }

// end reports whether nothing but whitespace is left.
func (s *scanner) end() bool { s.ws(); return s.i == len(s.b) }

// rawString returns the contents of the string at s, escapes and all.
func (s *scanner) rawString() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '"':
			s.i++
			return s.b[start : s.i-1], true
		case '\\':
			s.i++
		}
		s.i++
	}
	return nil, false
}

// literal consumes null, true or false and returns its first byte.
func (s *scanner) literal() byte {
	c := s.peek()
	var n int
	switch c {
	case 'n', 't':
		n = 4
	case 'f':
		n = 5
	default:
		return 0
	}
	if s.i+n > len(s.b) {
		return 0
	}
	s.i += n
	return c
}

// str reads a string, or null as "" (jsonv2 sets a Go value to its zero
// value for null).
func (s *scanner) str(dst *string) bool { return s.readString(dst, nil) }

// istr is str for values that repeat: through the scanner's strtab.
func (s *scanner) istr(dst *string) bool { return s.readString(dst, s.tab) }

func (s *scanner) readString(dst *string, tab *strtab) bool {
	if s.peek() == 'n' {
		*dst = ""
		return s.literal() == 'n'
	}
	raw, ok := s.rawString()
	if !ok {
		return false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		*dst = tab.string(raw)
		return true
	}
	v, err := jsontext.AppendUnquote(nil, s.b[s.i-len(raw)-2:s.i])
	if err != nil {
		return false
	}
	*dst = string(v)
	return true
}

func (s *scanner) strs(dst *[]string) bool {
	if s.peek() == 'n' {
		*dst = nil
		return s.literal() == 'n'
	}
	if !s.byte('[') {
		return false
	}
	out := []string{}
	if s.peek() == ']' {
		s.i++
		*dst = out
		return true
	}
	for {
		var v string
		if s.peek() != '"' || !s.str(&v) {
			return false
		}
		out = append(out, v)
		switch s.next() {
		case ',':
			continue
		case ']':
			*dst = out
			return true
		}
		return false
	}
}

// time reads "YYYY-MM-DDTHH:MM:SS[.fraction]Z", the forms Graph writes
// (rfc3339.UTC), or null. Any other form is left to jsonv2.
func (s *scanner) time(dst **time.Time) bool {
	if s.peek() == 'n' {
		*dst = nil
		return s.literal() == 'n'
	}
	raw, ok := s.rawString()
	if !ok || !rfc3339.UTC(raw) {
		return false
	}
	t := new(time.Time)
	if t.UnmarshalText(raw) != nil {
		return false
	}
	*dst = t
	return true
}

// int reads a non-negative integer of at most nine digits, or null.
func (s *scanner) int(dst *int) bool {
	if s.peek() == 'n' {
		*dst = 0
		return s.literal() == 'n'
	}
	n, digits := 0, 0
	for ; s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9'; s.i++ {
		n = n*10 + int(s.b[s.i]-'0')
		digits++
	}
	if digits == 0 || digits > 9 {
		return false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	*dst = n
	return true
}

func (s *scanner) bool(dst *bool) bool {
	switch s.literal() {
	case 'n', 'f':
		*dst = false
	case 't':
		*dst = true
	default:
		return false
	}
	return true
}

// skipValue skips one value of any kind.
func (s *scanner) skipValue() bool {
	switch c := s.peek(); c {
	case '"':
		_, ok := s.rawString()
		return ok
	case 'n', 't', 'f':
		return s.literal() != 0
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, ok := s.rawString(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			}
			s.i++
		}
		return false
	default:
		// A number: up to the next delimiter.
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return s.i > start
			}
			s.i++
		}
		return s.i > start
	}
}
