package main

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
)

// policyDir holds the library's Graph policy test vectors.
const policyDir = "../../passkey/testdata/policy"

// Group ids of keytier-rollout.json.
const (
	rolloutAdmins   = "a1000000-0000-4000-8000-000000000001"
	rolloutExcluded = "e1000000-0000-4000-8000-000000000009"
)

func writePolicyFixture(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// decodePolicyJSON decodes out, which must be exactly one JSON value, into v.
func decodePolicyJSON(t *testing.T, out string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	require.NoError(t, dec.Decode(v), "JSON expected: %s", out)
	var extra any
	require.Error(t, dec.Decode(&extra), "exactly one JSON value")
}

// checkJSON mirrors the contract of `keytier policy check --json`.
type checkJSON struct {
	Source   string `json:"source"`
	Valid    bool   `json:"valid"`
	Errors   []struct{ Path, Reason string }
	Warnings []struct{ Path, Reason string }
	State    string `json:"state"`
	Default  string `json:"defaultPasskeyProfile"`
	Legacy   bool   `json:"legacy"`
	Profiles []struct {
		ID                     string `json:"id"`
		Name                   string `json:"name"`
		PasskeyTypes           string `json:"passkeyTypes"`
		AttestationEnforcement string `json:"attestationEnforcement"`
		Default                bool   `json:"default"`
		AssignedBy             []string
		KeyRestrictions        struct {
			IsEnforced      bool   `json:"isEnforced"`
			EnforcementType string `json:"enforcementType"`
			AAGUIDs         []struct {
				AAGUID              string `json:"aaGuid"`
				Authenticator       string `json:"authenticator"`
				KeyProtection       string `json:"keyProtection"`
				KeyProtectionSource string `json:"keyProtectionSource"`
			} `json:"aaGuids"`
		} `json:"keyRestrictions"`
		Assurance struct {
			Lowest, Highest string
			FloorLimits     []string `json:"floorLimits"`
			Why             []string
		} `json:"assurance"`
	} `json:"profiles"`
	IncludeTargets []struct {
		Path, ID, Description string
		DisplayName           string `json:"displayName"`
		Profiles              []string
		ByDefault             bool
		ExcludedBy            []string
	} `json:"includeTargets"`
	ExcludeTargets []struct{ Path, ID, Description string } `json:"excludeTargets"`
}

func TestPolicyCheckDemoGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"policy-check-demo.txt", nil},
		{"policy-check-demo.json", []string{"--json"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"policy", "check"}, tc.args...)...)
			require.Equal(t, exitOK, code, errOut)
			require.Empty(t, errOut)
			path := filepath.Join("testdata", tc.golden)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), out)
		})
	}
}

func TestPolicyCheckDemo(t *testing.T) {
	code, out, _ := runCLI(t, "", "policy", "check")
	require.Equal(t, exitOK, code)
	first, _, _ := strings.Cut(out, "\n")
	assert.Contains(t, first, "embedded demo tenant", "the first line says which policy this is")

	var r checkJSON
	_, out, _ = runCLI(t, "", "policy", "check", "--json")
	decodePolicyJSON(t, out, &r)
	assert.True(t, r.Valid)
	assert.Contains(t, r.Source, "demo tenant")
	require.Len(t, r.Profiles, 3)
	require.Len(t, r.IncludeTargets, 5)
	assert.Equal(t, "Admins", r.IncludeTargets[0].DisplayName, "the demo tenant names its groups")
	assert.Contains(t, r.IncludeTargets[4].Description, "no such group in the demo tenant")
}

func TestPolicyCheckRollout(t *testing.T) {
	file := filepath.Join(policyDir, "keytier-rollout.json")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	for _, args := range [][]string{{file}, {"-"}} {
		code, out, errOut := runCLI(t, string(data), append([]string{"policy", "check", "--json"}, args...)...)
		require.Equal(t, exitOK, code, errOut)
		var r checkJSON
		decodePolicyJSON(t, out, &r)
		assert.True(t, r.Valid)
		assert.Empty(t, r.Errors)
		assert.Equal(t, "enabled", r.State)
		assert.False(t, r.Legacy)
		require.Len(t, r.Profiles, 3)

		def, admins, workforce := r.Profiles[0], r.Profiles[1], r.Profiles[2]
		assert.True(t, def.Default)
		assert.Empty(t, def.AssignedBy, "every target names its profiles")
		assert.Equal(t, []string{"includeTargets.0"}, admins.AssignedBy)
		assert.Equal(t, "registrationOnly", admins.AttestationEnforcement)
		assert.True(t, admins.KeyRestrictions.IsEnforced)
		assert.Equal(t, "allow", admins.KeyRestrictions.EnforcementType)
		require.Len(t, admins.KeyRestrictions.AAGUIDs, 2)
		assert.Contains(t, admins.KeyRestrictions.AAGUIDs[0].Authenticator, "YubiKey")
		assert.Equal(t, "AAL3", admins.Assurance.Highest)
		assert.NotEmpty(t, admins.Assurance.Why)
		// Entra requires user verification, so no profile admits a
		// single-factor (AAL1) passkey. The admins' profile is device-bound,
		// attested, and allows two hardware security keys only: AAL3 for
		// everyone it admits. The workforce's admits synced passkeys.
		assert.Equal(t, "AAL2", workforce.Assurance.Lowest)
		assert.NotEmpty(t, workforce.Assurance.FloorLimits)
		assert.Equal(t, "AAL3", admins.Assurance.Lowest)
		assert.Empty(t, admins.Assurance.FloorLimits)
		for _, a := range admins.KeyRestrictions.AAGUIDs {
			assert.Equal(t, "hardware", a.KeyProtection, a.AAGUID)
			assert.Equal(t, "catalog", a.KeyProtectionSource, a.AAGUID)
		}
		assert.Equal(t, []string{"includeTargets.1"}, workforce.AssignedBy)

		require.Len(t, r.IncludeTargets, 2)
		assert.Equal(t, []string{admins.ID}, r.IncludeTargets[0].Profiles)
		assert.Equal(t, "all_users", r.IncludeTargets[1].ID)
		assert.Equal(t, "all users", r.IncludeTargets[1].Description)
		require.Len(t, r.ExcludeTargets, 1)
		assert.Equal(t, rolloutExcluded, r.ExcludeTargets[0].ID)
	}

	code, out, _ := runCLI(t, "", "policy", "check", file)
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "allow list: only these 2 model(s)")
	assert.Contains(t, out, "block list: every model but these 1")
	assert.Contains(t, out, "excludeTargets.0  group "+rolloutExcluded+" → no passkeys at all")
	assert.Contains(t, out, "Default profile: \"Default passkey profile\"")
}

