package graphadapter

import (
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"

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
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
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
	dec := jsontext.NewDecoder(strings.NewReader(string(unknown)))
	if _, err := dec.ReadToken(); err != nil {
		return nil // not an object: the decoder that produced it already refused it
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		name := tok.String()
		for _, k := range known {
			if name != k && strings.EqualFold(name, k) {
				return errorAt(joinPath(path, name), nil, "member %q is not %q: Graph spells member names exactly", name, k)
			}
		}
		if err := dec.SkipValue(); err != nil {
			return nil
		}
	}
	return nil
}

// wantObject reports whether raw is a JSON object, for members kept
// verbatim whose shape keytier still vouches for.
func wantObject(raw jsontext.Value, path string) error {
	if raw.Kind() != '{' {
		return errorAt(path, nil, "got JSON %s, want an object", kindName(raw.Kind()))
	}
	return nil
}
