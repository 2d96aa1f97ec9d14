// Package rfc3339 recognises the one form of RFC 3339 time that keytier's
// fast JSON readers take, so that json/v2's reader need not decide.
package rfc3339

// whole is the length of the date and time before any fraction.
const whole = len("2006-01-02T15:04:05")

// UTC reports whether b is YYYY-MM-DDTHH:MM:SS[.fraction]Z with a fraction
// of one to nine digits, the forms Graph and keytier's records write. For
// these, time.Time.UnmarshalText, which json/v2 calls, is all json/v2
// does: its extra RFC 3339 checks (a one-digit hour, a comma before the
// fraction, the range of an offset) have nothing to refuse. UTC does not
// check the ranges of the fields; UnmarshalText does.
func UTC(b []byte) bool {
	if len(b) < whole+1 || b[len(b)-1] != 'Z' {
		return false
	}
	for i, c := range b[:whole] {
		var ok bool
		switch i {
		case 4, 7:
			ok = c == '-'
		case 10:
			ok = c == 'T'
		case 13, 16:
			ok = c == ':'
		default:
			ok = '0' <= c && c <= '9'
		}
		if !ok {
			return false
		}
	}
	if frac := b[whole : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return false
		}
		for _, c := range frac[1:] {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}
