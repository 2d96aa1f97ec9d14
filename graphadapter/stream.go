package graphadapter

import (
	"bytes"
	"errors"
	"io"

	jsonv2 "github.com/go-json-experiment/json"
)

// loadStream is Load for a document read from r, without holding the
// whole document in memory: a 140 MB snapshot costs the decoder's buffer
// instead of 140 MB, and the fresh pages it would have touched.
//
// The decoder reads r through a guard that stops it once the document is
// larger than MaxSnapshotSize or nested deeper than MaxNesting, the checks
// Load makes before decoding. When the decoder stops on any error, the
// document is read again whole, by reread, and Load reports it: Load's
// checks come first whatever else the document holds, and the decoder's
// messages can depend on where its reads split the input (an invalid
// character split across two reads is quoted by its first byte), so only
// Load's own run gives its errors byte for byte. Errors are rare; the
// second read is their cost alone. A document that decodes is decoded the
// same way however it is split, and then checked by the same Check.
//
// readErr is an error reading or rereading r, which comes before any
// other, as when LoadFile read the whole file before looking at it.
func loadStream(r io.Reader, reread func() ([]byte, error)) (s *Snapshot, readErr, err error) {
	g := &guard{r: r}
	s = new(Snapshot)
	var l loader
	if err := jsonv2.UnmarshalRead(g, s, l.options()); err != nil {
		if g.readErr != nil {
			return nil, g.readErr, nil
		}
		data, readErr := reread()
		if readErr != nil {
			return nil, readErr, nil
		}
		if _, err := Load(data); err != nil {
			return nil, nil, err
		}
		// Load read what the stream could not: the document changed
		// between the two reads. Say so rather than pick one.
		return nil, nil, errorAt("", nil, "the document changed while it was read")
	}
	if err := s.Check(); err != nil {
		return nil, nil, err
	}
	return s, nil, nil
}

// guard passes r through, counting bytes and tracking the nesting depth as
// checkNesting does (strings skipped, their escapes honoured), and stops
// the decoder with errStop once either exceeds its limit.
type guard struct {
	r       io.Reader
	n       int64 // bytes read
	readErr error // r's error, other than io.EOF

	depth    int
	inString bool
	escaped  bool // the previous byte in a string was an unescaped backslash
	stopped  bool
}

var errStop = errors.New("graphadapter: the document is too large or too deep")

func (g *guard) Read(p []byte) (int, error) {
	switch {
	case g.readErr != nil:
		return 0, g.readErr
	case g.stopped:
		return 0, errStop
	}
	n, err := g.r.Read(p)
	g.scan(p[:n])
	g.n += int64(n)
	switch {
	case err != nil && err != io.EOF:
		g.readErr = err
	case g.n > MaxSnapshotSize:
		g.stopped = true
	}
	if g.stopped {
		return n, errStop
	}
	return n, err
}

func (g *guard) scan(b []byte) {
	if g.stopped {
		return
	}
	for i := 0; i < len(b); i++ {
		if g.inString {
			// Jump to the next quote, as checkNesting does, and count the
			// backslashes before it; an odd number escapes it. A string
			// may span reads: escaped carries an escape across the split.
			if g.escaped {
				g.escaped = false
				continue
			}
			q := bytes.IndexByte(b[i:], '"')
			if q < 0 {
				g.escaped = backslashes(b[i:], len(b)-i)%2 == 1
				return
			}
			j := i + q
			if backslashes(b[i:], q)%2 == 0 {
				g.inString = false
			}
			i = j
			continue
		}
		switch b[i] {
		case '"':
			g.inString = true
		case '{', '[':
			g.depth++
			if g.depth > MaxNesting {
				g.stopped = true
				return
			}
		case '}', ']':
			g.depth--
		}
	}
}

// backslashes counts the backslashes that end b[:end].
func backslashes(b []byte, end int) int {
	n := 0
	for k := end - 1; k >= 0 && b[k] == '\\'; k-- {
		n++
	}
	return n
}
