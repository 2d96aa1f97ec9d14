package passkey

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// The registration response's fast path.
//
// Most of a registration response is the base64url text of its
// attestation object (for a TPM registration, 5.9 KB of 6.5 KB). Read by
// json/v2, each of its bytes is scanned twice: once by jsontext, to
// validate the string, and once by the base64 decoder. Here the string's
// end is found with bytes.IndexByte and decodeBase64URL both validates and
// decodes: a byte that is base64url needs no further check to be valid
// JSON string content.
//
// decodeResponseFast reads only documents of the shape browsers and
// go-webauthn produce — members named without escapes and each once,
// plain strings, integers, arrays of strings, unpadded or padded base64url
// — and only when decodeResponseJSON would succeed on them. Anything else,
// every error included, is left to decodeResponseJSON (json/v2), so errors
// keep their codes, JSON paths and offsets. Values the fast path does not
// interpret (clientExtensionResults, members keytier does not read) are
// delimited here and validated by jsontext with json/v2's defaults
// (RFC 7493: UTF-8, valid escapes, unique names). FuzzResponseFastPath
// holds the two readers to the same results.

// decodeResponseFast is decodeResponseJSON for the common shape; ok false
// means c is untouched and decodeResponseJSON must decide.
func (c *Credential) decodeResponseFast(data []byte) (att []byte, ok bool) {
	var (
		r          fastResponse
		s          = jsonScan{b: data}
		gotID      bool
		gotRawID   bool
		gotResp    bool
		typ        []byte
		extensions []byte
	)
	ok = s.object(func(name []byte) bool {
		switch string(name) {
		case "id":
			r.id, gotID = s.base64(), true
			return r.id != nil
		case "rawId":
			r.rawID, gotRawID = s.base64(), true
			return r.rawID != nil
		case "type":
			var ok bool
			typ, ok = s.plainString()
			return ok
		case "authenticatorAttachment":
			v, ok := s.plainString()
			r.attachment = string(v)
			return ok
		case "clientExtensionResults":
			var ok bool
			extensions, ok = s.validValue()
			return ok
		case "response":
			gotResp = true
			return s.object(func(name []byte) bool { return r.responseMember(&s, name) })
		}
		_, ok := s.validValue()
		return ok
	})
	if !ok || !s.end() || !gotID || !gotRawID || !gotResp || string(typ) != "public-key" ||
		r.clientDataJSON == nil || r.attestationObject == nil || !bytes.Equal(r.id, r.rawID) {
		return nil, false
	}
	if len(extensions) > 0 && string(extensions) != "null" && extensions[0] != '{' {
		return nil, false
	}
	cd, err := parseClientData(r.clientDataJSON)
	if err != nil {
		return nil, false
	}
	c.rawID = r.rawID
	c.clientDataJSON = r.clientDataJSON
	c.ClientData = cd
	c.echo = r.echo
	c.Transports = r.transports
	c.Attachment = r.attachment
	if len(extensions) > 0 && string(extensions) != "null" {
		c.Extensions.Client = json.RawMessage(bytes.Clone(extensions))
	}
	return r.attestationObject, true
}

type fastResponse struct {
	id, rawID                         []byte
	clientDataJSON, attestationObject []byte
	transports                        []string
	attachment                        string
	echo                              responseEcho
}

func (r *fastResponse) responseMember(s *jsonScan, name []byte) bool {
	switch string(name) {
	case "clientDataJSON":
		r.clientDataJSON = s.base64()
		return r.clientDataJSON != nil
	case "attestationObject":
		r.attestationObject = s.base64()
		return r.attestationObject != nil
	case "authenticatorData":
		r.echo.authenticatorData = s.base64()
		return r.echo.authenticatorData != nil
	case "publicKey":
		r.echo.publicKey = s.base64()
		return r.echo.publicKey != nil
	case "publicKeyAlgorithm":
		n, ok := s.integer()
		r.echo.publicKeyAlg = &n
		return ok
	case "transports":
		if !s.consume('[') {
			return false
		}
		r.transports = []string{}
		if s.consume(']') {
			return true
		}
		for {
			v, ok := s.plainString()
			if !ok {
				return false
			}
			r.transports = append(r.transports, string(v))
			if s.consume(',') {
				continue
			}
			return s.consume(']')
		}
	}
	_, ok := s.validValue()
	return ok
}