// demoPrivileged is the index of the demo tenant's privileged profile in
// policy check's report.
const demoPrivileged = 1

// demoPolicyCheck runs keytier policy check --json on the demo tenant with
// args, which must succeed, and checks that the report's demoPrivileged
// profile is the one that enforces attestation.
func demoPolicyCheck(t *testing.T, args ...string) checkJSON {
	t.Helper()
	code, out, errOut := runCLI(t, "", append([]string{"policy", "check", "--json"}, args...)...)
	require.Equal(t, exitOK, code, errOut)
	var r checkJSON
	decodePolicyJSON(t, out, &r)
	require.Len(t, r.Profiles, 3)
	require.Equal(t, "registrationOnly", r.Profiles[demoPrivileged].AttestationEnforcement, "the demo's privileged profile")
	return r
}

// mdsFlags signs a BLOB listing entries with a test root and returns the
// flags that give it to a command: --mds BLOB --mds-root PEM.
func mdsFlags(t *testing.T, entries ...mdstest.Authenticator) []string {
	t.Helper()
	signer := mdstest.NewSigner(t)
	b := mdstest.BuildBLOB(t, signer, mdstest.Payload{NextUpdate: time.Now().AddDate(0, 1, 0), Entries: entries})
	return []string{"--mds", writePolicyFixture(t, "blob.jwt", b),
		"--mds-root", writePolicyFixture(t, "mds-root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: signer.Root.Certificate.Raw}))}
}

// --mds settles what the catalog cannot: the demo tenant's privileged
// profile allows Windows Hello, a platform authenticator of unknown key
// protection, next to hardware security keys.
func TestPolicyCheckMDS(t *testing.T) {
	const windowsHello = "08987058-cadc-4b81-b6e1-30de50dcbe96"
	const yubiKey5NFC = "2fc0579f-8113-47ea-b116-bb5a8db9202a"
	privileged := func(t *testing.T, args ...string) (lowest string, limits []string, kp map[string]string) {
		t.Helper()
		p := demoPolicyCheck(t, args...).Profiles[demoPrivileged]
		kp = map[string]string{}
		for _, a := range p.KeyRestrictions.AAGUIDs {
			kp[a.AAGUID] = a.KeyProtection + "/" + a.KeyProtectionSource
		}
		return p.Assurance.Lowest, p.Assurance.FloorLimits, kp
	}
	// The control: the catalog alone leaves Windows Hello unknown.
	lowest, limits, kp := privileged(t)
	assert.Equal(t, "AAL2", lowest)
	require.Len(t, limits, 1)
	assert.Contains(t, limits[0], windowsHello+" (Windows Hello) has key protection unknown")
	assert.Equal(t, "unknown/", kp[windowsHello])
	assert.Equal(t, "hardware/catalog", kp[yubiKey5NFC])

	lowest, limits, kp = privileged(t, mdsFlags(t, mdstest.Authenticator{AAGUID: uuid.MustParse(windowsHello), Description: "Windows Hello Hardware Authenticator", KeyProtection: []string{"hardware"}})...)
	assert.Equal(t, "AAL3", lowest)
	assert.Empty(t, limits)
	assert.Equal(t, "hardware/FIDO MDS", kp[windowsHello])

	// Metadata outranks the catalog.
	flags := mdsFlags(t,
		mdstest.Authenticator{AAGUID: uuid.MustParse(windowsHello), Description: "Windows Hello Hardware Authenticator", KeyProtection: []string{"hardware"}},
		mdstest.Authenticator{AAGUID: uuid.MustParse(yubiKey5NFC), Description: "a key in software", KeyProtection: []string{"software"}})
	blob, root := flags[1], flags[3]
	lowest, limits, kp = privileged(t, flags...)
	assert.Equal(t, "AAL2", lowest)
	require.Len(t, limits, 1)
	assert.Contains(t, limits[0], yubiKey5NFC+" (a key in software) has key protection software")
	assert.Equal(t, "software/FIDO MDS", kp[yubiKey5NFC])

	code, out, errOut := runCLI(t, "", "policy", "check", "--mds", blob, "--mds-root", writePolicyFixture(t, "other.pem", passkeytest.RootPEM()))
	assert.Equal(t, exitFail, code, "a BLOB under another root is bad input")
	assert.Empty(t, out)
	assert.Contains(t, errOut, "does not chain to the trusted root")
	code, _, errOut = runCLI(t, "", "policy", "check", "--mds-root", root)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--mds-root needs --mds")
	code, _, _ = runCLI(t, "", "policy", "check", "--mds", "/nonexistent/blob.jwt")
	assert.Equal(t, exitUsage, code, "a file that is not there is a wrong command line")
}

func TestPolicyCheckInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, path, stdin string
		wantPath          string
	}{
		{name: "string for a boolean", path: filepath.Join(policyDir, "graph-v1.0-fido2-update-request-2023.invalid.json"), wantPath: "isAttestationEnforced"},
		{name: "AAGUID not canonical", stdin: `{"passkeyProfiles":[{"id":"p1","passkeyTypes":"deviceBound","keyRestrictions":{"isEnforced":true,"enforcementType":"allow","aaGuids":["YubiKey 5"]}}]}`, wantPath: "passkeyProfiles.0.keyRestrictions.aaGuids.0"},
		{name: "unknown profile", stdin: `{"state":"enabled","passkeyProfiles":[{"id":"p1","passkeyTypes":"synced"}],"includeTargets":[{"targetType":"group","id":"all_users","allowedPasskeyProfiles":["p2"]}]}`, wantPath: "includeTargets.0.allowedPasskeyProfiles.0"},
		{name: "not JSON", stdin: `{"state":`, wantPath: "state@9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arg := tc.path
			if arg == "" {
				arg = "-"
			}
			code, out, _ := runCLI(t, tc.stdin, "policy", "check", "--json", arg)
			assert.Equal(t, exitFail, code)
			var r checkJSON
			decodePolicyJSON(t, out, &r)
			assert.False(t, r.Valid)
			require.NotEmpty(t, r.Errors)
			assert.Equal(t, tc.wantPath, r.Errors[0].Path)
			assert.NotEmpty(t, r.Errors[0].Reason)
			assert.Empty(t, r.Profiles)

			code, out, _ = runCLI(t, tc.stdin, "policy", "check", arg)
			assert.Equal(t, exitFail, code)
			assert.Contains(t, out, "✘ invalid")
			if tc.wantPath != "" {
				assert.Contains(t, out, tc.wantPath+": ")
			}
		})
	}
}

