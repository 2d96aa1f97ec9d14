package passkey_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
)

const (
	adminsGroup   = "a1000000-0000-4000-8000-000000000001"
	excludedGroup = "e1000000-0000-4000-8000-000000000009"
	profDefault   = "00000000-0000-0000-0000-000000000001"
	profAdmins    = "00000000-0000-0000-0000-000000000002"
	profWorkforce = "00000000-0000-0000-0000-000000000003"
)

var (
	yubiKey5NFC    = uuid.MustParse("2fc0579f-8113-47ea-b116-bb5a8db9202a")
	appleICloud    = uuid.MustParse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")
	authenticatorI = uuid.MustParse("90a3ccdf-635c-4729-a248-9b709135078f")
	unlistedKey    = uuid.MustParse("6d44ba9b-f6ec-2e49-b930-0c8fe920cb73")
)

func rollout(t testing.TB) *passkey.FIDO2Policy {
	t.Helper()
	p, err := passkey.ParseFIDO2Policy(readPolicyFile(t, "keytier-rollout.json"))
	require.NoError(t, err)
	return p
}

func codes(d passkey.Decision) []passkey.ReasonCode {
	var out []passkey.ReasonCode
	for _, r := range d.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func TestProfilesFor(t *testing.T) {
	p := rollout(t)
	tests := []struct {
		name    string
		subject passkey.Subject
		want    []string
	}{
		{"everyone gets the workforce profile", passkey.Subject{UserID: "u1"}, []string{profWorkforce}},
		{"admins get both, in passkeyProfiles order", passkey.Subject{UserID: "u2", GroupIDs: []string{"other", adminsGroup}}, []string{profAdmins, profWorkforce}},
		{"group ids compare without case", passkey.Subject{GroupIDs: []string{"A1000000-0000-4000-8000-000000000001"}}, []string{profAdmins, profWorkforce}},
		{"exclusion wins over every inclusion", passkey.Subject{GroupIDs: []string{adminsGroup, excludedGroup}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, sp := range p.ProfilesFor(tt.subject) {
				got = append(got, sp.Profile.ID)
				assert.NotEmpty(t, sp.Targets)
				assert.NotEmpty(t, sp.Why)
			}
			assert.Equal(t, tt.want, got)
		})
	}

	admin := p.ProfilesFor(passkey.Subject{GroupIDs: []string{adminsGroup}})
	require.Len(t, admin, 2)
	assert.Equal(t, 0, admin[0].Targets[0].Index)
	assert.Equal(t, 1, admin[1].Targets[0].Index)
	assert.Contains(t, admin[1].Why, "all users (includeTargets.1)")
}

func TestProfilesForDefaultAndLegacy(t *testing.T) {
	// A target without allowedPasskeyProfiles gets the default profile.
	p, err := passkey.ParseFIDO2Policy([]byte(`{"state":"enabled","defaultPasskeyProfile":"` + profDefault + `",
		"passkeyProfiles":[{"id":"` + profDefault + `","passkeyTypes":"deviceBound"},{"id":"` + profAdmins + `","passkeyTypes":"synced"}],
		"includeTargets":[{"targetType":"group","id":"g1"},{"targetType":"user","id":"u9","allowedPasskeyProfiles":["` + profAdmins + `"]}]}`))
	require.NoError(t, err)
	got := p.ProfilesFor(passkey.Subject{UserID: "u9", GroupIDs: []string{"g1"}})
	require.Len(t, got, 2)
	assert.Equal(t, profDefault, got[0].Profile.ID)
	assert.True(t, got[0].ByDefault)
	assert.Equal(t, profAdmins, got[1].Profile.ID)
	assert.False(t, got[1].ByDefault)
	assert.Contains(t, got[1].Why, "user u9")
	assert.Empty(t, p.ProfilesFor(passkey.Subject{UserID: "someone else"}))

	// A legacy policy acts as one device-bound profile for every include target.
	legacy, err := passkey.ParseFIDO2Policy(readPolicyFile(t, "graph-v1.0-fido2-get-response.json"))
	require.NoError(t, err)
	got = legacy.ProfilesFor(passkey.Subject{UserID: "anyone"})
	require.Len(t, got, 1)
	assert.True(t, got[0].Legacy)
	assert.Equal(t, passkey.LegacyProfileID, got[0].Profile.ID)
	assert.Equal(t, passkey.PasskeyTypes("deviceBound"), got[0].Profile.PasskeyTypes)
	assert.Equal(t, passkey.AttestationAtRegistration, got[0].Profile.AttestationEnforcement, "isAttestationEnforced: true")
}

func TestEvaluate(t *testing.T) {
	p := rollout(t)
	worker := passkey.Subject{UserID: "u1"}
	admin := passkey.Subject{UserID: "u2", GroupIDs: []string{adminsGroup}}
	attestedKey := passkey.CredentialFacts{AAGUID: yubiKey5NFC, Type: passkey.DeviceBound, Attestation: passkey.AttestationTrusted}
	syncedApple := passkey.CredentialFacts{AAGUID: appleICloud, Type: passkey.Synced}

	tests := []struct {
		name     string
		policy   *passkey.FIDO2Policy
		subject  passkey.Subject
		facts    passkey.CredentialFacts
		admitted bool
		by       string
		reasons  []passkey.ReasonCode
	}{
		{name: "workforce synced passkey", subject: worker, facts: syncedApple, admitted: true, by: profWorkforce},
		{name: "admin with attested allowed key: first admitting profile", subject: admin, facts: attestedKey, admitted: true, by: profAdmins},
		{name: "admin with synced passkey: admitted by ANY profile (workforce)", subject: admin, facts: syncedApple, admitted: true, by: profWorkforce},
		{name: "excluded", subject: passkey.Subject{GroupIDs: []string{adminsGroup, excludedGroup}}, facts: attestedKey,
			reasons: []passkey.ReasonCode{passkey.ReasonExcluded}},
		{name: "blocked AAGUID, every profile's reasons", subject: admin,
			facts:   passkey.CredentialFacts{AAGUID: authenticatorI, Type: passkey.DeviceBound},
			reasons: []passkey.ReasonCode{passkey.ReasonAAGUIDNotAllowed, passkey.ReasonAttestationRequired, passkey.ReasonAAGUIDBlocked}},
		{name: "untrusted attestation on an unlisted key", subject: admin,
			facts:   passkey.CredentialFacts{AAGUID: unlistedKey, Type: passkey.DeviceBound, Attestation: passkey.AttestationUntrusted},
			reasons: nil, admitted: true, by: profWorkforce},
		{name: "registered passkey: attestation is not checked at sign-in", subject: passkey.Subject{GroupIDs: []string{adminsGroup}},
			facts:    passkey.CredentialFacts{AAGUID: yubiKey5NFC, Type: passkey.DeviceBound, Registered: true},
			admitted: true, by: profAdmins},
	}
	strict := mustPolicy(t, `{"state":"enabled","passkeyProfiles":[
		{"id":"p1","name":"Keys","passkeyTypes":"deviceBound","attestationEnforcement":"registrationOnly",
		 "keyRestrictions":{"isEnforced":true,"enforcementType":"allow","aaGuids":["2fc0579f-8113-47ea-b116-bb5a8db9202a"]}}],
		"includeTargets":[{"targetType":"group","id":"all_users","allowedPasskeyProfiles":["p1"]}]}`)
	tests = append(tests, []struct {
		name     string
		policy   *passkey.FIDO2Policy
		subject  passkey.Subject
		facts    passkey.CredentialFacts
		admitted bool
		by       string
		reasons  []passkey.ReasonCode
	}{
		{name: "type not allowed and attestation absent", policy: strict, subject: worker, facts: passkey.CredentialFacts{AAGUID: yubiKey5NFC, Type: passkey.Synced},
			reasons: []passkey.ReasonCode{passkey.ReasonTypeNotAllowed, passkey.ReasonAttestationRequired}},
		{name: "type unknown", policy: strict, subject: worker, facts: passkey.CredentialFacts{AAGUID: yubiKey5NFC, Attestation: passkey.AttestationTrusted},
			reasons: []passkey.ReasonCode{passkey.ReasonTypeUnknown}},
		{name: "attestation untrusted", policy: strict, subject: worker, facts: passkey.CredentialFacts{AAGUID: yubiKey5NFC, Type: passkey.DeviceBound, Attestation: passkey.AttestationUntrusted},
			reasons: []passkey.ReasonCode{passkey.ReasonAttestationUntrusted}},
		{name: "AAGUID not disclosed", policy: strict, subject: worker, facts: passkey.CredentialFacts{Type: passkey.DeviceBound, Attestation: passkey.AttestationTrusted},
			reasons: []passkey.ReasonCode{passkey.ReasonAAGUIDNotAllowed}},
		{name: "strict admits attested listed key", policy: strict, subject: worker, facts: attestedKey, admitted: true, by: "p1"},
		{name: "disabled policy, not in scope", policy: mustPolicy(t, `{"state":"disabled","includeTargets":[{"targetType":"group","id":"g1"}]}`),
			subject: worker, facts: attestedKey,
			reasons: []passkey.ReasonCode{passkey.ReasonPolicyDisabled, passkey.ReasonNotInScope}},
		{name: "disabled policy still reports profile reasons", policy: mustPolicy(t, `{"state":"disabled","includeTargets":[{"targetType":"group","id":"all_users"}]}`),
			subject: worker, facts: syncedApple,
			reasons: []passkey.ReasonCode{passkey.ReasonPolicyDisabled, passkey.ReasonTypeNotAllowed}},
		{name: "legacy policy: allow list and attestation", policy: mustPolicy(t, `{"state":"enabled","isAttestationEnforced":true,
			"keyRestrictions":{"isEnforced":true,"enforcementType":"allow","aaGuids":["2fc0579f-8113-47ea-b116-bb5a8db9202a"]},
			"includeTargets":[{"targetType":"group","id":"all_users"}]}`),
			subject: worker, facts: passkey.CredentialFacts{AAGUID: unlistedKey, Type: passkey.DeviceBound},
			reasons: []passkey.ReasonCode{passkey.ReasonAAGUIDNotAllowed, passkey.ReasonAttestationRequired}},
		{name: "legacy policy admits a device-bound key", policy: mustPolicy(t, `{"state":"enabled","includeTargets":[{"targetType":"group","id":"all_users"}]}`),
			subject: worker, facts: passkey.CredentialFacts{AAGUID: unlistedKey, Type: passkey.DeviceBound}, admitted: true, by: passkey.LegacyProfileID},
		{name: "legacy policy block list", policy: mustPolicy(t, `{"state":"enabled",
			"keyRestrictions":{"isEnforced":true,"enforcementType":"block","aaGuids":["6d44ba9b-f6ec-2e49-b930-0c8fe920cb73"]},
			"includeTargets":[{"targetType":"group","id":"all_users"}]}`),
			subject: worker, facts: passkey.CredentialFacts{AAGUID: unlistedKey, Type: passkey.DeviceBound},
			reasons: []passkey.ReasonCode{passkey.ReasonAAGUIDBlocked}},
		{name: "no profile: target names none and there is no default", policy: mustPolicy(t, `{"state":"enabled",
			"passkeyProfiles":[{"id":"p1","passkeyTypes":"synced"}],"includeTargets":[{"targetType":"group","id":"all_users"}]}`),
			subject: worker, facts: syncedApple, reasons: []passkey.ReasonCode{passkey.ReasonNoProfile}},
		{name: "unknown settings admit nothing", policy: mustPolicy(t, `{"state":"enabled","passkeyProfiles":[
			{"id":"p1","passkeyTypes":"deviceBound,unknownFutureValue","attestationEnforcement":"unknownFutureValue",
			 "keyRestrictions":{"isEnforced":true,"enforcementType":"unknownFutureValue","aaGuids":[]}}],
			"includeTargets":[{"targetType":"group","id":"all_users","allowedPasskeyProfiles":["p1"]}]}`, true),
			subject: worker, facts: syncedApple,
			reasons: []passkey.ReasonCode{passkey.ReasonSettingUnknown, passkey.ReasonSettingUnknown, passkey.ReasonSettingUnknown}},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := tt.policy
			if pol == nil {
				pol = p
			}
			d := pol.Evaluate(tt.subject, tt.facts)
			assert.Equal(t, tt.admitted, d.Admitted)
			assert.Equal(t, tt.reasons, codes(d))
			if tt.admitted {
				require.NotNil(t, d.By)
				assert.Equal(t, tt.by, d.By.Profile.ID)
				assert.Empty(t, d.Reasons)
			} else {
				assert.Nil(t, d.By)
			}
			for _, r := range d.Reasons {
				assert.NotEmpty(t, r.Message)
			}
		})
	}
}

