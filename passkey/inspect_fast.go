package passkey

import (
	"bytes"
	"encoding/binary"
	"sync"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/google/uuid"
)

// Inspect's fast path.
//
// decodeAttestationObject decodes an attestation object the way Verify
// needs it: go-webauthn's AttestationObject, whose statement is a
// map[string]any and whose authenticator data go-webauthn has parsed,
// re-encoding the credential public key on the way. That costs three CBOR
// decodes of the statement and two of the key, each copying the byte
// strings it keeps, and on a TPM registration it is most of what Inspect
// spends. Inspect reports none of it: it needs the format, the
// authenticator data's fields, the key's kty and alg and the certificates'
// DER, all of which are slices of the attestation object's bytes.
//
// inspectAttestationObject reads those slices in one walk over bytes that
// checkCBOR has already found well formed and within keytier's limits. It
// takes only inputs whose outcome it can match exactly: an attestation
// object that decodes, with the shapes every real statement format uses,
// a credential public key in CTAP2 canonical form (so the slice is
// byte for byte what go-webauthn's re-encoding would be) and no error
// anywhere. Anything else — every error, and every unusual but valid shape
// — goes to decodeAttestationObject, so errors keep their codes, places
// and wording because the same code produces them. A fuzz target
// (FuzzInspectFastPath) holds the two paths to the same results.

// inspectAttestationObject is decodeAttestationObject for Inspect. It
// leaves c.att holding only Format and RawAuthData (what checkEcho reads);
// Verify decodes with decodeAttestationObject.
func (c *Credential) inspectAttestationObject(raw []byte, where string) error {
	if err := checkCBOR(raw, where); err != nil {
		return err
	}
	if c.inspectFast(raw, where) {
		return nil
	}
	return c.decodeAttestationObject(raw, where)
}

// inspectFast fills c from raw and reports true, or reports false, leaving
// c as it was, when decodeAttestationObject must decide.
func (c *Credential) inspectFast(raw []byte, where string) bool {
	obj, ok := splitAttestationObject(raw)
	if !ok {
		return false
	}
	var der [][]byte
	switch obj.format {
	case "none", "packed", "tpm", "android-key", "fido-u2f", "apple":
		// Statements that are maps of scalars and x5c (§8.2–§8.4, §8.6–§8.8).
		if der, ok = statementX5C(obj.stmt); !ok {
			return false
		}
	default:
		// android-safetynet's certificates are inside a JWS, compound's
		// statement is an array, and unknown formats are rare.
		return false
	}
	ad := obj.authData
	// Everything decodeAttestationObject and go-webauthn's
	// AuthenticatorData.Unmarshal check, as conditions: the AT flag, the
	// credential id's length and the key after it, then either the end of
	// the data or the extension outputs.
	if len(ad) <= 55 || ad[32]&0x40 == 0 {
		return false
	}
	idLen := int(binary.BigEndian.Uint16(ad[53:55]))
	if idLen > MaxCredentialIDLength || 55+idLen >= len(ad) {
		return false
	}
	key, alg, ok := canonicalCOSEKey(ad[55+idLen:])
	if !ok {
		return false
	}
	name, ok := algorithmName(alg)
	if !ok {
		return false
	}
	end := 55 + idLen + len(key)
	var ext map[string]any
	if ad[32]&0x80 != 0 {
		if end == len(ad) || checkAuthDataCBOR(ad, where+".authData") != nil {
			return false
		}
		if _, err := protocol.ParseAuthenticatorExtensionOutputs(ad[end:]); err != nil {
			return false
		}
		if err := webauthncbor.Unmarshal(ad[end:], &ext); err != nil {
			return false
		}
	} else if end != len(ad) {
		return false
	}

	c.att.Format = obj.format
	c.att.RawAuthData = ad
	c.Format = obj.format
	c.AAGUID, _ = uuid.FromBytes(ad[37:53])
	c.CredentialID = ad[55 : 55+idLen]
	c.PublicKey = key
	c.SignCount = binary.BigEndian.Uint32(ad[33:37])
	c.Flags = flagsOf(protocol.AuthenticatorFlags(ad[32]))
	c.FlagsByte = ad[32]
	c.RPIDHash = ad[:32]
	c.Extensions.Authenticator = ext
	c.PublicKeyAlgorithm = alg
	c.PublicKeyAlgName = name
	if len(der) > 0 {
		c.Attestation.chain = &certChain{der: der}
	}
	c.Attestation.Type = claimedAttestationType(obj.format, len(der) > 0)
	return true
}

