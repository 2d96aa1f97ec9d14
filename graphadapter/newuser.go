package graphadapter

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Entra's limits on a new user's names (learn.microsoft.com/entra/identity
// /authentication/concept-sspr-policy, "Username policies"; Graph's user
// resource for displayName and mailNickname).
const (
	maxUPNLocal       = 64
	maxUPNDomain      = 48
	maxUPN            = 113
	maxDisplayName    = 256
	maxMailNickname   = 64
	upnLocalChars     = "'.-_!#^~"
	mailNicknameNotIn = "@()\\[]\";:<>, "
)

// check reports the first member of u that Graph would refuse, naming it.
// It cannot check that the domain is one of the tenant's verified domains.
func (u NewUser) check() error {
	switch {
	case u.UserPrincipalName == "":
		return fmt.Errorf("userPrincipalName is required")
	case u.DisplayName == "":
		return fmt.Errorf("displayName is required")
	case u.MailNickname == "":
		return fmt.Errorf("mailNickname is required")
	}
	if err := checkUPN(u.UserPrincipalName); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(u.DisplayName); n > maxDisplayName || !utf8.ValidString(u.DisplayName) {
		return fmt.Errorf("displayName: %d characters or invalid UTF-8; at most %d allowed", n, maxDisplayName)
	}
	if n := utf8.RuneCountInString(u.MailNickname); n > maxMailNickname {
		return fmt.Errorf("mailNickname: %d characters; at most %d allowed", n, maxMailNickname)
	}
	if i := strings.IndexAny(u.MailNickname, mailNicknameNotIn); i >= 0 {
		return fmt.Errorf("mailNickname %q: %q is not allowed", u.MailNickname, u.MailNickname[i])
	}
	return nil
}

func checkUPN(upn string) error {
	local, domain, ok := strings.Cut(upn, "@")
	switch {
	case !ok || local == "" || domain == "":
		return fmt.Errorf("userPrincipalName %q: want alias@domain", upn)
	case strings.Contains(domain, "@"):
		return fmt.Errorf("userPrincipalName %q: more than one \"@\"", upn)
	case len(upn) > maxUPN || len(local) > maxUPNLocal || len(domain) > maxUPNDomain:
		return fmt.Errorf("userPrincipalName %q: at most %d characters before the \"@\", %d after and %d in all", upn, maxUPNLocal, maxUPNDomain, maxUPN)
	case strings.HasSuffix(local, "."):
		return fmt.Errorf("userPrincipalName %q: a \".\" right before the \"@\" is not allowed", upn)
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; !isAlnum(c) && strings.IndexByte(upnLocalChars, c) < 0 {
			return fmt.Errorf("userPrincipalName %q: %q is not allowed before the \"@\" (A-Z a-z 0-9 %s only)", upn, c, upnLocalChars)
		}
	}
	for i := 0; i < len(domain); i++ {
		if c := domain[i]; !isAlnum(c) && c != '.' && c != '-' {
			return fmt.Errorf("userPrincipalName %q: %q is not allowed in the domain", upn, c)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