// mustPolicy reads a policy; with lenient set it skips validation, for
// policies whose point is a value Validate refuses.
func mustPolicy(t testing.TB, doc string, lenient ...bool) *passkey.FIDO2Policy {
	t.Helper()
	if len(lenient) > 0 && lenient[0] {
		var p passkey.FIDO2Policy
		require.NoError(t, p.UnmarshalJSON([]byte(doc)))
		return &p
	}
	p, err := passkey.ParseFIDO2Policy([]byte(doc))
	require.NoError(t, err)
	return p
}

func TestEvaluateReasonsNameProfiles(t *testing.T) {
	p := rollout(t)
	d := p.Evaluate(passkey.Subject{GroupIDs: []string{adminsGroup}}, passkey.CredentialFacts{AAGUID: authenticatorI, Authenticator: "Microsoft Authenticator for iOS", Type: passkey.DeviceBound})
	require.Len(t, d.Reasons, 3)
	assert.Equal(t, profAdmins, d.Reasons[0].Profile)
	assert.Contains(t, d.Reasons[0].Message, "Microsoft Authenticator for iOS")
	assert.Equal(t, profWorkforce, d.Reasons[2].Profile)
	assert.Contains(t, d.Reasons[2].Message, "block list")
}

func TestEvaluateRealCredentials(t *testing.T) {
	p := rollout(t)
	admin := passkey.Subject{GroupIDs: []string{adminsGroup}}
	tests := []struct {
		sample   string
		admitted bool
	}{
		// Inspect does not verify, so the YubiKey's attestation is not
		// trusted: the admin profile refuses it, the workforce one admits it.
		{"yubico-yubikey-5ci-packed", true},
		{"wasmo-icloud-keychain-none", true},
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			s, err := samples.Get(tt.sample)
			require.NoError(t, err)
			c, err := passkey.Inspect(s.Registration)
			require.NoError(t, err)
			f := passkey.CredentialFactsOf(c)
			assert.Equal(t, c.AAGUID, f.AAGUID)
			assert.Equal(t, c.PasskeyType, f.Type)
			d := p.Evaluate(admin, f)
			assert.Equal(t, tt.admitted, d.Admitted)
			assert.Equal(t, profWorkforce, d.By.Profile.ID)
		})
	}

	s, err := samples.Get("yubico-yubikey-5ci-packed")
	require.NoError(t, err)
	c, err := passkey.Inspect(s.Registration)
	require.NoError(t, err)
	f := passkey.CredentialFactsOf(c)
	assert.Equal(t, passkey.AttestationUntrusted, f.Attestation, "a packed statement that was not verified")
	strictOnly := passkey.Subject{GroupIDs: []string{adminsGroup}}
	only := p.PasskeyProfiles[1]
	d := (&passkey.FIDO2Policy{State: passkey.PolicyEnabled, PasskeyProfiles: []passkey.PasskeyProfile{only},
		IncludeTargets: []passkey.IncludeTarget{{TargetType: passkey.TargetGroup, ID: adminsGroup, AllowedPasskeyProfiles: []string{only.ID}}}}).Evaluate(strictOnly, f)
	assert.False(t, d.Admitted)
	assert.Equal(t, []passkey.ReasonCode{passkey.ReasonAttestationUntrusted}, codes(d))

	icloud, err := samples.Get("wasmo-icloud-keychain-none")
	require.NoError(t, err)
	c, err = passkey.Inspect(icloud.Registration)
	require.NoError(t, err)
	assert.Equal(t, passkey.AttestationAbsent, passkey.CredentialFactsOf(c).Attestation)
}