// attestationParts are the three members of an attestation object
// (WebAuthn L3 §6.5.4), sliced out of its encoding.
type attestationParts struct {
	format   string
	authData []byte
	stmt     []byte // the attStmt item; nil when absent
}

// splitAttestationObject reads a map holding exactly fmt (a text string),
// authData (a non-empty byte string) and, optionally, attStmt (a map), each
// once. Other members would be ignored by go-webauthn's decoder unless
// their names match one of these but for case; rather than copy that
// rule, the fast path declines them.
func splitAttestationObject(b []byte) (attestationParts, bool) {
	var p attestationParts
	major, n, off, ok := cborHead(b, 0)
	if !ok || major != 5 {
		return p, false
	}
	var seen [3]bool
	for range n {
		major, klen, koff, ok := cborHead(b, off)
		if !ok || major != 3 || koff+int(klen) > len(b) {
			return p, false
		}
		name := b[koff : koff+int(klen)]
		off = koff + int(klen)
		vmajor, vlen, voff, ok := cborHead(b, off)
		if !ok {
			return p, false
		}
		switch string(name) {
		case "fmt":
			if seen[0] || vmajor != 3 || voff+int(vlen) > len(b) || !utf8.Valid(b[voff:voff+int(vlen)]) {
				return p, false
			}
			seen[0] = true
			p.format = formatName(b[voff : voff+int(vlen)])
			off = voff + int(vlen)
		case "authData":
			if seen[1] || vmajor != 2 || voff+int(vlen) > len(b) {
				return p, false
			}
			seen[1] = true
			p.authData = b[voff : voff+int(vlen) : voff+int(vlen)]
			off = voff + int(vlen)
		case "attStmt":
			if seen[2] || vmajor != 5 {
				return p, false
			}
			seen[2] = true
			end, ok := skipCBORItem(b, off, MaxCBORNesting)
			if !ok {
				return p, false
			}
			p.stmt = b[off:end]
			off = end
		default:
			return p, false
		}
	}
	if off != len(b) || p.format == "" || len(p.authData) == 0 {
		return p, false
	}
	return p, true
}

// formatName returns the format as a string, without allocating for the
// formats WebAuthn L3 §8 defines.
func formatName(b []byte) string {
	switch string(b) {
	case "none":
		return "none"
	case "packed":
		return "packed"
	case "tpm":
		return "tpm"
	case "android-key":
		return "android-key"
	case "android-safetynet":
		return "android-safetynet"
	case "fido-u2f":
		return "fido-u2f"
	case "apple":
		return "apple"
	case "compound":
		return "compound"
	}
	return string(b)
}

// statementX5C walks an attestation statement map whose members have
// distinct text-string names and whose values are integers, byte strings,
// text strings or arrays of them — what decodes into go-webauthn's
// map[string]any without error — and returns x5c's certificates, each
// checked as statementDER checks them. ok is false for any other shape,
// and for an x5c that statementDER would refuse.
func statementX5C(stmt []byte) (der [][]byte, ok bool) {
	if stmt == nil {
		return nil, true
	}
	_, n, off, ok := cborHead(stmt, 0)
	if !ok {
		return nil, false
	}
	names := make([][]byte, 0, 8)
	for range n {
		major, klen, koff, ok := cborHead(stmt, off)
		if !ok || major != 3 || koff+int(klen) > len(stmt) {
			return nil, false
		}
		name := stmt[koff : koff+int(klen)]
		if !utf8.Valid(name) {
			return nil, false
		}
		for _, prev := range names {
			if bytes.Equal(prev, name) {
				return nil, false
			}
		}
		names = append(names, name)
		off = koff + int(klen)
		end, ok := scalarsEnd(stmt, off, 2)
		if !ok {
			return nil, false
		}
		if string(name) == "x5c" {
			if der, ok = x5cItems(stmt[off:end]); !ok {
				return nil, false
			}
		}
		off = end
	}
	return der, off == len(stmt)
}

// x5cItems slices the certificates out of an x5c array of byte strings.
func x5cItems(b []byte) ([][]byte, bool) {
	major, n, off, ok := cborHead(b, 0)
	if !ok || major != 4 {
		return nil, false
	}
	out := make([][]byte, 0, n)
	for range n {
		major, l, start, ok := cborHead(b, off)
		if !ok || major != 2 || start+int(l) > len(b) {
			return nil, false
		}
		der := b[start : start+int(l) : start+int(l)]
		if checkCertificateDER(der) != nil {
			return nil, false
		}
		out = append(out, der)
		off = start + int(l)
	}
	return out, true
}

