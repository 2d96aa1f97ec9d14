package graphadapter

import "io"

// DecodeMethodBothWays reads raw, one authenticationMethod object valid by
// jsontext's default rules, with the fast path and with the decoder's, for
// the differential tests. fast is meaningful only when fastOK.
func DecodeMethodBothWays(raw []byte) (fast, slow any, fastOK bool, slowErr error) {
	var f, s methodUnion
	fastOK = f.scanUnion(raw, new(strtab))
	slowErr = s.decode(raw, "")
	s.Unknown = nil
	return f, s, fastOK, slowErr
}

// LoadReader is LoadFile's streaming load over any reader, for the
// differential tests against Load; a failed load reads data again.
func LoadReader(r io.Reader, data []byte) (*Snapshot, error) {
	s, readErr, err := loadStream(r, func() ([]byte, error) { return data, nil })
	if readErr != nil {
		return nil, readErr
	}
	return s, err
}
