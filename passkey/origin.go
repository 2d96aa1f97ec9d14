package passkey

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// WebAuthn L3 §7.1 steps 9 and 10 ask the relying party to verify that
// C.origin (and C.topOrigin, when present) "matches" an origin it expects,
// and §13.4.9 warns that a loose match lets another origin's page register
// credentials. A browser writes C.origin as the HTML serialization of an
// origin (HTML §7.1.1 "serialization of an origin", with the URL
// Standard's host and port serializers): scheme "://" host, then ":" port
// only when the port is not the scheme's default — lower-case ASCII, no
// userinfo, path, query or fragment. go-webauthn's IsOriginInHaystack
// compares only the scheme and host of two parsed URLs, so it accepts
// "https://login.example.com/some/path?q=1" or
// "https://attacker@login.example.com" for "https://login.example.com".
//
// keytier therefore compares C.origin and C.topOrigin byte for byte with
// the serialized form of each configured origin. The configuration is
// normalised once (scheme and host lower-cased, the scheme's default port
// dropped, a single trailing "/" dropped, as when an origin is copied from
// a URL bar); the client's value never is, because no browser sends a
// non-serialized origin and a value that differs from the serialization is
// either a non-browser client or an attempt to slip past the match.

// maxOriginLength bounds a configured origin; a host is at most 253
// characters (RFC 1035 §2.3.4 plus dots), so 300 leaves room for the scheme
// and port.
const maxOriginLength = 300

// serializeOrigin returns the serialized origin s stands for, or an error
// saying why s is not an origin keytier accepts in the configuration:
// http or https, a host, an optional port, and nothing else.
func serializeOrigin(s string) (string, error) {
	if len(s) > maxOriginLength {
		return "", fmt.Errorf("%d bytes; an origin is at most %d", len(s), maxOriginLength)
	}
	if strings.ContainsAny(s, "?#\\ \t\r\n") {
		return "", errors.New("contains a query, a fragment, a backslash or white space; an origin is scheme://host[:port]")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", errors.New("not a URL; an origin is scheme://host[:port]")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "https" && scheme != "http":
		return "", fmt.Errorf("scheme %q: keytier accepts https origins (and http, as browsers allow for localhost)", u.Scheme)
	case u.Opaque != "" || u.Host == "":
		return "", errors.New("no host; an origin is scheme://host[:port]")
	case u.User != nil:
		return "", errors.New("has userinfo (user@); an origin has none")
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("has path %q; an origin has none", u.Path)
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasPrefix(u.Host, "[") {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", fmt.Errorf("host %q is not an IPv6 address", host)
		}
		if addr.Is4In6() {
			// The URL Standard serializes it in hex ("::ffff:102:304"),
			// netip in dotted form: refuse rather than guess.
			return "", fmt.Errorf("host %q is an IPv4-mapped IPv6 address; use the IPv4 address", host)
		}
		host = "[" + addr.String() + "]"
	} else {
		for i := 0; i < len(host); i++ {
			b := host[i]
			if !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_') {
				return "", fmt.Errorf("host %q has %q; write an internationalised name in its ASCII (punycode) form", host, rune(b))
			}
		}
		if host == "" || strings.HasPrefix(host, ".") || strings.Contains(host, "..") {
			return "", fmt.Errorf("host %q is not a domain name", host)
		}
	}
	out := scheme + "://" + host
	if port := u.Port(); port != "" {
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return "", fmt.Errorf("port %q is not 1–65535", port)
		}
		if !(scheme == "https" && n == 443 || scheme == "http" && n == 80) {
			out += ":" + strconv.FormatUint(n, 10)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", errors.New("empty port after ':'")
	}
	return out, nil
}

// serializeOrigins validates and normalises a configured origin list;
// field names it in errors ("VerifyOptions.Origins").
func serializeOrigins(list []string, field string) ([]string, error) {
	out := make([]string, 0, len(list))
	for i, s := range list {
		o, err := serializeOrigin(s)
		if err != nil {
			return nil, errorf(CodeOptionsInvalid, fmt.Sprintf("%s[%d]", field, i), nil, "%q is not an origin: %v", s, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// originMismatch explains why a client's origin is not among allowed.
func originMismatch(code Code, where, got string, allowed []string) error {
	if o, err := serializeOrigin(got); err != nil {
		return errorf(code, where, nil, "%q is not a serialized origin (%v), so it matches none of %v", got, err, allowed)
	} else if o != got {
		return errorf(code, where, nil, "%q is not a serialized origin (a browser writes %q), so it matches none of %v", got, o, allowed)
	}
	return errorf(code, where, nil, "%q is not one of %v", got, allowed)
}

// checkOrigins is §7.1 steps 9 and 10: C.origin is one of the relying
// party's origins; C.crossOrigin is true only when cross-origin
// registration is allowed; C.topOrigin, when present, comes with
// crossOrigin true and is one of the allowed top origins. origins and
// topOrigins are already serialized (VerifyOptions.check).
func (c *Credential) checkOrigins(origins, topOrigins []string, allowCrossOrigin bool) error {
	return c.ClientData.checkOrigins(origins, topOrigins, allowCrossOrigin, "registration")
}

// checkOrigins is the origin comparison of both ceremonies (§7.1 steps 9
// and 10, and their §7.2 twins); ceremony names the one refused in
// messages.
func (cd *ClientData) checkOrigins(origins, topOrigins []string, allowCrossOrigin bool, ceremony string) error {
	if !slices.Contains(origins, cd.Origin) {
		return originMismatch(CodeOriginMismatch, "clientDataJSON.origin", cd.Origin, origins)
	}
	if cd.CrossOrigin && !allowCrossOrigin {
		return errorf(CodeCrossOrigin, "clientDataJSON.crossOrigin", nil, "the ceremony ran in a cross-origin iframe and cross-origin %s is not allowed", ceremony)
	}
	if cd.TopOrigin == "" {
		return nil
	}
	// Step 10: a topOrigin means the ceremony ran in an iframe that is not
	// same-origin with its ancestors (§5.8.1), which is what crossOrigin
	// says; a client that sends one without the other is inconsistent.
	if !cd.CrossOrigin {
		return errorf(CodeTopOriginMismatch, "clientDataJSON.topOrigin", nil, "%q is present but crossOrigin is not true", cd.TopOrigin)
	}
	if !slices.Contains(topOrigins, cd.TopOrigin) {
		return originMismatch(CodeTopOriginMismatch, "clientDataJSON.topOrigin", cd.TopOrigin, topOrigins)
	}
	return nil
}
