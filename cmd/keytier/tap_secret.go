package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/keytier/keytier/tap"
)

// errNoSecret is returned when neither secret variable is set.
var errNoSecret = errors.New("no server secret: set " + envTapSecret + " to base64 of at least 32 random bytes " +
	`(export ` + envTapSecret + `="$(openssl rand -base64 32)"), or ` + envTapSecretFile +
	" to a file holding it; see 'keytier tap -h'")

// loadTapSecret reads the HMAC key from KEYTIER_TAP_SECRET or the file
// KEYTIER_TAP_SECRET_FILE names. Both hold base64 (standard or URL alphabet,
// padding optional) of at least tap.MinSecretLength bytes; surrounding
// whitespace is ignored. Base64 rather than a raw string: a random key is
// binary, and a typed password that happens to be 32 characters long is not
// a key. No error repeats any part of the value.
func loadTapSecret() ([]byte, error) {
	v, hasV := os.LookupEnv(envTapSecret)
	f, hasF := os.LookupEnv(envTapSecretFile)
	hasV, hasF = hasV && v != "", hasF && f != ""
	var (
		text, source string
	)
	switch {
	case hasV && hasF:
		return nil, fmt.Errorf("both %s and %s are set; set only one", envTapSecret, envTapSecretFile)
	case hasV:
		text, source = v, envTapSecret
	case hasF:
		b, err := readSecretFile(f)
		if err != nil {
			return nil, err
		}
		text, source = string(b), fmt.Sprintf("%s (%s)", envTapSecretFile, f)
	default:
		return nil, errNoSecret
	}
	key, err := decodeSecret(strings.TrimSpace(text))
	if err != nil {
		return nil, fmt.Errorf("%s is not base64; generate a secret with: openssl rand -base64 32", source)
	}
	if len(key) < tap.MinSecretLength {
		n := len(key)
		clear(key)
		return nil, fmt.Errorf("%s decodes to %d bytes, want at least %d; generate one with: openssl rand -base64 32",
			source, n, tap.MinSecretLength)
	}
	return key, nil
}

func readSecretFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envTapSecretFile, err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxSecretFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading %s: %w", envTapSecretFile, path, err)
	}
	if len(b) > maxSecretFile {
		return nil, fmt.Errorf("%s: %s is larger than %d bytes; it should hold one base64 line", envTapSecretFile, path, maxSecretFile)
	}
	return b, nil
}

// decodeSecret accepts the four base64 variants; the decoders' errors
// (which give only an offset) are dropped all the same.
func decodeSecret(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

func isPostgresDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// redactDSN returns the DSN with its password replaced, for messages.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}

// scrubDSNPassword removes the DSN's password from an error message, in case
// a driver repeats it.
func scrubDSNPassword(dsn string, err error) error {
	u, perr := url.Parse(dsn)
	if perr != nil || err == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(err.Error(), pw) {
		return &scrubbedError{msg: strings.ReplaceAll(err.Error(), pw, "xxxxx"), err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
