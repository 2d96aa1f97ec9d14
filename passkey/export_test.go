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

// RecordPaths reads a record both ways: fast is ParseRecord's fast path
// (ok false when it leaves the record to json/v2), slow json/v2's reader.
func RecordPaths(data []byte) (fast *Record, ok bool, slow *Record, err error) {
	fast, ok = readRecordFast(data)
	j, err := decodeRecordJSON(data, "")
	if err != nil {
		return fast, ok, nil, err
	}
	slow, err = j.record("")
	return fast, ok, slow, err
}