// Entra requires user verification at every passkey registration and
// sign-in (concept-fido2-hardware-vendor), so a profile's floor is a passkey
// with user verification: AAL2, not the single-factor AAL1.
func TestAALRange(t *testing.T) {
	yubiKey5 := uuid.MustParse("ee882879-721c-4913-9775-3dfcce97072a")
	windowsHello := uuid.MustParse("08987058-cadc-4b81-b6e1-30de50dcbe96") // a platform entry in the catalog
	allow := func(ids ...uuid.UUID) *passkey.KeyRestrictions {
		kr := &passkey.KeyRestrictions{IsEnforced: ptr(true), EnforcementType: passkey.EnforceAllow}
		for _, id := range ids {
			kr.AAGUIDs = append(kr.AAGUIDs, id.String())
		}
		return kr
	}
	// The rollout's privileged profile: device-bound, attested, an allow
	// list of hardware security keys. Every other case breaks one condition.
	hardened := passkey.PasskeyProfile{PasskeyTypes: "deviceBound", AttestationEnforcement: passkey.AttestationAtRegistration, KeyRestrictions: allow(yubiKey5NFC, yubiKey5)}
	with := func(f func(*passkey.PasskeyProfile)) passkey.PasskeyProfile {
		pp := hardened
		kr := *hardened.KeyRestrictions
		pp.KeyRestrictions = &kr
		f(&pp)
		return pp
	}
	// FIDO metadata that settles Windows Hello as hardware, and says one of
	// the catalog's security keys keeps its keys in software.
	blob := mdsWith(t,
		mdstest.Authenticator{AAGUID: windowsHello, Description: "Windows Hello Hardware Authenticator", KeyProtection: []string{"hardware"}},
		mdstest.Authenticator{AAGUID: yubiKey5, Description: "a key whose metadata says software", KeyProtection: []string{"software"}},
		mdstest.Authenticator{AAGUID: unlistedKey, Description: "an unlisted key, revoked", KeyProtection: []string{"secure_element"},
			Status: []mdstest.Status{{Status: "REVOKED", EffectiveDate: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}}},
	)

	tests := []struct {
		name                           string
		profile                        passkey.PasskeyProfile
		models                         passkey.Models
		lowest, highest                assurance.Level
		highestSyncable                assurance.Syncability
		highestAttestedTo              bool
		lowestKeyProtection            assurance.KeyProtection
		lowestAttestedTo, lowestSynced bool
		// limit is a phrase of each condition that keeps the floor below
		// AAL3, in order, separated by "|"; "" when the floor is AAL3.
		limit string
	}{
		{name: "device-bound, attested, allow list of hardware security keys: AAL3 to AAL3", profile: hardened,
			lowest: assurance.AAL3, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true,
			lowestAttestedTo: true, lowestKeyProtection: assurance.KeyProtectionHardware},
		// Attestation enforced registers no synced passkey (Validate warns
		// about the profile), so the synced flag admits none.
		{name: "synced flag with attestation enforced", profile: with(func(pp *passkey.PasskeyProfile) { pp.PasskeyTypes = "deviceBound,synced" }),
			lowest: assurance.AAL3, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true,
			lowestAttestedTo: true, lowestKeyProtection: assurance.KeyProtectionHardware},
		{name: "synced and attestation not enforced: both named", profile: with(func(pp *passkey.PasskeyProfile) {
			pp.PasskeyTypes, pp.AttestationEnforcement = "deviceBound,synced", passkey.AttestationNotEnforced
		}),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true,
			lowestSynced: false, limit: "admits synced passkeys|attestation is not enforced"},
		{name: "attestation not enforced", profile: with(func(pp *passkey.PasskeyProfile) { pp.AttestationEnforcement = passkey.AttestationNotEnforced }),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true,
			limit: "attestation is not enforced"},
		{name: "allow list not enforced", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions.IsEnforced = ptr(false) }),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "no AAGUID allow list is enforced"},
		{name: "no key restrictions", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions = nil }),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "no AAGUID allow list is enforced"},
		{name: "a block list", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions.EnforcementType = passkey.EnforceBlock }),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "block list"},
		{name: "a platform authenticator on the list, no metadata", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions = allow(yubiKey5NFC, windowsHello) }),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "08987058-cadc-4b81-b6e1-30de50dcbe96 (Windows Hello) has key protection unknown"},
		{name: "the same list, metadata says the platform authenticator is hardware", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions = allow(yubiKey5NFC, windowsHello) }),
			models: passkey.Models{MDS: blob},
			lowest: assurance.AAL3, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			lowestKeyProtection: assurance.KeyProtectionHardware},
		{name: "metadata overrides the catalog: a listed key in software", profile: hardened, models: passkey.Models{MDS: blob},
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			lowestKeyProtection: assurance.KeyProtectionSoftware, limit: "has key protection software: FIDO MDS keyProtection"},
		{name: "an AAGUID nobody lists", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions = allow(yubiKey5NFC, unlistedKey) }),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "does not list this AAGUID"},
		{name: "a revoked model's key protection is not relied on", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions = allow(yubiKey5NFC, unlistedKey) }),
			models: passkey.Models{MDS: blob},
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "REVOKED"},
		{name: "only unknown models listed: no AAL3 at all", profile: with(func(pp *passkey.PasskeyProfile) { pp.KeyRestrictions = allow(unlistedKey) }),
			lowest: assurance.AAL2, highest: assurance.AAL2, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "does not list this AAGUID"},
		{name: "synced only: AAL2, never more, never less", profile: passkey.PasskeyProfile{PasskeyTypes: "synced"},
			lowest: assurance.AAL2, highest: assurance.AAL2, highestSyncable: assurance.Syncable, lowestSynced: true,
			limit: "admits synced passkeys|attestation is not enforced|no AAGUID allow list is enforced"},
		{name: "device-bound with attestation, no list: AAL2 to AAL3", profile: passkey.PasskeyProfile{PasskeyTypes: "deviceBound", AttestationEnforcement: passkey.AttestationAtRegistration},
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			limit: "no AAGUID allow list is enforced"},
		{name: "device-bound without attestation: AAL2 to AAL3", profile: passkey.PasskeyProfile{PasskeyTypes: "deviceBound", AttestationEnforcement: passkey.AttestationNotEnforced},
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true,
			limit: "attestation is not enforced|no AAGUID allow list is enforced"},
		{name: "both, no attestation: still reaches AAL3 with an attested key", profile: passkey.PasskeyProfile{PasskeyTypes: "deviceBound,synced", AttestationEnforcement: passkey.AttestationNotEnforced},
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true,
			limit: "admits synced passkeys|attestation is not enforced|no AAGUID allow list is enforced"},
		{name: "synced with attestation enforced admits nothing classifiable as synced", profile: passkey.PasskeyProfile{PasskeyTypes: "synced", AttestationEnforcement: passkey.AttestationAtRegistration},
			lowest: assurance.LevelNone, highest: assurance.LevelNone},
		{name: "unknown type only", profile: passkey.PasskeyProfile{PasskeyTypes: "unknownFutureValue"},
			lowest: assurance.AAL2, highest: assurance.AAL2, highestSyncable: assurance.SyncabilityUnknown,
			limit: "has a value keytier does not know|attestation is not enforced|no AAGUID allow list is enforced"},
		{name: "unknown type next to device-bound, otherwise hardened", profile: with(func(pp *passkey.PasskeyProfile) { pp.PasskeyTypes = "deviceBound,unknownFutureValue" }),
			lowest: assurance.AAL2, highest: assurance.AAL3, highestSyncable: assurance.DeviceBound, highestAttestedTo: true, lowestAttestedTo: true,
			lowestKeyProtection: assurance.KeyProtectionHardware, limit: "has a value keytier does not know"},
		{name: "no types", profile: passkey.PasskeyProfile{}, lowest: assurance.LevelNone, highest: assurance.LevelNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.profile.AssuranceWith(tt.models)
			assert.Equal(t, tt.lowest, a.Lowest, "lowest")
			assert.Equal(t, tt.highest, a.Highest, "highest")
			if tt.models.MDS == nil {
				lo, hi := tt.profile.AALRange()
				assert.Equal(t, [2]assurance.Level{a.Lowest, a.Highest}, [2]assurance.Level{lo, hi}, "AALRange is the catalog-only range")
			}
			assert.NotEmpty(t, a.Why)
			if tt.highest == assurance.LevelNone {
				assert.Empty(t, a.FloorLimits)
				return
			}
			// The floor's rule names exactly the conditions this case
			// breaks, and says so in Why.
			if tt.limit == "" {
				assert.Empty(t, a.FloorLimits)
				assert.Contains(t, strings.Join(a.Why, "\n"), "Floor AAL3: ")
			} else if limits := strings.Split(tt.limit, "|"); assert.Len(t, a.FloorLimits, len(limits), "%q", a.FloorLimits) {
				for i, l := range limits {
					assert.Contains(t, a.FloorLimits[i], l)
				}
				assert.Contains(t, strings.Join(a.Why, "\n"), "Floor below AAL3 because "+strings.Join(a.FloorLimits, "; "))
			}
			assert.Equal(t, tt.highestSyncable, a.HighestEvidence.Syncability)
			assert.Equal(t, tt.highestAttestedTo, a.HighestEvidence.AttestationTrusted)
			assert.True(t, a.LowestEvidence.UserVerified, "Entra requires user verification")
			assert.True(t, a.HighestEvidence.UserVerified, "Entra requires user verification")
			assert.Equal(t, tt.lowestAttestedTo, a.LowestEvidence.AttestationTrusted)
			assert.Equal(t, tt.lowestSynced, a.LowestEvidence.Syncability == assurance.Syncable)
			assert.Equal(t, tt.lowestKeyProtection, a.LowestEvidence.KeyProtection)
			assert.Contains(t, a.Why, "Entra requires user verification (PIN or biometric) at every passkey registration and sign-in, so each one it admits is multi-factor.")
			// The bounds are Classify's verdicts on the evidence shown.
			assert.Equal(t, assurance.Classify(a.HighestEvidence).AAL, a.Highest)
			assert.Equal(t, assurance.Classify(a.LowestEvidence).AAL, a.Lowest)
			// Without user verification the same passkey would be AAL1: the
			// floor is Entra's requirement, not the passkey's nature.
			noUV := a.LowestEvidence
			noUV.UserVerified = false
			assert.Equal(t, assurance.AAL1, assurance.Classify(noUV).AAL)
		})
	}
}