// jsonScan reads JSON text (RFC 8259) from b at i. Each method reports
// false for anything outside the shapes the fast path takes, whether or
// not it is valid JSON.
type jsonScan struct {
	b []byte
	i int
	// str, when set, is b as a string, and strings read are its
	// substrings.
	str string
}

func (s *jsonScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume reads c, after any whitespace.
func (s *jsonScan) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *jsonScan) end() bool {
	s.space()
	return s.i == len(s.b)
}

// object reads an object whose member names are plain strings, each
// once, calling member with the reader at each value.
func (s *jsonScan) object(member func(name []byte) bool) bool {
	if !s.consume('{') {
		return false
	}
	if s.consume('}') {
		return true
	}
	var seen [32][]byte
	n := 0
	for {
		name, ok := s.plainString()
		if !ok || n == len(seen) {
			return false
		}
		for _, prev := range seen[:n] {
			if bytes.Equal(prev, name) {
				return false // json/v2 refuses a repeated name
			}
		}
		seen[n] = name
		n++
		if !s.consume(':') || !member(name) {
			return false
		}
		if s.consume(',') {
			continue
		}
		return s.consume('}')
	}
}

// plainString reads a string of printable ASCII without escapes and
// returns its content (a slice of the input).
func (s *jsonScan) plainString() ([]byte, bool) {
	v, ok := s.text()
	for _, c := range v {
		if c >= 0x7f {
			return nil, false
		}
	}
	return v, ok
}

// base64 reads a string of base64url, '=' padding allowed, that decodes
// to at least one byte, and returns the bytes (a new slice); nil for
// anything else, which b64JSON.bytes would refuse or decode more slowly.
func (s *jsonScan) base64() []byte {
	if !s.consume('"') {
		return nil
	}
	j := bytes.IndexByte(s.b[s.i:], '"')
	if j < 0 {
		return nil
	}
	text := bytes.TrimRight(s.b[s.i:s.i+j], "=")
	s.i += j + 1
	if len(text) == 0 {
		return nil
	}
	out := make([]byte, base64.RawURLEncoding.DecodedLen(len(text)))
	n, ok := decodeBase64URL(out, text)
	if !ok || n == 0 {
		return nil
	}
	return out[:n]
}

// integer reads an integer in JSON's grammar (no fraction or exponent)
// that fits an int64.
func (s *jsonScan) integer() (int64, bool) {
	s.space()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || s.b[digits] == '0' && s.i-digits > 1 {
		return 0, false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return n, err == nil
}

// validValue delimits the value at the reader and returns it if jsontext
// finds it valid, as json/v2 would when skipping it or keeping it as a
// jsontext.Value.
func (s *jsonScan) validValue() ([]byte, bool) {
	s.space()
	start := s.i
	if s.i >= len(s.b) {
		return nil, false
	}
	switch s.b[s.i] {
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if !s.skipString() {
					return nil, false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				break
			}
		}
		if depth != 0 {
			return nil, false
		}
	case '"':
		if !s.skipString() {
			return nil, false
		}
		if v := s.b[start+1 : s.i-1]; plainText(v) {
			return s.b[start:s.i], true // no escape, nothing for jsontext to check
		}
	default:
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
			default:
				s.i++
				continue
			}
			break
		}
	}
	v := s.b[start:s.i]
	return v, jsontext.Value(v).IsValid()
}

// skipString moves past the string at the reader, escapes included.
func (s *jsonScan) skipString() bool {
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return true
		}
	}
	return false
}
