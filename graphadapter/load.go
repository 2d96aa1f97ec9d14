package graphadapter

import (
	"errors"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// loader holds what one Load shares across the values it decodes: the
// memory that users' methods and their raw JSON are carved from. A snapshot
// of 100,000 users has a few hundred thousand methods; allocating each one,
// and each Raw, on its own (and growing every user's slice one method at a
// time) made up much of Load's time and memory.
//
// Raw values are copied out of the document, never aliased to it: Load's
// caller owns data and may reuse it, and a Snapshot must not change when it
// does. Copying into shared chunks costs the same bytes as one copy per
// method, in a few hundred allocations instead of hundreds of thousands.
type loader struct {
	raw     []byte   // unused tail of the current chunk of raw JSON
	methods []Method // unused tail of the current chunk of methods
	scratch []Method // one user's methods while they are decoded
	strs    strtab   // the values methods repeat (see scanUnion)
}

const (
	rawChunk    = 256 << 10
	methodChunk = 2048
)

// options returns the decoding options of Load: its own decoders for a
// user's methods, which behave as the default ones do.
func (l *loader) options() jsonv2.Options {
	return jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(l.unmarshalMethods))
}

// unmarshalMethods decodes an authenticationMethods array. Anything else
// (null, or a value of the wrong type) is left to the default decoder, so
// errors read as they always have.
func (l *loader) unmarshalMethods(dec *jsontext.Decoder, out *[]Method) error {
	if dec.PeekKind() != '[' || *out != nil {
		return errors.ErrUnsupported
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	scratch := l.scratch[:0]
	defer func() { clear(scratch); l.scratch = scratch[:0] }()
	for dec.PeekKind() != ']' {
		scratch = append(scratch, Method{})
		if err := l.unmarshalMethod(dec, &scratch[len(scratch)-1]); err != nil {
			return err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	n := len(scratch)
	if n == 0 {
		*out = []Method{}
		return nil
	}
	if n > len(l.methods) {
		l.methods = make([]Method, max(n, methodChunk))
	}
	ms := l.methods[:n:n]
	l.methods = l.methods[n:]
	copy(ms, scratch)
	*out = ms
	return nil
}

// unmarshalMethod is Method.UnmarshalJSONFrom with Raw copied into the
// loader's chunks.
func (l *loader) unmarshalMethod(dec *jsontext.Decoder, m *Method) error {
	v, err := dec.ReadValue()
	if err != nil {
		return err
	}
	// Load's decoder runs with jsontext's default rules, so v is valid by
	// them: the fast path may read it.
	if err := m.parse(l.copyRaw(v), "", true, &l.strs); err != nil {
		return withPrefix(err, pointerPath(dec.StackPointer()))
	}
	return nil
}

// copyRaw copies v into the current chunk. The copy's capacity ends where
// it does, so appending to one Raw can never overwrite the next.
func (l *loader) copyRaw(v jsontext.Value) jsontext.Value {
	n := len(v)
	if n > rawChunk/8 {
		return v.Clone()
	}
	if n > len(l.raw) {
		l.raw = make([]byte, rawChunk)
	}
	c := l.raw[:n:n]
	l.raw = l.raw[n:]
	copy(c, v)
	return c
}