func TestPolicyCheckLegacyAndWarnings(t *testing.T) {
	code, out, errOut := runCLI(t, "", "policy", "check", "--json", filepath.Join(policyDir, "graph-v1.0-fido2-get-response.json"))
	require.Equal(t, exitOK, code, errOut)
	var r checkJSON
	decodePolicyJSON(t, out, &r)
	assert.True(t, r.Legacy)
	require.Len(t, r.Profiles, 1)
	assert.Equal(t, passkey.LegacyProfileID, r.Profiles[0].ID)
	assert.Equal(t, "deviceBound", r.Profiles[0].PasskeyTypes, "a policy without profiles admits device-bound passkeys only")

	code, out, _ = runCLI(t, "", "policy", "check", "--json", filepath.Join(policyDir, "keytier-future-values.json"))
	require.Equal(t, exitOK, code)
	r = checkJSON{}
	decodePolicyJSON(t, out, &r)
	require.NotEmpty(t, r.Warnings)
	for _, w := range r.Warnings {
		assert.NotEmpty(t, w.Reason)
	}
	_, out, _ = runCLI(t, "", "policy", "check", filepath.Join(policyDir, "keytier-future-values.json"))
	assert.Contains(t, out, "unknown to keytier")
}

func TestPolicyUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no subcommand", []string{"policy"}, "keytier policy check"},
		{"unknown subcommand", []string{"policy", "nope"}, `unknown subcommand "nope"`},
		{"check: two files", []string{"policy", "check", "a", "b"}, "one policy at a time"},
		{"check: missing file", []string{"policy", "check", "/nonexistent/policy.json"}, "no such file"},
		{"check: unknown flag", []string{"policy", "check", "--nope"}, "flag provided but not defined"},
		{"evaluate: no credential", []string{"policy", "evaluate", "--groups", "g"}, "give the CREDENTIAL"},
		{"evaluate: two credentials", []string{"policy", "evaluate", "a", "b"}, "one credential at a time"},
		{"evaluate: both on stdin", []string{"policy", "evaluate", "--policy", "-", "-"}, "cannot both come from standard input"},
		{"evaluate: missing policy", []string{"policy", "evaluate", "--policy", "/nonexistent/p.json", "-"}, "--policy"},
		{"evaluate: unknown demo user", []string{"policy", "evaluate", "--user", "nobody@example.com", "-"}, "not a user of the demo tenant"},
		{"evaluate: incomplete verification", []string{"policy", "evaluate", "--rp-id", "example.com", "-"}, "needs --rp-id, --origin and --challenge"},
		{"evaluate: trust without verification", []string{"policy", "evaluate", "--trust-root", "x.pem", "-"}, "apply to verification"},
		{"evaluate: bad challenge", []string{"policy", "evaluate", "--rp-id", "a", "--origin", "https://a", "--challenge", "!!", "-"}, "--challenge is not base64url"},
		{"allowlist: no BLOB", []string{"policy", "allowlist"}, "--mds BLOB is required"},
		{"allowlist: argument", []string{"policy", "allowlist", "blob.jwt"}, "unexpected argument"},
		{"allowlist: missing BLOB", []string{"policy", "allowlist", "--mds", "/nonexistent/blob.jwt"}, "--mds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			assert.Equal(t, exitUsage, code, "stdout %s stderr %s", out, errOut)
			assert.Contains(t, errOut, tc.stderr)
			assert.Empty(t, out, "usage errors print nothing on stdout")
			if len(tc.args) < 2 || (tc.args[1] != "check" && tc.args[1] != "evaluate") {
				// The dispatcher has no --json, and allowlist's output is
				// always a Graph passkeyProfile.
				return
			}
			// With --json the error is also the one JSON object on stdout.
			code, out, errOut = runCLI(t, "", append(slices.Clone(tc.args), "--json")...)
			assert.Equal(t, exitUsage, code, "stdout %s stderr %s", out, errOut)
			assert.Contains(t, errOut, tc.stderr)
			var r struct {
				Error *struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &r), "exactly one JSON object: %s", out)
			require.NotNil(t, r.Error, "%s", out)
			assert.Equal(t, "usage", r.Error.Code)
			assert.Contains(t, r.Error.Message, tc.stderr)
		})
	}
	code, out, _ := runCLI(t, "", "policy", "help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "keytier policy allowlist")
}