// TestProfileFloorAgreesWithRegisteredPasskeys: a passkey the profile admits
// at registration, classified as readiness classifies a registered one
// (CredentialFacts.Evidence), is never below the profile's floor nor above
// its ceiling.
func TestProfileFloorAgreesWithRegisteredPasskeys(t *testing.T) {
	windowsHello := uuid.MustParse("08987058-cadc-4b81-b6e1-30de50dcbe96")
	ids := []uuid.UUID{yubiKey5NFC, appleICloud, authenticatorI, unlistedKey, windowsHello, uuid.Nil}
	var profiles []passkey.PasskeyProfile
	for _, types := range []passkey.PasskeyTypes{"deviceBound", "synced", "deviceBound,synced"} {
		for _, att := range []passkey.AttestationEnforcement{passkey.AttestationNotEnforced, passkey.AttestationAtRegistration} {
			for _, kr := range []*passkey.KeyRestrictions{nil,
				{IsEnforced: ptr(true), EnforcementType: passkey.EnforceAllow, AAGUIDs: []string{yubiKey5NFC.String()}},
				{IsEnforced: ptr(true), EnforcementType: passkey.EnforceAllow, AAGUIDs: []string{yubiKey5NFC.String(), windowsHello.String()}},
				{IsEnforced: ptr(true), EnforcementType: passkey.EnforceBlock, AAGUIDs: []string{appleICloud.String()}},
			} {
				profiles = append(profiles, passkey.PasskeyProfile{ID: "p", PasskeyTypes: types, AttestationEnforcement: att, KeyRestrictions: kr})
			}
		}
	}
	admittedSome := 0
	for _, pp := range profiles {
		a := pp.Assurance()
		for _, id := range ids {
			for _, typ := range []passkey.PasskeyType{passkey.DeviceBound, passkey.Synced} {
				for _, att := range []passkey.AttestationEvidence{passkey.AttestationAbsent, passkey.AttestationTrusted} {
					if typ == passkey.Synced && att == passkey.AttestationTrusted {
						continue // synced passkeys carry no attestation
					}
					f := passkey.CredentialFacts{AAGUID: id, Type: typ, Attestation: att}
					p := &passkey.FIDO2Policy{State: passkey.PolicyEnabled, PasskeyProfiles: []passkey.PasskeyProfile{pp},
						IncludeTargets: []passkey.IncludeTarget{{TargetType: passkey.TargetGroup, ID: passkey.AllUsers, AllowedPasskeyProfiles: []string{"p"}}}}
					if !p.Evaluate(passkey.Subject{UserID: "u"}, f).Admitted {
						continue
					}
					admittedSome++
					got := assurance.Classify(f.Evidence(passkey.Models{})).AAL
					assert.GreaterOrEqual(t, got, a.Lowest, "%+v admitted by %+v below the floor", f, pp)
					assert.LessOrEqual(t, got, a.Highest, "%+v admitted by %+v above the ceiling", f, pp)
				}
			}
		}
	}
	assert.Greater(t, admittedSome, 50, "the grid must admit passkeys to compare")
}

