package msgraph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/keytier/keytier/graphadapter"
)

// The passwords CreateUser sends: passwordLength characters of
// passwordAlphabet, about 397 bits drawn from Config.Rand, with every one of
// Entra's four character classes (Entra asks for three of them and 8 to 256
// characters: learn.microsoft.com/entra/identity/authentication
// /concept-sspr-policy). The alphabet leaves out the space, quotes and the
// backslash, which Entra allows, so that the password needs escaping
// nowhere.
const (
	passwordLength   = 64
	passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!#^~@%+=?"
	passwordSymbols  = "-_.!#^~@%+=?"
	// passwordDraws bounds the passwords drawn to find one with every
	// class. From a random source one in about 10,000 draws lacks one; a
	// source that fails passwordDraws times in a row is broken.
	passwordDraws = 16
)

// newPassword draws a password by rejection sampling.
func newPassword(r io.Reader) (string, error) {
	const limit = 256 - 256%len(passwordAlphabet)
	buf := make([]byte, 2*passwordLength)
	defer clear(buf)
	out := make([]byte, 0, passwordLength)
	defer clear(out)
	for range passwordDraws {
		out = out[:0]
		for len(out) < passwordLength {
			if _, err := io.ReadFull(r, buf); err != nil {
				return "", fmt.Errorf("reading the random source: %w", err)
			}
			for _, b := range buf {
				if int(b) < limit && len(out) < passwordLength {
					out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
				}
			}
		}
		if everyClass(out) {
			return string(out), nil
		}
	}
	return "", fmt.Errorf("%d passwords in a row lacked a character class: the random source is not random", passwordDraws)
}

func everyClass(pw []byte) bool {
	var lower, upper, digit, symbol bool
	for _, c := range pw {
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case '0' <= c && c <= '9':
			digit = true
		case strings.IndexByte(passwordSymbols, c) >= 0:
			symbol = true
		}
	}
	return lower && upper && digit && symbol
}

// CreateUser implements graphadapter.UserCreator with POST /users
// (learn.microsoft.com/graph/api/user-post-users; permission
// User.ReadWrite.All) through the SDK's users request builder and model.
//
// Graph requires a passwordProfile. CreateUser draws a long random password
// (see passwordLength) from Config.Rand and puts it in the request body and
// nowhere else: it is not returned, not logged, not kept once the request
// is sent, and an error never carries it (an answer that quotes it has it
// replaced). forceChangePasswordNextSignIn is false: the password is never
// used, and true would only ask the user to choose one, which a
// passwordless account should not have. The new hire signs in with a
// Temporary Access Pass (tap.Onboard through graphadapter.TAPDirectory).
//
// A userPrincipalName another user has is Graph's 400 with an
// ObjectConflict detail: an error wrapping graphadapter.ErrExists. The
// SDK's retry handler sends a request again after 429, 503 or 504; should
// Graph have created the user before such an answer, the retry gets that
// ErrExists, so after one, read the user (by userPrincipalName) before
// concluding someone else has the name.
func (d *Directory) CreateUser(ctx context.Context, u graphadapter.NewUser) (graphadapter.User, error) {
	const op, res = "CreateUser", "/users"
	if err := ctx.Err(); err != nil {
		return graphadapter.User{}, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
	}
	pw, err := newPassword(d.rand)
	if err != nil {
		return graphadapter.User{}, &graphadapter.DirectoryError{Op: op, Resource: res, Reason: "drawing a password", Err: err}
	}
	profile := models.NewPasswordProfile()
	profile.SetPassword(&pw)
	profile.SetForceChangePasswordNextSignIn(new(false))
	body := models.NewUser()
	body.SetAccountEnabled(new(u.AccountEnabled))
	// Empty members are left out, so that Graph names the one missing.
	for _, m := range []struct {
		v   string
		set func(*string)
	}{
		{u.DisplayName, body.SetDisplayName},
		{u.MailNickname, body.SetMailNickname},
		{u.UserPrincipalName, body.SetUserPrincipalName},
	} {
		if m.v != "" {
			m.set(new(m.v))
		}
	}
	body.SetPasswordProfile(profile)
	got, err := users.NewUsersRequestBuilderInternal(noPathParameters, d.adapter).Post(ctx, body, nil)
	profile.SetPassword(nil)
	if err != nil {
		return graphadapter.User{}, withheld(d.fail(ctx, op, res, err), pw)
	}
	if got == nil || deref(got.GetId()) == "" {
		return graphadapter.User{}, &graphadapter.DirectoryError{Op: op, Resource: res, Reason: "Graph's answer has no user id"}
	}
	out := graphadapter.User{
		ID:                deref(got.GetId()),
		UserPrincipalName: deref(got.GetUserPrincipalName()),
		DisplayName:       deref(got.GetDisplayName()),
		// Graph's answer has the default members, without accountEnabled.
		AccountEnabled: new(u.AccountEnabled),
	}
	if out.UserPrincipalName == "" {
		out.UserPrincipalName = u.UserPrincipalName
	}
	if out.DisplayName == "" {
		out.DisplayName = u.DisplayName
	}
	return out, nil
}

// withheld returns err with every occurrence of secret replaced, should an
// answer have quoted it. A wrapped error that quotes it is replaced by its
// sentinel or context error, or dropped.
func withheld(err error, secret string) error {
	const mask = "[password withheld]"
	if secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	var de *graphadapter.DirectoryError
	if !errors.As(err, &de) {
		return errors.New(strings.ReplaceAll(err.Error(), secret, mask))
	}
	c := *de
	c.Reason = strings.ReplaceAll(c.Reason, secret, mask)
	if c.Err != nil && strings.Contains(c.Err.Error(), secret) {
		c.Err = nil
		for _, s := range []error{context.Canceled, context.DeadlineExceeded, graphadapter.ErrExists, graphadapter.ErrInvalidRequest,
			graphadapter.ErrNotFound, graphadapter.ErrForbidden, ErrThrottled} {
			if errors.Is(de.Err, s) {
				c.Err = s
				break
			}
		}
		if c.Reason == "" {
			c.Reason = "the error quoted the password; withheld"
		}
	}
	return &c
}
