package passkey_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

type x509Certificate = x509.Certificate

func hexOf(b []byte) string { return hex.EncodeToString(b) }

func ptr[T any](v T) *T { return &v }

func mustBase64URL(s string) []byte {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