// scalarsEnd returns where the item at b[off:] ends if it is an integer,
// a byte string, a valid UTF-8 text string, or an array of such items
// nested at most depth deep.
func scalarsEnd(b []byte, off, depth int) (int, bool) {
	major, arg, next, ok := cborHead(b, off)
	if !ok {
		return 0, false
	}
	switch major {
	case 0, 1:
		return next, true
	case 2, 3:
		end := next + int(arg)
		if arg > uint64(len(b)) || end > len(b) || major == 3 && !utf8.Valid(b[next:end]) {
			return 0, false
		}
		return end, true
	case 4:
		if depth <= 1 {
			return 0, false
		}
		for range arg {
			if next, ok = scalarsEnd(b, next, depth-1); !ok {
				return 0, false
			}
		}
		return next, true
	}
	return 0, false
}

// canonicalCOSEKey reads the credential public key at the start of b
// (WebAuthn L3 §6.5.1.1) when it is a map in CTAP2 canonical form with
// integer labels and integer, byte-string or text values: then
// go-webauthn's decode and re-encode returns the same bytes, and the slice
// can stand for them. It returns the key's bytes and its alg; alg and kty
// (RFC 9052 §7.1) must be integers that fit an int64, as
// webauthncose.PublicKeyData requires.
func canonicalCOSEKey(b []byte) (key []byte, alg int64, ok bool) {
	major, n, off, ok := cborHeadMinimal(b, 0)
	if !ok || major != 5 || n > MaxCBORMapPairs {
		return nil, 0, false
	}
	var prev []byte
	for range n {
		kmajor, label, voff, ok := cborHeadMinimal(b, off)
		if !ok || kmajor > 1 || kmajor == 1 && label > 1<<63-1 {
			return nil, 0, false
		}
		// CTAP2 canonical order: encoded labels in bytewise order, as
		// fxamacker's SortCTAP2 writes them (distinct, so no duplicates).
		if prev != nil && bytes.Compare(prev, b[off:voff]) >= 0 {
			return nil, 0, false
		}
		prev = b[off:voff]
		vmajor, v, end, ok := cborHeadMinimal(b, voff)
		if !ok {
			return nil, 0, false
		}
		switch vmajor {
		case 0, 1:
			if vmajor == 1 && v > 1<<63-1 {
				return nil, 0, false // decodes to a big.Int
			}
		case 2, 3:
			if v > uint64(len(b)) || end+int(v) > len(b) || vmajor == 3 && !utf8.Valid(b[end:end+int(v)]) {
				return nil, 0, false
			}
			end += int(v)
		default:
			return nil, 0, false
		}
		if kmajor == 0 && (label == 1 || label == 3) {
			if vmajor > 1 || v > 1<<63-1 {
				return nil, 0, false // webauthncose.PublicKeyData refuses it
			}
			if label == 3 {
				alg = int64(v)
				if vmajor == 1 {
					alg = -1 - alg
				}
			}
		}
		off = end
	}
	return b[:off:off], alg, true
}

// cborHead reads the head of the CBOR item at b[off:] (RFC 8949 §3): its
// major type, its argument, and the offset after the head. Indefinite
// lengths, which keytier's decoder forbids, and reserved values are not ok.
func cborHead(b []byte, off int) (major byte, arg uint64, next int, ok bool) {
	major, arg, next, _, ok = readHead(b, off)
	return major, arg, next, ok
}

// cborHeadMinimal is cborHead for heads in preferred serialisation (RFC
// 8949 §4.2.1: the argument in the fewest bytes), as CTAP2 canonical CBOR
// requires.
func cborHeadMinimal(b []byte, off int) (major byte, arg uint64, next int, ok bool) {
	major, arg, next, minimal, ok := readHead(b, off)
	return major, arg, next, ok && minimal
}

func readHead(b []byte, off int) (major byte, arg uint64, next int, minimal, ok bool) {
	if off < 0 || off >= len(b) {
		return 0, 0, 0, false, false
	}
	major, info := b[off]>>5, b[off]&0x1f
	next = off + 1
	switch {
	case info < 24:
		return major, uint64(info), next, true, true
	case info > 27:
		return 0, 0, 0, false, false
	}
	size := 1 << (info - 24)
	if next+size > len(b) {
		return 0, 0, 0, false, false
	}
	switch size {
	case 1:
		arg = uint64(b[next])
		minimal = arg >= 24
	case 2:
		arg = uint64(binary.BigEndian.Uint16(b[next:]))
		minimal = arg > 0xff
	case 4:
		arg = uint64(binary.BigEndian.Uint32(b[next:]))
		minimal = arg > 0xffff
	case 8:
		arg = binary.BigEndian.Uint64(b[next:])
		minimal = arg > 0xffffffff
	}
	return major, arg, next + size, minimal, true
}

