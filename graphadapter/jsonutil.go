package graphadapter

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// jsonError turns an error from the JSON decoder into an *Error that names
// the member, as a dotted path under prefix. Errors that already are *Error
// (returned from a nested decoder, which knows the full path) pass through.
func jsonError(err error, prefix string) error {
	var (
		ours     *Error
		syntax   *jsontext.SyntacticError
		semantic *jsonv2.SemanticError
	)
	switch {
	case errors.As(err, &ours):
		return ours
	case errors.As(err, &syntax):
		e := errorAt(joinPath(prefix, pointerPath(syntax.JSONPointer)), nil, "%s", syntaxReason(syntax.Err))
		e.Offset = syntax.ByteOffset
		return e
	case errors.As(err, &semantic):
		path := joinPath(prefix, pointerPath(semantic.JSONPointer))
		if semantic.JSONKind != 0 && semantic.GoType != nil {
			return errorAt(path, nil, "got JSON %s, want %s", kindName(semantic.JSONKind), goTypeName(semantic.GoType))
		}
		if semantic.Err != nil {
			return errorAt(path, nil, "%s", strings.TrimPrefix(semantic.Err.Error(), "json: "))
		}
		return errorAt(path, nil, "cannot read this value")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errorAt(prefix, nil, "the JSON ends early")
	}
	return errorAt(prefix, err, "malformed JSON: %v", err)
}

func syntaxReason(err error) string {
	if err == nil {
		return "malformed JSON"
	}
	if errors.Is(err, jsontext.ErrDuplicateName) {
		return "member repeated: Graph never repeats one, and tools that keep the first or the last would read different values"
	}
	return strings.TrimPrefix(err.Error(), "jsontext: ")
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return k.String()
}

func goTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[PersonalData]():
		return "a string"
	case t.String() == "time.Time":
		return "an RFC 3339 date and time string"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// pointerPath turns a JSON Pointer (RFC 6901) into a dotted path.
func pointerPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func joinPath(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func indexPath(prefix string, i int) string { return prefix + "." + strconv.Itoa(i) }

// checkNesting refuses documents nested deeper than MaxNesting before any
// decoding, so that neither the decoder nor a value kept verbatim (which
// keytier writes back out) carries pathological depth. It scans bytes and
// tracks only strings; malformed JSON is left for the decoder to report.
func checkNesting(data []byte) error {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			// Skip the string: jump to each quote and count the backslashes
			// before it; an odd number escapes it.
			start := i + 1
			for {
				q := bytes.IndexByte(data[i+1:], '"')
				if q < 0 {
					return nil // unterminated: the decoder reports it
				}
				i += 1 + q
				n := 0
				for j := i - 1; j >= start && data[j] == '\\'; j-- {
					n++
				}
				if n%2 == 0 {
					break
				}
			}
		case '{', '[':
			depth++
			if depth > MaxNesting {
				e := errorAt("", ErrLimit, "nested more than %d levels deep (MaxNesting)", MaxNesting)
				e.Offset = int64(i)
				return e
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// jsonNames lists the JSON member names a struct type reads, including
// those of Go-embedded structs, for the case check below.
func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous || opts == "embed" {
			if ft := f.Type; ft.Kind() == reflect.Struct && name == "" {
				names = append(names, jsonNames(ft)...)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// checkCase refuses a member that differs from a member keytier reads only
// in case ("AaGuid" for "aaGuid"). JSON v2 matches names exactly, so such a
// member would land among the unknown ones while the real field read as
// absent: an empty aaGuid reads as "model not disclosed", an absent
// accountEnabled as "not captured". Graph spells its members exactly; a
// document that does not was edited or produced by something else, and
// saying so beats a quiet wrong answer.
func checkCase(unknown jsontext.Value, known []string, path string) error {
	if len(unknown) == 0 {
		return nil
	}
	// Unknown members come from the decoder, which has validated them: walk
	// the member names in place instead of decoding the value again. Values
	// set in Go may be anything; those take the decoder's path below, which
	// stops quietly where the JSON goes wrong.
	if names, ok := objectNames(unknown); ok {
		for name := range names {
			if err := checkName(name, known, path); err != nil {
				return err
			}
		}
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(unknown))
	if _, err := dec.ReadToken(); err != nil {
		return nil // not an object: the decoder that produced it already refused it
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		if err := checkName([]byte(tok.String()), known, path); err != nil {
			return err
		}
		if err := dec.SkipValue(); err != nil {
			return nil
		}
	}
	return nil
}

func checkName(name []byte, known []string, path string) error {
	for _, k := range known {
		if string(name) != k && equalFold(name, k) {
			return errorAt(joinPath(path, string(name)), nil, "member %q is not %q: Graph spells member names exactly", string(name), k)
		}
	}
	return nil
}

// equalFold is strings.EqualFold without converting name to a string.
func equalFold(name []byte, k string) bool {
	if len(name) == len(k) {
		ascii := true
		for i := 0; i < len(k); i++ {
			a, b := name[i], k[i]
			if a|b >= utf8.RuneSelf {
				ascii = false
				break
			}
			if a == b {
				continue
			}
			if 'A' <= a && a <= 'Z' {
				a += 'a' - 'A'
			}
			if 'A' <= b && b <= 'Z' {
				b += 'a' - 'A'
			}
			if a != b {
				return false
			}
		}
		if ascii {
			return true
		}
	}
	return strings.EqualFold(string(name), k)
}

// objectNames yields the unquoted member names of v, a JSON object, and
// reports ok. It reports !ok (and yields nothing) when v is not a valid
// JSON object by the decoder's default rules, so the caller can fall back
// to the decoder.
func objectNames(v jsontext.Value) (names func(func([]byte) bool), ok bool) {
	if v.Kind() != '{' || !v.IsValid() {
		return nil, false
	}
	return func(yield func([]byte) bool) {
		var scratch []byte
		depth := 0
		for i := 0; i < len(v); i++ {
			switch c := v[i]; c {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case '"':
				start := i
				escaped := false
				for i++; v[i] != '"'; i++ {
					if v[i] == '\\' {
						escaped = true
						i++
					}
				}
				if depth != 1 || !isMemberName(v, i+1) {
					continue
				}
				name := v[start+1 : i]
				if escaped {
					scratch, _ = jsontext.AppendUnquote(scratch[:0], v[start:i+1])
					name = scratch
				}
				if !yield(name) {
					return
				}
			}
		}
	}, true
}

// isMemberName reports whether the string that ended just before v[i] is
// followed by a colon (and so is a member name, not a value).
func isMemberName(v []byte, i int) bool {
	for ; i < len(v); i++ {
		switch v[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

// wantObject reports whether raw is a JSON object, for members kept
// verbatim whose shape keytier still vouches for.
func wantObject(raw jsontext.Value, path string) error {
	if raw.Kind() != '{' {
		return errorAt(path, nil, "got JSON %s, want an object", kindName(raw.Kind()))
	}
	return nil
}

// withPrefix puts prefix in front of the path of err, an *Error whose path
// is relative to a value found at prefix. Decoders call it only on error, so
// that the path of a value is never built when nothing is wrong with it.
func withPrefix(err error, prefix string) error {
	if e, ok := err.(*Error); ok && prefix != "" {
		e.Path = joinPath(prefix, e.Path)
	}
	return err
}
