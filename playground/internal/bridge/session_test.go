package bridge

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/internal/samples"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
	"github.com/keytier/keytier/passkey/passkeytest"
	"github.com/keytier/keytier/readiness"
	"github.com/keytier/keytier/tap"
)

// repo is the module root, for the testdata of the packages the bridge
// reads documents with.
var repo = filepath.Join("..", "..", "..")

func readFile(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(append([]string{repo}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// demoConfig is one method configuration of the demo tenant, as Graph
// serves it.
func demoConfig(t testing.TB, id string) []byte {
	t.Helper()
	c, ok := demo.Snapshot().AuthenticationMethodsPolicy.MethodConfiguration(id)
	if !ok {
		t.Fatalf("the demo tenant has no %s configuration", id)
	}
	return c.Raw
}

// setMember returns the JSON object doc with member name set to value.
func setMember(t testing.TB, doc []byte, name string, value any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	if value == nil {
		delete(m, name)
	} else {
		m[name] = value
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetect(t *testing.T) {
	s := getSample(t, "wasmo-icloud-keychain-none")
	var reg map[string]any
	if err := json.Unmarshal(s.Registration, &reg); err != nil {
		t.Fatal(err)
	}
	resp := reg["response"].(map[string]any)
	whole, err := json.Marshal(demo.Snapshot().AuthenticationMethodsPolicy)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		text string
		kind Kind
		code string // "" when Detect has no error
	}{
		{"registration response", string(s.Registration), KindCredential, ""},
		{"attestation object", resp["attestationObject"].(string), KindCredential, ""},
		{"not JSON", "this is not a passkey registration", KindCredential, ""},
		{"empty", "  ", KindCredential, ""},
		{"FIDO2 configuration", string(demoConfig(t, "Fido2")), KindFIDO2Policy, ""},
		{"Graph's FIDO2 GET", string(readFile(t, "passkey", "testdata", "policy", "graph-v1.0-fido2-get-response.json")), KindFIDO2Policy, ""},
		{"whole authenticationMethodsPolicy", string(whole), KindFIDO2Policy, ""},
		{"FIDO2 PATCH without @odata.type", string(setMember(t, demoConfig(t, "Fido2"), "@odata.type", nil)), KindFIDO2Policy, ""},
		{"TAP configuration", string(readFile(t, "tap", "testdata", "policy-graph-get.json")), KindTAPPolicy, ""},
		{"TAP PATCH without @odata.type", string(setMember(t, readFile(t, "tap", "testdata", "policy-graph-get.json"), "@odata.type", nil)), KindTAPPolicy, ""},
		{"tenant snapshot", string(demo.Bytes()), KindSnapshot, ""},
		{"registered passkey record", string(readFile(t, "passkey", "testdata", "policy", "graph-v1.0-fido2method-get-response.json")), KindUnknown, CodeUnsupported},
		{"other configuration", `{"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration", "id": "Sms"}`, KindUnknown, CodeUnsupported},
		{"unknown object", `{"name": "x", "size": 3}`, KindUnknown, CodeUnknownJSON},
		{"list without FIDO2", `[{"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration"}]`, KindUnknown, CodeUnknownJSON},
		{"cut short", `{"passkeyProfiles": [`, KindUnknown, CodeJSONSyntax},
		{"trailing data", `{"id": "Fido2"} {}`, KindUnknown, CodeJSONSyntax},
	} {
		kind, err := Detect(tc.text)
		if kind != tc.kind {
			t.Errorf("%s: kind %s, want %s", tc.name, kind, tc.kind)
		}
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.code != "" && (err == nil || err.Code != tc.code):
			t.Errorf("%s: error %v, want code %s", tc.name, err, tc.code)
		}
	}
}

// TestDetectWhere: a syntax error is placed at its line and column, a
// document of another kind at the member that gave it away.
func TestDetectWhere(t *testing.T) {
	_, err := Detect("{\n  \"id\": \"Fido2\",\n  \"state\": enabled\n}")
	if err == nil || !strings.HasPrefix(err.Where, "line 3, column 12") {
		t.Errorf("syntax error at %v, want line 3, column 12", err)
	}
	_, err = Detect(`{"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration"}`)
	if err == nil || err.Where != "@odata.type" || !strings.Contains(err.Message, "smsAuthenticationMethodConfiguration") {
		t.Errorf("other type: %v, want it named at @odata.type", err)
	}
	_, err = Detect(`{"name": "x", "size": 3}`)
	if err == nil || !strings.Contains(err.Message, "name, size") {
		t.Errorf("unknown object: %v, want its members named", err)
	}
	if _, err := Detect(strings.Repeat(" ", MaxInputSize+1)); err == nil || err.Code != CodeTooLarge {
		t.Errorf("oversized input: %v, want %s", err, CodeTooLarge)
	}
}

func FuzzDetect(f *testing.F) {
	all, err := samples.All()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range all[:min(len(all), 4)] {
		f.Add(string(s.Registration))
	}
	f.Add(string(demoConfig(f, "Fido2")))
	f.Add(string(readFile(f, "tap", "testdata", "policy-graph-get.json")))
	f.Add(`{"tenant": {"id": "t"}, "users": []}`)
	f.Add(`[{"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration"}]`)
	f.Add(`{"value": [1, "x", {"@odata.type": 3}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		kind, err := Detect(text)
		if (kind == KindUnknown) != (err != nil) {
			t.Fatalf("kind %s with error %v: an unknown kind needs a reason, and only it", kind, err)
		}
		if err != nil && err.Message == "" {
			t.Fatal("an error without a message")
		}
		var s Session
		if _, err := s.Analyze(text, Settings{}); err != nil {
			t.Fatalf("Analyze with no settings: %v", err)
		}
	})
}

func getSample(t testing.TB, name string) samples.Sample {
	t.Helper()
	s, err := samples.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sampleSettings(s samples.Sample) Settings {
	return FromSample(s).Settings
}

func TestAnalyzeCredential(t *testing.T) {
	s := getSample(t, "yubico-yubikey-5ci-packed")
	var sess Session
	r, err := sess.Analyze(string(s.Registration), sampleSettings(s))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Analyze(string(s.Registration), sampleSettings(s))
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindCredential || r.Report == nil || summary(*r.Report) != summary(want) {
		t.Errorf("kind %s, report %+v; want the credential's report %s", r.Kind, r.Report, summary(want))
	}
	if _, err := sess.Analyze(string(s.Registration), Settings{RPID: s.RPID}); !errors.Is(err, ErrIncomplete) {
		t.Errorf("incomplete settings: %v, want ErrIncomplete", err)
	}
}

func TestAnalyzeFIDO2Policy(t *testing.T) {
	doc := demoConfig(t, "Fido2")
	p, err := passkey.ParseFIDO2Policy(doc)
	if err != nil {
		t.Fatal(err)
	}
	var sess Session
	r, err := sess.Analyze(string(doc), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindFIDO2Policy || r.Policy == nil || !r.Policy.Valid || r.Error != nil || !r.WhatIf {
		t.Fatalf("kind %s, policy %+v, error %v, whatIf %v", r.Kind, r.Policy, r.Error, r.WhatIf)
	}
	v := r.Policy
	if len(v.Profiles) != len(p.PasskeyProfiles) {
		t.Fatalf("%d profiles shown, the policy has %d", len(v.Profiles), len(p.PasskeyProfiles))
	}
	for i, pp := range p.PasskeyProfiles {
		lo, hi := pp.AALRange()
		got := v.Profiles[i]
		if got.ID != pp.ID || got.Lowest != lo.String() || got.Highest != hi.String() || len(got.Why) == 0 {
			t.Errorf("profile %s: %s–%s, want %s–%s with the reasons", pp.ID, got.Lowest, got.Highest, lo, hi)
		}
		if got.Default != strings.EqualFold(pp.ID, p.DefaultPasskeyProfile) {
			t.Errorf("profile %s: default %v", pp.ID, got.Default)
		}
	}
	if len(v.IncludeTargets) != len(p.IncludeTargets) || len(v.ExcludeTargets) != len(p.ExcludeTargets) {
		t.Errorf("targets %d/%d, policy %d/%d", len(v.IncludeTargets), len(v.ExcludeTargets), len(p.IncludeTargets), len(p.ExcludeTargets))
	}
	// Each include target's profiles are what the library gives a member
	// of that target alone.
	for i, tv := range v.IncludeTargets {
		var want []string
		for _, sp := range p.Assignments()[i].Profiles {
			want = append(want, sp.Profile.ID)
		}
		var got []string
		for _, n := range tv.Profiles {
			got = append(got, n.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: profiles %v, want %v", tv.Path, got, want)
		}
	}

	// The readiness findings follow the policy's settings: a disabled
	// policy is KT-FIDO2-001's.
	checks := func(fs []FindingView) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Check)
		}
		return out
	}
	if slices.Contains(checks(v.Findings), "KT-FIDO2-001") {
		t.Errorf("an enabled policy has finding KT-FIDO2-001: %v", checks(v.Findings))
	}
	r, err = sess.Analyze(string(setMember(t, doc, "state", "disabled")), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(checks(r.Policy.Findings), "KT-FIDO2-001") {
		t.Errorf("a disabled policy has findings %v, want KT-FIDO2-001", checks(r.Policy.Findings))
	}
	for _, c := range checks(r.Policy.Findings) {
		if !strings.HasPrefix(c, "KT-FIDO2-") {
			t.Errorf("a FIDO2 policy alone has finding %s, which is about something else", c)
		}
	}
}

func TestAnalyzeInvalidPolicy(t *testing.T) {
	doc := readFile(t, "passkey", "testdata", "policy", "graph-v1.0-fido2-update-request-2023.invalid.json")
	_, perr := passkey.ParseFIDO2Policy(doc)
	var pe passkey.PolicyErrors
	if !errors.As(perr, &pe) {
		t.Fatalf("ParseFIDO2Policy: %v, want PolicyErrors", perr)
	}
	var sess Session
	r, err := sess.Analyze(string(doc), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindFIDO2Policy || r.Policy.Valid || r.WhatIf {
		t.Fatalf("kind %s, valid %v, whatIf %v", r.Kind, r.Policy.Valid, r.WhatIf)
	}
	if r.Error == nil || r.Error.Code != CodePolicyInvalid || r.Error.Where != pe[0].Path {
		t.Errorf("error %+v, want %s at %q", r.Error, CodePolicyInvalid, pe[0].Path)
	}
	if len(r.Policy.Errors) != len(pe) {
		t.Errorf("%d errors shown, ParseFIDO2Policy found %d", len(r.Policy.Errors), len(pe))
	}
}

func TestAnalyzeTAPPolicy(t *testing.T) {
	snap := demo.Snapshot()
	full := readiness.Run(snap, readiness.Options{})
	doc := demoConfig(t, tap.PolicyID)
	p, err := tap.ParsePolicy(doc)
	if err != nil {
		t.Fatal(err)
	}
	var sess Session
	r, err := sess.Analyze(string(doc), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindTAPPolicy || r.TAP == nil || !r.TAP.Valid || r.Error != nil {
		t.Fatalf("kind %s, tap %+v, error %v", r.Kind, r.TAP, r.Error)
	}
	v := r.TAP
	if v.EntropyBits != tap.EntropyBits(p.DefaultLength) || v.DefaultLength != p.DefaultLength ||
		v.MaximumLifetimeInMinutes != p.MaximumLifetimeInMinutes || v.IsUsableOnce != p.IsUsableOnce {
		t.Errorf("view %+v does not match the policy %+v", v, p)
	}
	if len(v.Settings) == 0 {
		t.Error("no setting is explained")
	}
	// Every finding about the policy alone is one the whole tenant's audit
	// also reports.
	inFull := map[string]bool{}
	for _, f := range full.Findings {
		inFull[f.Check] = true
	}
	if len(v.Findings) == 0 {
		t.Error("the demo TAP policy (reusable, 30 days) has no findings")
	}
	for _, f := range v.Findings {
		if !inFull[f.Check] || !strings.HasPrefix(f.Check, "KT-TAP-") {
			t.Errorf("finding %s for the TAP policy alone; the tenant's audit has %v", f.Check, inFull)
		}
	}

	r, err = sess.Analyze(string(setMember(t, doc, "defaultLength", 4)), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Error == nil || r.Error.Code != CodePolicyInvalid || r.Error.Where != "defaultLength" {
		t.Errorf("length 4: error %+v, want %s at defaultLength", r.Error, CodePolicyInvalid)
	}
}

func TestAnalyzeSnapshot(t *testing.T) {
	snap := demo.Snapshot()
	want := readiness.Run(snap, readiness.Options{})
	var sess Session
	r, err := sess.Analyze(string(demo.Bytes()), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindSnapshot || r.Snapshot == nil || r.Error != nil || !r.WhatIf {
		t.Fatalf("kind %s, error %v, whatIf %v", r.Kind, r.Error, r.WhatIf)
	}
	v := r.Snapshot
	if v.Users != len(snap.Users) || v.TenantName != snap.Tenant.DisplayName || len(v.Directory) != len(snap.Users) {
		t.Errorf("tenant %q with %d users (%d listed), want %q with %d", v.TenantName, v.Users, len(v.Directory), snap.Tenant.DisplayName, len(snap.Users))
	}
	if v.Summary.ByAAL != want.Summary.ByAAL || v.Summary.PasswordlessCoverage != want.Summary.PasswordlessCoverage {
		t.Errorf("summary %+v, readiness gives %+v", v.Summary, want.Summary)
	}
	if len(v.Findings) != len(want.Findings) {
		t.Fatalf("%d findings, readiness gives %d", len(v.Findings), len(want.Findings))
	}
	several := 0
	for i, f := range want.Findings {
		g := v.Findings[i]
		if g.ID != f.ID || g.Severity != string(f.Severity) || g.Remediation != f.Remediation.Description || g.UserCount != len(f.Users) {
			t.Errorf("finding %d: %+v, want %s", i, g, f.ID)
		}
		if !reflect.DeepEqual(g.Requests, f.Remediation.Requests()) && (len(g.Requests) != 0 || len(f.Remediation.Requests()) != 0) {
			t.Errorf("finding %s: %d Graph requests, readiness gives %d", f.ID, len(g.Requests), len(f.Remediation.Requests()))
		}
		if len(f.Remediation.Requests()) > 1 {
			several++
		}
	}
	if several == 0 {
		t.Error("no demo finding has a fix of several Graph calls; the test shows nothing about them")
	}
	if v.Policy == nil || !v.Policy.Valid || v.TAP == nil {
		t.Error("the snapshot's FIDO2 and TAP policies are not shown")
	}

	// A broken snapshot is refused at the path Load names.
	bad := setMember(t, demo.Bytes(), "tenant", map[string]any{"displayName": "no id"})
	_, lerr := graphadapter.Load(bad)
	var ge *graphadapter.Error
	if !errors.As(lerr, &ge) {
		t.Fatalf("Load: %v", lerr)
	}
	r, err = sess.Analyze(string(bad), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindSnapshot || r.Error == nil || r.Error.Code != CodeSnapshot || r.Error.Where != ge.Path {
		t.Errorf("broken snapshot: kind %s, error %+v; want %s at %q", r.Kind, r.Error, CodeSnapshot, ge.Path)
	}
}

func TestWhatIf(t *testing.T) {
	var sess Session
	icloud := getSample(t, "wasmo-icloud-keychain-none")
	if _, err := sess.WhatIf(WhatIfRequest{Credential: string(icloud.Registration)}); !errors.Is(err, ErrNoPolicy) {
		t.Fatalf("before a policy: %v, want ErrNoPolicy", err)
	}
	snap := demo.Snapshot()
	if _, err := sess.Analyze(string(demo.Bytes()), Settings{}); err != nil {
		t.Fatal(err)
	}
	c, _ := snap.AuthenticationMethodsPolicy.MethodConfiguration("Fido2")
	p, err := passkey.ParseFIDO2Policy(c.Raw)
	if err != nil {
		t.Fatal(err)
	}
	yubikey := getSample(t, "yubico-yubikey-5ci-packed")

	// The named users first, then everyone until both answers were seen.
	upns := []string{demo.GlobalAdminSyncedPasskey, demo.NewHireTAPOnly, demo.SecurityAdminSMSOnly, demo.BreakGlass1}
	for _, u := range snap.Users {
		upns = append(upns, u.UserPrincipalName)
	}
	var admitted, refused int
	for i, upn := range upns {
		if i >= 4 && admitted > 0 && refused > 0 {
			break
		}
		u, ok := snap.UserByUPN(upn)
		if !ok {
			t.Fatalf("no user %s", upn)
		}
		subject := passkey.Subject{UserID: u.ID}
		for _, g := range snap.GroupsOf(u.ID) {
			subject.GroupIDs = append(subject.GroupIDs, g.ID)
		}
		for _, s := range []samples.Sample{icloud, yubikey} {
			got, err := sess.WhatIf(WhatIfRequest{UserID: upn, Credential: string(s.Registration), Settings: sampleSettings(s)})
			if err != nil {
				t.Fatal(err)
			}
			opts, err := sampleSettings(s).Options()
			if err != nil {
				t.Fatal(err)
			}
			cred, err := passkey.Verify(s.Registration, *opts)
			if err != nil {
				t.Fatalf("%s: %v", s.Name, err)
			}
			want := p.Evaluate(subject, passkey.CredentialFactsOf(cred))
			if got.Admitted != want.Admitted || len(got.Reasons) != len(want.Reasons) {
				t.Errorf("%s with %s: admitted %v (%d reasons), Evaluate gives %v (%d)", upn, s.Name, got.Admitted, len(got.Reasons), want.Admitted, len(want.Reasons))
			}
			if !want.Admitted && got.ReasonCode != string(want.Reasons[0].Code) {
				t.Errorf("%s with %s: reason code %q, want %q", upn, s.Name, got.ReasonCode, want.Reasons[0].Code)
			}
			if got.Subject.UPN != upn || len(got.Subject.Groups) != len(subject.GroupIDs) {
				t.Errorf("%s: subject %+v", upn, got.Subject)
			}
			if got.Admitted {
				admitted++
			} else {
				refused++
			}
		}
	}
	if admitted == 0 || refused == 0 {
		t.Errorf("%d admitted, %d refused: the cases no longer cover both answers", admitted, refused)
	}
	ga, err := sess.WhatIf(WhatIfRequest{UserID: demo.GlobalAdminSyncedPasskey, Credential: string(icloud.Registration), Settings: sampleSettings(icloud)})
	if err != nil {
		t.Fatal(err)
	}
	if !ga.Subject.Privileged {
		t.Errorf("the Global Administrator is not seen as privileged: %+v", ga.Subject)
	}

	if _, err := sess.WhatIf(WhatIfRequest{UserID: "nobody@example.com", Credential: string(icloud.Registration)}); err == nil {
		t.Error("an unknown user: no error")
	}
	r, err := sess.WhatIf(WhatIfRequest{UserID: demo.NewHireTAPOnly, Credential: "not a credential"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Admitted || r.ReasonCode != ReasonUnreadable || r.Error == nil {
		t.Errorf("an unreadable credential: %+v", r)
	}
	if _, err := sess.WhatIf(WhatIfRequest{Credential: string(demoConfig(t, "Fido2"))}); err == nil {
		t.Error("a policy as the credential: no error")
	}
}

// TestWhatIfPolicyGroups: with a policy alone, the groups chosen decide
// which profiles apply.
func TestWhatIfPolicyGroups(t *testing.T) {
	doc := demoConfig(t, "Fido2")
	p, err := passkey.ParseFIDO2Policy(doc)
	if err != nil {
		t.Fatal(err)
	}
	var sess Session
	r, err := sess.Analyze(string(doc), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	icloud := getSample(t, "wasmo-icloud-keychain-none")
	opts, _ := sampleSettings(icloud).Options()
	cred, err := passkey.Verify(icloud.Registration, *opts)
	if err != nil {
		t.Fatal(err)
	}
	answers := map[bool]bool{}
	for _, g := range r.Policy.Groups {
		got, err := sess.WhatIf(WhatIfRequest{Groups: []string{g.ID}, Roles: []string{"Global Administrator"},
			Credential: string(icloud.Registration), Settings: sampleSettings(icloud)})
		if err != nil {
			t.Fatal(err)
		}
		want := p.Evaluate(passkey.Subject{GroupIDs: []string{g.ID}}, passkey.CredentialFactsOf(cred))
		if got.Admitted != want.Admitted {
			t.Errorf("group %s: admitted %v, Evaluate gives %v", g.ID, got.Admitted, want.Admitted)
		}
		if len(got.Subject.Roles) != 1 || got.Subject.Roles[0].ID != "62e90394-69f5-4237-9190-012177145e10" {
			t.Errorf("role by name: %+v", got.Subject.Roles)
		}
		answers[got.Admitted] = true
	}
	if !answers[true] || !answers[false] {
		t.Errorf("the policy's groups give only %v for a synced passkey; the case no longer covers both", answers)
	}
}

func TestCompare(t *testing.T) {
	l, r := getSample(t, "wasmo-icloud-keychain-none"), getSample(t, "yubico-yubikey-5ci-packed")
	var sess Session
	c, err := sess.Compare(Side{Text: string(l.Registration), Settings: sampleSettings(l)}, Side{Text: string(r.Registration), Settings: sampleSettings(r)})
	if err != nil {
		t.Fatal(err)
	}
	wl, _ := Analyze(string(l.Registration), sampleSettings(l))
	wr, _ := Analyze(string(r.Registration), sampleSettings(r))
	if summary(c.Left) != summary(wl) || summary(c.Right) != summary(wr) {
		t.Errorf("sides %s | %s, want %s | %s", summary(c.Left), summary(c.Right), summary(wl), summary(wr))
	}
	i := slices.IndexFunc(c.Differences, func(d Difference) bool { return d.Aspect == "passkey type" })
	if i < 0 || c.Differences[i].Left != string(wl.Credential.PasskeyType) || c.Differences[i].Right != string(wr.Credential.PasskeyType) {
		t.Errorf("differences %+v, want the passkey types %s and %s", c.Differences, wl.Credential.PasskeyType, wr.Credential.PasskeyType)
	}
	same, err := sess.Compare(Side{Text: string(l.Registration), Settings: sampleSettings(l)}, Side{Text: string(l.Registration), Settings: sampleSettings(l)})
	if err != nil {
		t.Fatal(err)
	}
	if len(same.Differences) != 0 {
		t.Errorf("a credential differs from itself: %+v", same.Differences)
	}
	if _, err := sess.Compare(Side{Text: string(demoConfig(t, "Fido2"))}, Side{Text: string(r.Registration)}); err == nil {
		t.Error("a policy on one side: no error")
	}
}

// TestLoadMDS: a packed attestation from passkeytest's CA is trusted once
// an MDS BLOB lists the model with that CA as its root, and not before.
func TestLoadMDS(t *testing.T) {
	aaguid := uuid.MustParse("8c7f5d1e-2f0a-4b7e-9c1d-6a5b4c3d2e1f")
	a, err := passkeytest.New(passkeytest.Options{AAGUID: aaguid, Attestation: passkeytest.AttestationPacked})
	if err != nil {
		t.Fatal(err)
	}
	challenge := bytes.Repeat([]byte{7}, 32)
	reg, err := a.Register(passkeytest.RegisterOptions{RPID: "example.com", Origin: "https://example.com", Challenge: challenge, UserVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	st := Settings{RPID: "example.com", Origin: "https://example.com", Challenge: base64.RawURLEncoding.EncodeToString(challenge)}

	var sess Session
	trusted := func() bool {
		t.Helper()
		r, err := sess.Analyze(string(reg.JSON), st)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Report.OK {
			t.Fatalf("the registration does not verify: %+v", r.Report.Error)
		}
		return r.Report.Credential.Attestation.Trusted
	}
	if trusted() {
		t.Fatal("trusted without an MDS BLOB")
	}

	signer := mdstest.NewSigner(t)
	blob := mdstest.BuildBLOB(t, signer, mdstest.Payload{
		NextUpdate: time.Now().AddDate(0, 1, 0),
		Entries: []mdstest.Authenticator{{AAGUID: aaguid, Description: "passkeytest authenticator",
			KeyProtection: []string{"hardware"}, RootCertificates: []*x509.Certificate{passkeytest.RootCertificate()}}},
	})
	rootPEM := pemOf(signer.Root.Certificate.Raw)

	if _, err := sess.LoadMDS(blob, nil); err == nil {
		t.Error("a test BLOB verifies against FIDO's production root")
	}
	if _, err := sess.LoadMDS(blob, []byte("not PEM")); err == nil {
		t.Error("a root that is not PEM: no error")
	}
	if _, err := sess.LoadMDS([]byte("not a BLOB"), rootPEM); err == nil {
		t.Error("a BLOB that is not a JWT: no error")
	} else {
		var me *mds.Error
		if !errors.As(err, &me) {
			t.Errorf("error %v is not an *mds.Error", err)
		}
	}
	info, err := sess.LoadMDS(blob, rootPEM)
	if err != nil {
		t.Fatal(err)
	}
	if info.Entries != 1 || info.Stale {
		t.Errorf("info %+v", info)
	}
	if !trusted() {
		t.Error("not trusted with the BLOB that lists its root")
	}
	sess.ClearMDS()
	if trusted() {
		t.Error("still trusted after ClearMDS")
	}
}

func pemOf(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