// evaluateJSON mirrors the contract of `keytier policy evaluate --json`.
type evaluateJSON struct {
	Policy   string `json:"policy"`
	Admitted bool   `json:"admitted"`
	By       *struct{ ID, Name string }
	Subject  struct {
		UserID string `json:"userId"`
		Groups []string
		Roles  []struct {
			TemplateID string `json:"templateId"`
			Name       string
			Privileged bool
		}
		ResolvedFrom string `json:"resolvedFrom"`
	} `json:"subject"`
	Credential *struct {
		Source        string `json:"source"`
		Registered    bool   `json:"registered"`
		Verified      bool   `json:"verified"`
		AAGUID        string `json:"aaGuid"`
		Authenticator string `json:"authenticator"`
		PasskeyType   string `json:"passkeyType"`
		Attestation   string `json:"attestation"`
	} `json:"credential"`
	Profiles []struct {
		ID      string `json:"id"`
		Why     string `json:"why"`
		Admits  bool   `json:"admits"`
		Reasons []struct{ Profile, Code, Message string }
	} `json:"profiles"`
	Reasons []struct{ Profile, Code, Message string } `json:"reasons"`
	Notes   []string                                  `json:"notes"`
	Error   *struct {
		Code, Where, Message string
		Problems             []struct{ Path, Reason string }
	} `json:"error"`
}

func (r evaluateJSON) codes() []string {
	var out []string
	for _, reason := range r.Reasons {
		out = append(out, reason.Code)
	}
	return out
}

func evaluateCLI(t *testing.T, stdin string, args ...string) (int, evaluateJSON, string) {
	t.Helper()
	code, out, errOut := runCLI(t, stdin, append([]string{"policy", "evaluate", "--json"}, args...)...)
	var r evaluateJSON
	decodePolicyJSON(t, out, &r)
	return code, r, errOut
}

// graphFIDO2Record is a registered passkey as Graph lists it.
func graphFIDO2Record(aaguid, level string) string {
	return `{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"m1","displayName":"key","aaGuid":"` + aaguid + `","attestationLevel":"` + level + `"}`
}

func TestPolicyEvaluateRegistration(t *testing.T) {
	rollout := filepath.Join(policyDir, "keytier-rollout.json")
	icloud := writePolicyFixture(t, "icloud.json", policySampleRegistration(t, "wasmo-icloud-keychain-none"))

	// A synced passkey for a member of all users: the workforce profile.
	code, r, errOut := evaluateCLI(t, "", "--policy", rollout, icloud)
	require.Equal(t, exitOK, code, errOut)
	assert.True(t, r.Admitted)
	require.NotNil(t, r.By)
	assert.Equal(t, "00000000-0000-0000-0000-000000000003", r.By.ID)
	assert.Empty(t, r.Reasons)
	assert.Equal(t, "registration", r.Credential.Source)
	assert.Equal(t, "synced", r.Credential.PasskeyType)
	assert.Equal(t, "absent", r.Credential.Attestation)

	// An administrator gets both profiles; the privileged one refuses it,
	// with every reason, and the workforce one admits it.
	code, r, _ = evaluateCLI(t, "", "--policy", rollout, "--groups", rolloutAdmins, icloud)
	require.Equal(t, exitOK, code)
	require.Len(t, r.Profiles, 2)
	assert.False(t, r.Profiles[0].Admits)
	var codes []string
	for _, reason := range r.Profiles[0].Reasons {
		codes = append(codes, reason.Code)
	}
	assert.Equal(t, []string{"passkey_type_not_allowed", "aaguid_not_allowed", "attestation_required"}, codes)
	assert.True(t, r.Profiles[1].Admits)
	assert.Empty(t, r.Notes, "no role given")

	// The same user holding a privileged role: admitted, with notes.
	code, r, _ = evaluateCLI(t, "", "--policy", rollout, "--groups", rolloutAdmins, "--roles", "Global Administrator", "--user", "u1", icloud)
	require.Equal(t, exitOK, code)
	assert.Equal(t, "u1", r.Subject.UserID)
	require.Len(t, r.Subject.Roles, 1)
	assert.Equal(t, "62e90394-69f5-4237-9190-012177145e10", r.Subject.Roles[0].TemplateID)
	assert.True(t, r.Subject.Roles[0].Privileged)
	require.Len(t, r.Notes, 2)
	assert.Contains(t, r.Notes[0], "this passkey is synced")
	assert.Contains(t, r.Notes[1], "also admits synced passkeys")

	// Excluded: refused whatever includes the user, exit 1.
	code, r, _ = evaluateCLI(t, "", "--policy", rollout, "--groups", rolloutAdmins+","+rolloutExcluded, icloud)
	assert.Equal(t, exitFail, code)
	assert.False(t, r.Admitted)
	assert.Nil(t, r.By)
	assert.Equal(t, []string{"excluded"}, r.codes())
	assert.Contains(t, r.Reasons[0].Message, "excludeTargets.0")

	// Text: the verdict first, every reason.
	code, out, _ := runCLI(t, "", "policy", "evaluate", "--policy", rollout, "--groups", rolloutExcluded, icloud)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, "✘ refused (1 reason(s))")
	assert.Contains(t, out, "[excluded]")
}

