package graphadapter

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
