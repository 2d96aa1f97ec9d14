package passkey

// FleetRowPaths judges one fleet row both ways: fast is the one-decode
// path `keytier fleet` takes (ok false when it leaves the row to the other),
// slow the path that names errors, which every row could take.
func FleetRowPaths(data []byte, opts FleetOptions) (fast FleetRow, ok bool, slow FleetRow) {
	c := newFleetClassifier(opts)
	ok = c.classifyRead(&fast, data)
	c.classifyUnread(&slow, data)
	return fast, ok, slow
}