func TestPolicyEvaluateGraphRecord(t *testing.T) {
	rollout := filepath.Join(policyDir, "keytier-rollout.json")
	authenticator := graphFIDO2Record("90a3ccdf-635c-4729-a248-9b709135078f", "notAttested")

	code, r, errOut := evaluateCLI(t, authenticator, "--policy", rollout, "--groups", rolloutAdmins, "-")
	assert.Equal(t, exitFail, code, errOut)
	assert.False(t, r.Admitted)
	assert.Equal(t, "graphMethod", r.Credential.Source)
	assert.True(t, r.Credential.Registered)
	assert.Equal(t, "Microsoft Authenticator for iOS", r.Credential.Authenticator)
	// A registered passkey is judged at sign-in: attestation no longer counts.
	assert.Equal(t, []string{"aaguid_not_allowed", "aaguid_blocked"}, r.codes())
	assert.Equal(t, "00000000-0000-0000-0000-000000000002", r.Reasons[0].Profile)
	assert.Equal(t, "00000000-0000-0000-0000-000000000003", r.Reasons[1].Profile)

	// Detected by aaGuid alone, and inside {"value": ...}.
	yubikey := `{"value":{"id":"m2","aaGuid":"2fc0579f-8113-47ea-b116-bb5a8db9202a","attestationLevel":"attested"}}`
	code, r, errOut = evaluateCLI(t, yubikey, "--policy", rollout, "--groups", rolloutAdmins, "-")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "00000000-0000-0000-0000-000000000002", r.By.ID)
	assert.Equal(t, "trusted", r.Credential.Attestation)

	// A malformed record is invalid input, not a refusal with reasons.
	code, r, _ = evaluateCLI(t, `{"aaGuid":"not-a-guid"}`, "--policy", rollout, "-")
	assert.Equal(t, exitFail, code)
	require.NotNil(t, r.Error)
	assert.Equal(t, string(passkey.CodeAAGUIDInvalid), r.Error.Code)
	assert.Equal(t, "aaGuid", r.Error.Where)

	// Verification flags do not apply to a Graph record.
	code, _, errOut = runCLI(t, yubikey, "policy", "evaluate", "--policy", rollout, "--rp-id", "example.com", "--origin", "https://example.com", "--challenge", "AAAA", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "verification flags apply to a registration")
}

func TestPolicyEvaluateAttestationTrust(t *testing.T) {
	dir, verify := trustFixture(t)
	reg := filepath.Join(dir, "reg.json")
	// A policy whose only profile admits the fixture's attested key.
	pol := writePolicyFixture(t, "policy.json", []byte(`{
		"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
		"id": "Fido2", "state": "enabled",
		"defaultPasskeyProfile": "p-keys",
		"passkeyProfiles": [{"id": "p-keys", "name": "Attested keys", "passkeyTypes": "deviceBound",
			"attestationEnforcement": "registrationOnly",
			"keyRestrictions": {"isEnforced": true, "enforcementType": "allow", "aaGuids": ["6b657974-6965-722d-636c-690000000001"]}}],
		"includeTargets": [{"targetType": "group", "id": "all_users", "allowedPasskeyProfiles": ["p-keys"]}]
	}`))

	// Not verified: the attestation is there but unproven.
	code, r, _ := evaluateCLI(t, "", "--policy", pol, reg)
	assert.Equal(t, exitFail, code)
	assert.Equal(t, []string{"attestation_untrusted"}, r.codes())
	assert.False(t, r.Credential.Verified)

	// Verified without a trust anchor: still untrusted.
	code, r, _ = evaluateCLI(t, "", append([]string{"--policy", pol, reg}, verify...)...)
	assert.Equal(t, exitFail, code)
	assert.Equal(t, []string{"attestation_untrusted"}, r.codes())
	assert.True(t, r.Credential.Verified)

	// With the root, or with the MDS BLOB: admitted.
	for _, trust := range [][]string{
		{"--trust-root", filepath.Join(dir, "attestation-root.pem")},
		{"--mds", filepath.Join(dir, "blob.jwt"), "--mds-root", filepath.Join(dir, "mds-root.pem")},
	} {
		code, r, errOut := evaluateCLI(t, "", append(append([]string{"--policy", pol, reg}, verify...), trust...)...)
		require.Equal(t, exitOK, code, errOut)
		assert.True(t, r.Admitted)
		assert.Equal(t, "trusted", r.Credential.Attestation)
		assert.Equal(t, "p-keys", r.By.ID)
	}

	// A registration that fails verification is not evaluated.
	bad := append([]string{"--policy", pol, reg}, verify...)
	bad[len(bad)-3] = "https://evil.example" // the --origin value
	code, r, _ = evaluateCLI(t, "", bad...)
	assert.Equal(t, exitFail, code)
	require.NotNil(t, r.Error)
	assert.Equal(t, "origin_mismatch", r.Error.Code)
	assert.False(t, r.Admitted)
}

func TestPolicyEvaluateDemoUser(t *testing.T) {
	icloud := writePolicyFixture(t, "icloud.json", policySampleRegistration(t, "wasmo-icloud-keychain-none"))
	code, r, errOut := evaluateCLI(t, "", "--user", "dana.whitfield@northwindfab.example", icloud)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, r.Policy, "demo tenant")
	assert.Equal(t, "demo tenant", r.Subject.ResolvedFrom)
	assert.NotEmpty(t, r.Subject.Groups)
	require.NotEmpty(t, r.Subject.Roles)
	assert.Equal(t, "Global Administrator", r.Subject.Roles[0].Name)
	assert.Equal(t, "Workforce: synced or device-bound", r.By.Name, "the demo's deliberate problem: a Global Administrator on a synced passkey")
	assert.NotEmpty(t, r.Notes)

	// No groups: only all_users targets could include the user, and the demo has none.
	code, r, _ = evaluateCLI(t, "", icloud)
	assert.Equal(t, exitFail, code)
	assert.Equal(t, []string{"not_in_scope"}, r.codes())
}

func TestPolicyEvaluateInvalidInput(t *testing.T) {
	rollout := filepath.Join(policyDir, "keytier-rollout.json")
	code, r, _ := evaluateCLI(t, "not a credential", "--policy", rollout, "-")
	assert.Equal(t, exitFail, code)
	require.NotNil(t, r.Error)
	assert.Equal(t, "encoding_invalid", r.Error.Code)
	assert.Nil(t, r.Credential)

	invalid := filepath.Join(policyDir, "graph-v1.0-fido2-update-request-2023.invalid.json")
	code, r, _ = evaluateCLI(t, graphFIDO2Record("2fc0579f-8113-47ea-b116-bb5a8db9202a", "attested"), "--policy", invalid, "-")
	assert.Equal(t, exitFail, code)
	require.NotNil(t, r.Error)
	assert.Equal(t, "policy_invalid", r.Error.Code)
	require.NotEmpty(t, r.Error.Problems)
	assert.Equal(t, "isAttestationEnforced", r.Error.Problems[0].Path)

	code, out, _ := runCLI(t, graphFIDO2Record("2fc0579f-8113-47ea-b116-bb5a8db9202a", "attested"), "policy", "evaluate", "--policy", invalid, "-")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, out, "isAttestationEnforced: ")
}