// mdsWith loads a BLOB of these entries, signed by a test root.
func mdsWith(t *testing.T, entries ...mdstest.Authenticator) *mds.BLOB {
	t.Helper()
	s := mdstest.NewSigner(t)
	blob := mdstest.BuildBLOB(t, s, mdstest.Payload{NextUpdate: time.Now().AddDate(0, 1, 0), Entries: entries})
	b, err := mds.Load(blob, mds.Options{Root: s.Root.Certificate})
	require.NoError(t, err)
	return b
}

func TestAssignments(t *testing.T) {
	p, err := passkey.ParseFIDO2Policy([]byte(`{"state":"enabled","defaultPasskeyProfile":"` + profDefault + `",
		"passkeyProfiles":[{"id":"` + profDefault + `","passkeyTypes":"synced,deviceBound"},{"id":"` + profAdmins + `","passkeyTypes":"deviceBound"}],
		"includeTargets":[
			{"targetType":"group","id":"all_users"},
			{"targetType":"group","id":"` + adminsGroup + `","allowedPasskeyProfiles":["` + profAdmins + `"]},
			{"targetType":"group","id":"` + excludedGroup + `"}],
		"excludeTargets":[{"targetType":"group","id":"` + strings.ToUpper(excludedGroup) + `"}]}`))
	require.NoError(t, err)
	as := p.Assignments()
	require.Len(t, as, 3)
	ids := func(a passkey.TargetAssignment) []string {
		var out []string
		for _, sp := range a.Profiles {
			out = append(out, sp.Profile.ID)
		}
		return out
	}
	assert.Equal(t, []string{profDefault}, ids(as[0]), "all users get the default")
	assert.True(t, as[0].ByDefault)
	assert.Empty(t, as[0].ExcludedBy)

	assert.Equal(t, []string{profAdmins}, ids(as[1]), "the admins target brings its own profile; all_users brings the default through target 0, not this one")
	assert.False(t, as[1].ByDefault)

	assert.Equal(t, 2, as[2].Index)
	assert.Equal(t, []int{0}, as[2].ExcludedBy, "the same group excluded, compared without case")
	assert.Empty(t, ids(as[2]), "an excluded target gives nothing")
}