// skipCBORItem returns where the well-formed item at b[off:] ends.
func skipCBORItem(b []byte, off, depth int) (int, bool) {
	major, arg, next, ok := cborHead(b, off)
	if !ok || depth < 0 {
		return 0, false
	}
	switch major {
	case 0, 1, 7:
		return next, true
	case 2, 3:
		if arg > uint64(len(b)) || next+int(arg) > len(b) {
			return 0, false
		}
		return next + int(arg), true
	case 4, 5:
		items := arg
		if major == 5 {
			items *= 2
		}
		if arg > uint64(len(b)) {
			return 0, false
		}
		for range items {
			if next, ok = skipCBORItem(b, next, depth-1); !ok {
				return 0, false
			}
		}
		return next, true
	}
	return 0, false // tags are forbidden
}

// base64URLTables decode one base64url character (RFC 4648 §5) each, its
// six bits already in place for the character's position in a quantum of
// four; an invalid character sets bit 31.
var base64URLTables = func() (t [4][256]uint32) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for pos := range t {
		for c := range t[pos] {
			t[pos][c] = 1 << 31
		}
		for v, c := range []byte(alphabet) {
			t[pos][c] = uint32(v) << (18 - 6*pos)
		}
	}
	return t
}()

// base64URLPairs decodes two base64url characters at once: the entry at
// c0 | c1<<8 holds their twelve bits, or has bit 15 set when either is not
// base64url. Built on first use (128 KiB), so that programs which never
// decode a long member do not pay for it; a long member's characters touch
// about 12 KiB of it.
var base64URLPairs = sync.OnceValue(func() *[1 << 16]uint16 {
	t := new([1 << 16]uint16)
	for i := range t {
		t[i] = 1 << 15
	}
	single := &base64URLTables[3] // six bits, unshifted
	for c0 := range 256 {
		for c1 := range 256 {
			if v0, v1 := single[c0], single[c1]; (v0|v1)&(1<<31) == 0 {
				t[c0|c1<<8] = uint16(v0<<6 | v1)
			}
		}
	}
	return t
})

// decodeBase64URL decodes unpadded base64url into dst, which has room for
// base64.RawURLEncoding.DecodedLen(len(src)) bytes, a quantum per table
// lookup round rather than encoding/base64's character at a time. It
// decodes what RawURLEncoding.Decode decodes (the final partial quantum's
// unused bits are ignored, as there) and reports false for anything else:
// any other character, including the standard alphabet's and the line
// breaks encoding/base64 skips, or a dangling single character. The caller
// then decodes with encoding/base64, which names the problem.
func decodeBase64URL(dst, src []byte) (int, bool) {
	if len(src)%4 == 1 {
		return 0, false
	}
	t := &base64URLTables
	n := 0
	if len(src) >= 64 {
		// Eight characters at a time, two per lookup, while dst has room
		// for an 8-byte store (6 bytes decoded, 2 overwritten next round
		// or left past n).
		pairs := base64URLPairs()
		for len(src) >= 8 && len(dst)-n >= 8 {
			x := binary.LittleEndian.Uint64(src)
			p0, p1, p2, p3 := pairs[uint16(x)], pairs[uint16(x>>16)], pairs[uint16(x>>32)], pairs[uint16(x>>48)]
			if (p0|p1|p2|p3)&(1<<15) != 0 {
				return 0, false
			}
			binary.BigEndian.PutUint64(dst[n:], uint64(p0)<<52|uint64(p1)<<40|uint64(p2)<<28|uint64(p3)<<16)
			n += 6
			src = src[8:]
		}
	}
	for len(src) >= 4 && len(dst)-n >= 3 {
		q := (*[4]byte)(src)
		v := t[0][q[0]] | t[1][q[1]] | t[2][q[2]] | t[3][q[3]]
		if v&(1<<31) != 0 {
			return 0, false
		}
		d := (*[3]byte)(dst[n:])
		d[0], d[1], d[2] = byte(v>>16), byte(v>>8), byte(v)
		n += 3
		src = src[4:]
	}
	switch len(src) {
	case 0:
	case 2, 3:
		v := t[0][src[0]] | t[1][src[1]]
		if len(src) == 3 {
			v |= t[2][src[2]]
		}
		if v&(1<<31) != 0 || len(dst)-n < len(src)-1 {
			return 0, false
		}
		dst[n] = byte(v >> 16)
		n++
		if len(src) == 3 {
			dst[n] = byte(v >> 8)
			n++
		}
	default:
		return 0, false
	}
	return n, true
}