func policySampleRegistration(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../internal/samples/real", name+".json"))
	require.NoError(t, err)
	var s struct {
		Registration json.RawMessage `json:"registrationResponse"`
	}
	require.NoError(t, json.Unmarshal(data, &s))
	return s.Registration
}

// AAGUIDs of the allow list BLOB.
var (
	aaguidL2FIPS   = uuid.MustParse("6b657974-6965-722d-0000-000000000001")
	aaguidL1TEE    = uuid.MustParse("6b657974-6965-722d-0000-000000000002")
	aaguidRevoked  = uuid.MustParse("6b657974-6965-722d-0000-000000000003")
	aaguidCompro   = uuid.MustParse("6b657974-6965-722d-0000-000000000004")
	aaguidSynced   = uuid.MustParse("6b657974-6965-722d-0000-000000000005")
	aaguidUncertif = uuid.MustParse("6b657974-6965-722d-0000-000000000006")
	// Device-bound, but its keys are protected by software only.
	aaguidSoftware = uuid.MustParse("6b657974-6965-722d-0000-000000000007")
	// FIPS 140 validated (level 1, a software module) and FIDO L2, software
	// key protection: passes --fips and --min-certification L2, fails
	// --key-protection hardware.
	aaguidFIPSSoft = uuid.MustParse("6b657974-6965-722d-0000-000000000008")
	// FIDO L3, hardware and secure element, no FIPS 140 validation: passes
	// --min-certification L2 and --key-protection hardware, fails --fips.
	aaguidL3NoFIPS = uuid.MustParse("6b657974-6965-722d-0000-000000000009")
)