func TestCredentialFactsEvidence(t *testing.T) {
	windowsHello := uuid.MustParse("08987058-cadc-4b81-b6e1-30de50dcbe96")
	blob := mdsWith(t, mdstest.Authenticator{AAGUID: windowsHello, Description: "Windows Hello Hardware Authenticator", KeyProtection: []string{"hardware", "tee"}})
	tests := []struct {
		name   string
		f      passkey.CredentialFacts
		models passkey.Models
		kp     assurance.KeyProtection
		aal    assurance.Level
	}{
		{"attested security key: hardware from the catalog", passkey.CredentialFacts{AAGUID: yubiKey5NFC, Type: passkey.DeviceBound, Attestation: passkey.AttestationTrusted},
			passkey.Models{}, assurance.KeyProtectionHardware, assurance.AAL3},
		// The AAGUID of an unattested passkey is its own claim.
		{"unattested security key: nothing relied on", passkey.CredentialFacts{AAGUID: yubiKey5NFC, Type: passkey.DeviceBound, Attestation: passkey.AttestationAbsent},
			passkey.Models{}, "", assurance.AAL2},
		{"attested, model unknown: AAL2", passkey.CredentialFacts{AAGUID: unlistedKey, Type: passkey.DeviceBound, Attestation: passkey.AttestationTrusted},
			passkey.Models{}, "", assurance.AAL2},
		{"attested platform authenticator, no metadata: AAL2", passkey.CredentialFacts{AAGUID: windowsHello, Type: passkey.DeviceBound, Attestation: passkey.AttestationTrusted},
			passkey.Models{}, "", assurance.AAL2},
		{"attested platform authenticator, metadata says hardware: AAL3", passkey.CredentialFacts{AAGUID: windowsHello, Type: passkey.DeviceBound, Attestation: passkey.AttestationTrusted},
			passkey.Models{MDS: blob}, assurance.KeyProtectionHardware, assurance.AAL3},
		{"synced: AAL2 whatever the model", passkey.CredentialFacts{AAGUID: appleICloud, Type: passkey.Synced, Attestation: passkey.AttestationAbsent},
			passkey.Models{}, "", assurance.AAL2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := tt.f.Evidence(tt.models)
			assert.True(t, ev.UserVerified)
			assert.Equal(t, tt.kp, ev.KeyProtection)
			assert.Equal(t, tt.aal, assurance.Classify(ev).AAL)
		})
	}
}
