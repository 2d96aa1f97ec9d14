package passkey_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
)

func TestParseFIDO2MethodGraphExamples(t *testing.T) {
	list, err := passkey.ParseFIDO2Methods(readPolicyFile(t, "graph-v1.0-fido2methods-list-response.json"))
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, "Red key", list[0].DisplayName)
	assert.Equal(t, "attested", list[0].AttestationLevel)
	assert.True(t, list[0].CreatedDateTime.IsZero(), "the example spells it creationDateTime")
	assert.JSONEq(t, `{"creationDateTime":"2020-08-10T06:44:09Z"}`, string(list[0].Unknown))

	var want struct {
		Value []any `json:"value"`
	}
	require.NoError(t, json.Unmarshal(readPolicyFile(t, "graph-v1.0-fido2methods-list-response.json"), &want))
	for i, m := range list {
		out, err := json.Marshal(m)
		require.NoError(t, err)
		assert.Equal(t, want.Value[i], semantic(t, out))
	}

	one, err := passkey.ParseFIDO2Method(readPolicyFile(t, "graph-v1.0-fido2method-get-response.json"))
	require.NoError(t, err)
	assert.Equal(t, list[0].ID, one.ID)

	// The documentation's AAGUIDs are not real models, so only the
	// attestation says anything: attested passkeys are device-bound.
	f := one.Facts(nil)
	assert.True(t, f.Registered)
	assert.Equal(t, passkey.AttestationTrusted, f.Attestation)
	assert.Equal(t, passkey.DeviceBound, f.Type)
	assert.Equal(t, passkey.Medium, f.TypeConfidence)
	assert.Equal(t, "NFC key", f.Authenticator)
}

func TestFIDO2MethodFacts(t *testing.T) {
	rec := func(aaguid, level, ptype string) passkey.FIDO2Method {
		return passkey.FIDO2Method{AAGUID: aaguid, AttestationLevel: level, PasskeyType: passkey.PasskeyType(ptype)}
	}
	const (
		yubi   = "2fc0579f-8113-47ea-b116-bb5a8db9202a"
		icloud = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"
		other  = "6d44ba9b-f6ec-2e49-b930-0c8fe920cb73"
	)
	tests := []struct {
		name string
		m    passkey.FIDO2Method
		typ  passkey.PasskeyType
		conf passkey.Confidence
		att  passkey.AttestationEvidence
	}{
		{"attested security key", rec(yubi, "attested", ""), passkey.DeviceBound, passkey.High, passkey.AttestationTrusted},
		{"unattested claim of a security key", rec(yubi, "notAttested", ""), passkey.DeviceBound, passkey.Low, passkey.AttestationAbsent},
		{"synced provider", rec(icloud, "notAttested", ""), passkey.Synced, passkey.Low, passkey.AttestationAbsent},
		{"unknown and unattested", rec(other, "notAttested", ""), "", passkey.Low, passkey.AttestationAbsent},
		{"not disclosed", rec("00000000-0000-0000-0000-000000000000", "notAttested", ""), "", passkey.Low, passkey.AttestationAbsent},
		{"Graph passkeyType agrees with catalog", rec(icloud, "notAttested", "synced"), passkey.Synced, passkey.Medium, passkey.AttestationAbsent},
		{"Graph passkeyType alone", rec(other, "notAttested", "deviceBound"), passkey.DeviceBound, passkey.Low, passkey.AttestationAbsent},
		{"Graph passkeyType attested", rec(other, "attested", "deviceBound"), passkey.DeviceBound, passkey.High, passkey.AttestationTrusted},
		{"Graph and catalog disagree: synced wins", rec(icloud, "notAttested", "deviceBound"), passkey.Synced, passkey.Low, passkey.AttestationAbsent},
		{"unknown attestation level", rec(yubi, "unknownFutureValue", ""), passkey.DeviceBound, passkey.Low, passkey.AttestationAbsent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.m.Facts(catalog.Default())
			assert.Equal(t, tt.typ, f.Type)
			assert.Equal(t, tt.conf, f.TypeConfidence)
			assert.Equal(t, tt.att, f.Attestation)
			assert.NotEmpty(t, f.TypeExplanation)
			assert.Equal(t, uuid.MustParse(tt.m.AAGUID), f.AAGUID)
		})
	}
	// A custom catalog names what the default one does not.
	id := uuid.MustParse(other)
	cat := catalog.New(catalog.Entry{AAGUID: id, Name: "Contoso Key", Kind: catalog.KindSecurityKey, Source: "test"})
	f := rec(other, "attested", "").Facts(cat)
	assert.Equal(t, "Contoso Key", f.Authenticator)
	assert.Equal(t, passkey.High, f.TypeConfidence)
}

func TestParseFIDO2MethodHostile(t *testing.T) {
	tests := []struct {
		name, doc string
		code      passkey.Code
		where     string
	}{
		{"empty", "", passkey.CodeInputEmpty, ""},
		{"too large", `{"id":"` + strings.Repeat("a", passkey.MaxMethodSize) + `"}`, passkey.CodeInputTooLarge, ""},
		{"array", `[]`, passkey.CodeJSONInvalid, "input"},
		{"bad AAGUID", `{"aaGuid":"not-a-guid"}`, passkey.CodeAAGUIDInvalid, "aaGuid"},
		{"bad AAGUID inside value", `{"value":{"aaGuid":"{2fc0579f-8113-47ea-b116-bb5a8db9202a}"}}`, passkey.CodeAAGUIDInvalid, "value.aaGuid"},
		{"bad time", `{"createdDateTime":"yesterday"}`, passkey.CodeJSONInvalid, "createdDateTime"},
		{"wrong type", `{"attestationCertificates":"abc"}`, passkey.CodeJSONInvalid, "attestationCertificates"},
		{"duplicate", `{"id":"a","id":"b"}`, passkey.CodeJSONInvalid, "id@10"},
		{"other method type", `{"@odata.type":"#microsoft.graph.phoneAuthenticationMethod","id":"x"}`, passkey.CodeJSONInvalid, "@odata.type"},
		{"too many certificates", `{"attestationCertificates":[` + strings.TrimSuffix(strings.Repeat(`"a",`, passkey.MaxMethodCertificates+1), ",") + `]}`, passkey.CodeInputTooLarge, "attestationCertificates"},
		{"deep", strings.Repeat(`{"x":`, 40) + "1" + strings.Repeat("}", 40), passkey.CodeJSONInvalid, strings.TrimSuffix(strings.Repeat("x.", passkey.MaxPolicyDepth), ".")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := passkey.ParseFIDO2Method([]byte(tt.doc))
			require.Error(t, err)
			assert.Nil(t, m)
			var pe *passkey.Error
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, tt.code, pe.Code, err.Error())
			assert.Equal(t, tt.where, pe.Where)
		})
	}

	// Lists skip other method types and name the record an error is in.
	got, err := passkey.ParseFIDO2Methods([]byte(`{"value":[{"@odata.type":"#microsoft.graph.passwordAuthenticationMethod","id":"p"},{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"f","aaGuid":"2fc0579f-8113-47ea-b116-bb5a8db9202a"}]}`))
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "f", got[0].ID)
	_, err = passkey.ParseFIDO2Methods([]byte(`[{"id":"a"},{"aaGuid":"x"}]`))
	var pe *passkey.Error
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, "1.aaGuid", pe.Where)
	_, err = passkey.ParseFIDO2Methods([]byte(`{"@odata.context":"x"}`))
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, passkey.CodeFieldMissing, pe.Code)
}