// allowlistFixture writes a signed BLOB with one authenticator of each kind
// the allow list must tell apart, and its root.
func allowlistFixture(t *testing.T) (blob, root string) {
	t.Helper()
	anchor := []*x509Cert{passkeytest.RootCertificate()}
	fido2 := func(id uuid.UUID, desc string, kp []string, status ...string) mdstest.Authenticator {
		a := mdstest.Authenticator{AAGUID: id, Description: desc, KeyProtection: kp, RootCertificates: anchor}
		for _, s := range status {
			a.Status = append(a.Status, mdstest.Status{Status: s})
		}
		return a
	}
	synced := fido2(aaguidSynced, "Synced provider", []string{"software"})
	synced.MultiDeviceCredentialSupport = "implicit"
	software := fido2(aaguidSoftware, "Software authenticator", []string{"software"}, "FIDO_CERTIFIED_L1")
	software.MultiDeviceCredentialSupport = "unsupported"
	signer := mdstest.NewSigner(t)
	b := mdstest.BuildBLOB(t, signer, mdstest.Payload{
		NextUpdate: time.Now().AddDate(0, 1, 0),
		Entries: []mdstest.Authenticator{
			// Listed in this order on purpose: the output is sorted.
			fido2(aaguidL1TEE, "Phone TEE", []string{"hardware", "tee"}, "FIDO_CERTIFIED_L1"),
			fido2(aaguidL2FIPS, "FIPS key", []string{"hardware", "secure_element"}, "FIDO_CERTIFIED_L2", "FIPS140_CERTIFIED_L2"),
			fido2(aaguidRevoked, "Revoked key", []string{"hardware"}, "FIDO_CERTIFIED_L2", "REVOKED"),
			fido2(aaguidCompro, "Compromised key", []string{"hardware"}, "FIDO_CERTIFIED_L1", "ATTESTATION_KEY_COMPROMISE"),
			synced,
			fido2(aaguidUncertif, "Uncertified key", []string{"hardware"}),
			software,
			fido2(aaguidFIPSSoft, "FIPS software module", []string{"software"}, "FIDO_CERTIFIED_L2", "FIPS140_CERTIFIED_L1"),
			fido2(aaguidL3NoFIPS, "L3 key without FIPS", []string{"hardware", "secure_element"}, "FIDO_CERTIFIED_L3"),
			{KeyIdentifiers: []string{"923881fe2f214ee465484371aeb72e97f5a58e0a"}, Description: "U2F key", RootCertificates: anchor},
		},
	})
	blob = writePolicyFixture(t, "blob.jwt", b)
	root = writePolicyFixture(t, "mds-root.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: signer.Root.Certificate.Raw}))
	return blob, root
}

// allowlistProfileJSON mirrors Graph's passkeyProfile.
type allowlistProfileJSON struct {
	ID                     string `json:"id"`
	Name                   string `json:"name"`
	PasskeyTypes           string `json:"passkeyTypes"`
	AttestationEnforcement string `json:"attestationEnforcement"`
	KeyRestrictions        struct {
		IsEnforced      bool     `json:"isEnforced"`
		EnforcementType string   `json:"enforcementType"`
		AAGUIDs         []string `json:"aaGuids"`
	} `json:"keyRestrictions"`
}

func TestPolicyAllowlist(t *testing.T) {
	blob, root := allowlistFixture(t)
	base := []string{"policy", "allowlist", "--mds", blob, "--mds-root", root}
	ids := func(us ...uuid.UUID) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.String())
		}
		return out
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		// By default only hardware-backed models: the profile is for AAL3,
		// and one software model on its list holds its floor at AAL2.
		{"default", nil, ids(aaguidL2FIPS, aaguidL1TEE, aaguidUncertif, aaguidL3NoFIPS)},
		{"any key protection", []string{"--key-protection", "any"}, ids(aaguidL2FIPS, aaguidL1TEE, aaguidUncertif, aaguidSoftware, aaguidFIPSSoft, aaguidL3NoFIPS)},
		{"L1", []string{"--min-certification", "L1"}, ids(aaguidL2FIPS, aaguidL1TEE, aaguidL3NoFIPS)},
		{"L1, any key protection", []string{"--min-certification", "L1", "--key-protection", "any"}, ids(aaguidL2FIPS, aaguidL1TEE, aaguidSoftware, aaguidFIPSSoft, aaguidL3NoFIPS)},
		// Below L2: the L1 phone, the L1 software authenticator and the
		// uncertified key; L3 is above it.
		{"L2", []string{"--min-certification", "l2"}, ids(aaguidL2FIPS, aaguidL3NoFIPS)},
		{"L3", []string{"--min-certification", "L3"}, ids(aaguidL3NoFIPS)},
		// FIPS whatever the FIDO level; the L3 key has none.
		{"FIPS", []string{"--fips"}, ids(aaguidL2FIPS)},
		{"FIPS, any key protection", []string{"--fips", "--key-protection", "any"}, ids(aaguidL2FIPS, aaguidFIPSSoft)},
		// Hardware whatever the certification; both software entries out.
		{"hardware", []string{"--key-protection", "hardware"}, ids(aaguidL2FIPS, aaguidL1TEE, aaguidUncertif, aaguidL3NoFIPS)},
		{"secure element", []string{"--key-protection", "secure_element"}, ids(aaguidL2FIPS, aaguidL3NoFIPS)},
		{"TEE", []string{"--key-protection", "tee"}, ids(aaguidL1TEE)},
		// The example: every criterion applies.
		{"hardware, FIPS, L2", []string{"--key-protection", "hardware", "--fips", "--min-certification", "L2"}, ids(aaguidL2FIPS)},
		{"hardware, L2", []string{"--key-protection", "hardware", "--min-certification", "L2"}, ids(aaguidL2FIPS, aaguidL3NoFIPS)},
		{"include revoked", []string{"--include-revoked"}, ids(aaguidL2FIPS, aaguidL1TEE, aaguidRevoked, aaguidCompro, aaguidUncertif, aaguidL3NoFIPS)},
		{"exclude-revoked=false", []string{"--exclude-revoked=false"}, ids(aaguidL2FIPS, aaguidL1TEE, aaguidRevoked, aaguidCompro, aaguidUncertif, aaguidL3NoFIPS)},
		// A REVOKED report voids the certification (mds.Entry).
		{"include revoked, certified", []string{"--include-revoked", "--min-certification", "L1"}, ids(aaguidL2FIPS, aaguidL1TEE, aaguidCompro, aaguidL3NoFIPS)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append(append([]string{}, base...), tc.args...)...)
			require.Equal(t, exitOK, code, errOut)
			var p allowlistProfileJSON
			decodePolicyJSON(t, out, &p)
			assert.Equal(t, "deviceBound", p.PasskeyTypes)
			assert.Equal(t, "registrationOnly", p.AttestationEnforcement)
			assert.True(t, p.KeyRestrictions.IsEnforced)
			assert.Equal(t, "allow", p.KeyRestrictions.EnforcementType)
			want := append([]string{}, tc.want...)
			slices.Sort(want)
			assert.Equal(t, want, p.KeyRestrictions.AAGUIDs, "sorted")
			assert.Contains(t, errOut, "left out 1: no AAGUID")
		})
	}

	// What was left out, and why, goes to stderr.
	_, _, errOut := runCLI(t, "", base...)
	assert.Contains(t, errOut, "left out 1: revoked")
	assert.Contains(t, errOut, "left out 1: compromised")
	assert.Contains(t, errOut, "left out 1: synced only")
	assert.Contains(t, errOut, "left out 2: key protection not hardware-backed (key protection software)")
	assert.Contains(t, errOut, "4 of 10 authenticators listed")
	assert.Contains(t, errOut, "no --profile-id")
	_, _, errOut = runCLI(t, "", append(append([]string{}, base...), "-v")...)
	assert.Contains(t, errOut, `key ids 923881fe2f214ee465484371aeb72e97f5a58e0a "U2F key"`)
	assert.Contains(t, errOut, `listed `+aaguidL2FIPS.String()+` "FIPS key"`)

	// Each criterion says on stderr what it left out, and why.
	for _, tc := range []struct {
		args  []string
		lines []string
	}{
		{[]string{"--key-protection", "hardware"}, []string{
			"left out 2: key protection not hardware (key protection software)",
			"4 of 10 authenticators listed"}},
		{[]string{"--fips"}, []string{
			"left out 4: no FIPS 140 certification (no FIPS 140 certification known)",
			"left out 1: key protection not hardware-backed (key protection software)",
			"1 of 10 authenticators listed"}},
		{[]string{"--min-certification", "L2"}, []string{
			"left out 3: certification below FIDO_CERTIFIED_L2 (-v lists each)",
			"2 of 10 authenticators listed"}},
	} {
		code, _, errOut := runCLI(t, "", append(append([]string{}, base...), tc.args...)...)
		require.Equal(t, exitOK, code, errOut)
		for _, l := range tc.lines {
			assert.Contains(t, errOut, l, tc.args)
		}
	}
	_, _, errOut = runCLI(t, "", append(append([]string{}, base...), "-v", "--key-protection", "hardware")...)
	assert.Contains(t, errOut, `left out `+aaguidSoftware.String()+` "Software authenticator": key protection not hardware: key protection software`)
	assert.Contains(t, errOut, `left out `+aaguidFIPSSoft.String()+` "FIPS software module": key protection not hardware: key protection software`)
}

// The profile allowlist prints is one Graph accepts: placed in a policy,
// keytier reads it and it admits exactly the listed, attested keys.
func TestPolicyAllowlistRoundTrip(t *testing.T) {
	blob, root := allowlistFixture(t)
	code, out, errOut := runCLI(t, "", "policy", "allowlist", "--mds", blob, "--mds-root", root,
		"--min-certification", "L2", "--profile-id", rolloutAdminsProfile, "--profile-name", "Admins: certified keys")
	require.Equal(t, exitOK, code, errOut)
	assert.NotContains(t, errOut, "no --profile-id")

	pol := `{"state":"enabled","defaultPasskeyProfile":"` + rolloutAdminsProfile + `","passkeyProfiles":[` + out +
		`],"includeTargets":[{"targetType":"group","id":"all_users","allowedPasskeyProfiles":["` + rolloutAdminsProfile + `"]}]}`
	p, err := passkey.ParseFIDO2Policy([]byte(pol))
	require.NoError(t, err)
	require.Len(t, p.PasskeyProfiles, 1)
	assert.Equal(t, "Admins: certified keys", p.PasskeyProfiles[0].Name)
	assert.Empty(t, p.Warnings())

	listed := passkey.CredentialFacts{AAGUID: aaguidL2FIPS, Type: passkey.DeviceBound, Attestation: passkey.AttestationTrusted}
	assert.True(t, p.Evaluate(passkey.Subject{}, listed).Admitted)
	other := listed
	other.AAGUID = aaguidL1TEE
	d := p.Evaluate(passkey.Subject{}, other)
	assert.False(t, d.Admitted)
	require.Len(t, d.Reasons, 1)
	assert.Equal(t, passkey.ReasonAAGUIDNotAllowed, d.Reasons[0].Code)
}

// rolloutAdminsProfile is a profile id in Graph's form, a GUID.
const rolloutAdminsProfile = "0a0d1115-0000-4000-8000-000000000002"

// A --profile-id no target could name (Graph's allowedPasskeyProfiles holds
// GUIDs) is printed as asked, with a note.
func TestPolicyAllowlistProfileIDNote(t *testing.T) {
	blob, root := allowlistFixture(t)
	code, out, errOut := runCLI(t, "", "policy", "allowlist", "--mds", blob, "--mds-root", root, "--profile-id", "p-admins")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, `"id": "p-admins"`)
	assert.Contains(t, errOut, `--profile-id "p-admins" is not a GUID`)
	_, _, errOut = runCLI(t, "", "policy", "allowlist", "--mds", blob, "--mds-root", root, "--profile-id", rolloutAdminsProfile)
	assert.NotContains(t, errOut, "is not a GUID")
}

func TestPolicyAllowlistRefusals(t *testing.T) {
	blob, root := allowlistFixture(t)
	base := []string{"policy", "allowlist", "--mds", blob, "--mds-root", root}

	// Nothing meets the criteria: no empty allow list is printed.
	code, out, errOut := runCLI(t, "", append(append([]string{}, base...), "--min-certification", "L3+")...)
	assert.Equal(t, exitFail, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "no authenticator meets the criteria")
	assert.Contains(t, errOut, "certification below FIDO_CERTIFIED_L3plus")

	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--min-certification", "L4"}, "want L1, L1+, L2, L2+, L3 or L3+"},
		{[]string{"--key-protection", "software"}, "want hardware, secure_element, tee or any"},
		{[]string{"--include-revoked", "--exclude-revoked"}, "contradict"},
	} {
		code, out, errOut := runCLI(t, "", append(append([]string{}, base...), tc.args...)...)
		assert.Equal(t, exitUsage, code, errOut)
		assert.Empty(t, out)
		assert.Contains(t, errOut, tc.stderr)
	}

	// A BLOB under another root is bad input, not a wrong command line.
	other := writePolicyFixture(t, "other.pem", passkeytest.RootPEM())
	code, _, errOut = runCLI(t, "", "policy", "allowlist", "--mds", blob, "--mds-root", other)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, errOut, "does not chain to the trusted root")
	// So is a BLOB that is not one.
	junk := writePolicyFixture(t, "junk.jwt", []byte("not a BLOB"))
	code, _, errOut = runCLI(t, "", "policy", "allowlist", "--mds", junk, "--mds-root", root)
	assert.Equal(t, exitFail, code, errOut)
	assert.Contains(t, errOut, "--mds")
}

// keytier audit and keytier policy check read the demo's privileged profile
// the same way, with and without FIDO metadata: KT-FIDO2-004 fails exactly
// when policy check's floor for it is below AAL3.
func TestAuditMDSAgreesWithPolicyCheck(t *testing.T) {
	const windowsHello = "08987058-cadc-4b81-b6e1-30de50dcbe96"
	floor := func(t *testing.T, args ...string) string {
		t.Helper()
		return demoPolicyCheck(t, args...).Profiles[demoPrivileged].Assurance.Lowest
	}
	privilegedFindings := func(t *testing.T, args ...string) []string {
		t.Helper()
		code, out, errOut := runCLI(t, "", append([]string{"audit", "--format", "json"}, args...)...)
		require.Equal(t, exitOK, code, errOut)
		var sev []string
		for _, f := range decodeAudit(t, out).Findings {
			if f.Check == "KT-FIDO2-004" {
				sev = append(sev, f.ID+" "+f.Severity)
			}
		}
		return sev
	}
	mdsArgs := mdsFlags(t, mdstest.Authenticator{AAGUID: uuid.MustParse(windowsHello), Description: "Windows Hello Hardware Authenticator", KeyProtection: []string{"hardware", "tpm"}})

	// The control: the catalog alone leaves Windows Hello unknown.
	assert.Equal(t, "AAL2", floor(t))
	assert.Equal(t, []string{"KT-FIDO2-004/Fido2 high"}, privilegedFindings(t))
	// Metadata settles it for both.
	assert.Equal(t, "AAL3", floor(t, mdsArgs...))
	assert.Empty(t, privilegedFindings(t, mdsArgs...))

	code, _, errOut := runCLI(t, "", "audit", "--mds-root", mdsArgs[3])
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--mds-root needs --mds")
	code, _, _ = runCLI(t, "", "audit", "--mds", "/nonexistent/blob.jwt")
	assert.Equal(t, exitUsage, code, "a file that is not there is a wrong command line")
}
