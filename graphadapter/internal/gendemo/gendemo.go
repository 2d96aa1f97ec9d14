// Package gendemo generates Northwind Fabrication, the fictional tenant of
// package demo, at any size: the committed demo file (demo.Users users) and
// the large snapshots that tests and benchmarks load. Output depends only on
// GenerateOptions: randomness comes from a PCG generator seeded with Seed,
// and every timestamp is computed from a fixed capture time, never the clock.
package gendemo

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/google/uuid"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/demo"
)

// GenerateOptions says what to generate.
type GenerateOptions struct {
	// Users is the number of users, the fixed accounts included. Fewer than
	// the fixed accounts (about fifteen) gives just those.
	Users int
	// Seed seeds the generator; the same options give the same tenant.
	Seed uint64
}

// CapturedAt is the snapshot time of every generated tenant.
var CapturedAt = time.Date(2026, time.June, 1, 9, 0, 0, 0, time.UTC)

const tenantID = "5c7e2f6a-1d4b-4e8f-9a3c-7b2d1e0f4a58"

// namespace derives fixed ids (groups, passkey profiles) from names, so
// they do not move when the number of users changes.
var namespace = uuid.MustParse("a4b1c2d3-e5f6-4789-8abc-def012345678")

func fixedID(name string) string { return uuid.NewSHA1(namespace, []byte(name)).String() }

// Groups, by the name the generator uses for them.
var (
	groupAllStaff    = fixedID("All Staff")
	groupAdmins      = fixedID("Admins")
	groupContractors = fixedID("Contractors")
	groupBreakGlass  = fixedID("Break Glass")
	groupNewHires    = fixedID("New Hires")
	groupIdentityOps = demo.IdentityOperatorsGroupID
	departments      = []string{"Finance", "Engineering", "Sales", "Operations", "People", "Manufacturing"}
)

// Passkey profile ids: the default one is Graph's fixed id.
const profileDefault = "00000000-0000-0000-0000-000000000001"

var (
	profilePrivileged = fixedID("profile: privileged device-bound")
	profileWorkforce  = fixedID("profile: workforce synced")
)

// Role template ids (graphadapter.PrivilegedRoles).
const (
	roleGlobalAdmin       = "62e90394-69f5-4237-9190-012177145e10"
	rolePrivilegedRole    = "e8611ab8-c189-46e8-94e1-60213ab1f814"
	rolePrivilegedAuth    = "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"
	roleSecurityAdmin     = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	roleAuthPolicyAdmin   = "0526716b-113d-4c15-b2c8-68e3c22b9f80"
	roleConditionalAccess = "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9"
	roleHelpdeskAdmin     = "729827e3-9c14-49f7-bb1b-9608f156bbb8"
	roleUserAdmin         = "fe930be7-5e62-47db-91af-98c3a49a38b1"
)

// Authenticators by AAGUID, all from package catalog's embedded list.
type authenticator struct {
	aaguid, model string
	attested      bool
}

var (
	applePasswords   = authenticator{"fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "Apple Passwords", false}
	googlePasswordMg = authenticator{"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", "Google Password Manager", false}
	onePassword      = authenticator{"bada5566-a7aa-401f-bd96-45619a55120d", "1Password", false}
	bitwarden        = authenticator{"d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden", false}
	yubiKey5NFC      = authenticator{"2fc0579f-8113-47ea-b116-bb5a8db9202a", "YubiKey 5 Series with NFC", true}
	yubiKey5         = authenticator{"ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5 Series", true}
	yubiKey5Ci       = authenticator{"c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "YubiKey 5Ci", true}
	yubiKeyBio       = authenticator{"d8522d9f-575b-4866-88a9-ba99fa02f35b", "YubiKey Bio Series", true}
	feitianBioPass   = authenticator{"77010bd7-212a-4fc9-b236-d2ca5e9d4084", "Feitian BioPass FIDO2 Authenticator", true}
	titanV2          = authenticator{"42b4fb4a-2866-43b2-9bf7-6c6669c2e5d3", "Google Titan Security Key v2", true}
	windowsHello     = authenticator{"08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello", true}
	synced           = []authenticator{applePasswords, applePasswords, applePasswords, applePasswords, googlePasswordMg, googlePasswordMg, googlePasswordMg, onePassword, onePassword, bitwarden}
	deviceBound      = []authenticator{yubiKey5NFC, yubiKey5NFC, yubiKey5, feitianBioPass, titanV2, windowsHello}
)

var firstNames = strings.Fields(`Aisha Ben Carla Dmitri Elena Farid Greta Hugo Ines Jonas Kaito Leila Mateo Nadia Oscar Paula Quentin Rosa Stefan Tara
	Umar Vera Wen Ximena Yusuf Zoe Amara Bruno Chiara Diego Emeka Freya Gabriel Hana Ivan Julia Kofi Lucia Marek Noor`)

var lastNames = strings.Fields(`Abbott Bianchi Castillo Dubois Eklund Fontaine Gallagher Horvath Ibrahim Jansen Kowalski Lindqvist Moreau Nakamura
	Okafor Petrov Quinn Rossi Sato Tanaka Urquhart Varga Weber Xu Yilmaz Zimmermann Alvarez Brennan Costa Delgado`)

type gen struct {
	r      *rand.Rand
	s      *graphadapter.Snapshot
	upns   map[string]int
	groups map[string]*graphadapter.Group
}

// Generate builds the tenant. It panics only if the generator itself is
// wrong (its output fails graphadapter's checks), which the tests rule out.
func Generate(opts GenerateOptions) *graphadapter.Snapshot {
	g := &gen{
		r:      rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		upns:   make(map[string]int),
		groups: make(map[string]*graphadapter.Group),
	}
	g.s = &graphadapter.Snapshot{
		Tenant:     graphadapter.Tenant{ID: tenantID, DisplayName: "Northwind Fabrication"},
		CapturedAt: CapturedAt,
	}
	g.addGroups()
	g.addFixedAccounts()
	for len(g.s.Users) < opts.Users {
		g.addWorker()
	}
	g.s.AuthenticationMethodsPolicy = g.policy()
	g.s.ConditionalAccessPolicies = g.conditionalAccess()
	g.s.AuthenticationStrengthPolicies = g.strengths()
	if err := g.s.Check(); err != nil {
		panic("gendemo: generated snapshot fails its checks: " + err.Error())
	}
	return g.s
}

func (g *gen) addGroups() {
	add := func(id, name string) {
		g.s.Groups = append(g.s.Groups, graphadapter.Group{ID: id, DisplayName: name, Members: []string{}})
	}
	add(groupAllStaff, "All Staff")
	add(groupAdmins, "Admins")
	add(groupContractors, "Contractors")
	add(groupBreakGlass, "Break Glass")
	add(groupNewHires, "New Hires")
	add(groupIdentityOps, "Identity Operators")
	for _, d := range departments {
		add(fixedID(d), d)
	}
	for i := range g.s.Groups {
		g.groups[g.s.Groups[i].ID] = &g.s.Groups[i]
	}
}

func (g *gen) join(userID string, groupIDs ...string) {
	for _, id := range groupIDs {
		grp := g.groups[id]
		grp.Members = append(grp.Members, userID)
	}
}

func (g *gen) uuid() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], g.r.Uint64())
	binary.LittleEndian.PutUint64(b[8:], g.r.Uint64())
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return uuid.UUID(b).String()
}

// credentialID looks like the ids Graph gives FIDO2 methods: base64url.
func (g *gen) credentialID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], g.r.Uint64())
	binary.LittleEndian.PutUint64(b[8:], g.r.Uint64())
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ago returns a time between minDays and maxDays before capture, on a
// whole second.
func (g *gen) ago(minDays, maxDays int) time.Time {
	span := int64(maxDays-minDays) * 86400
	return CapturedAt.Add(-time.Duration(int64(minDays)*86400+g.r.Int64N(span+1)) * time.Second)
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) upn(first, last, suffix string) string {
	base := strings.ToLower(first + "." + last + suffix)
	n := g.upns[base]
	g.upns[base] = n + 1
	if n > 0 {
		base = fmt.Sprintf("%s%d", base, n+1)
	}
	return base + "@" + demo.Domain
}

// phone returns a fictional number in Graph's "+1 nnnnnnnnnn" form, from
// the 555-0100–555-0199 range reserved for fiction.
func (g *gen) phone() string {
	areas := []int{206, 312, 415, 503, 617, 720}
	return fmt.Sprintf("+1 %d55501%02d", areas[g.r.IntN(len(areas))], g.r.IntN(100))
}

// user starts a user; methods are added with the helpers below.
type userBuilder struct {
	g       *gen
	u       graphadapter.User
	created time.Time
}

func (g *gen) newUser(upn, displayName, department, jobTitle string, enabled bool) *userBuilder {
	extra, err := jsonv2.Marshal(struct {
		Department string `json:"department,omitempty"`
		JobTitle   string `json:"jobTitle,omitempty"`
	}{department, jobTitle})
	if err != nil {
		panic(err)
	}
	u := graphadapter.User{
		ID:                g.uuid(),
		UserPrincipalName: upn,
		DisplayName:       displayName,
		AccountEnabled:    &enabled,
		Methods:           []graphadapter.Method{},
	}
	if string(extra) != "{}" {
		u.Unknown = extra
	}
	return &userBuilder{g: g, u: u, created: g.ago(30, 1800)}
}

func (b *userBuilder) add(v any) {
	raw, err := jsonv2.Marshal(v)
	if err != nil {
		panic(err)
	}
	m, err := graphadapter.ParseMethod(raw)
	if err != nil {
		panic("gendemo: " + err.Error())
	}
	b.u.Methods = append(b.u.Methods, m)
}

func (b *userBuilder) since() time.Time {
	days := int(CapturedAt.Sub(b.created).Hours() / 24)
	return b.g.ago(0, max(days, 1))
}

type common struct {
	ODataType       string     `json:"@odata.type"`
	ID              string     `json:"id"`
	DisplayName     string     `json:"displayName,omitempty"`
	CreatedDateTime *time.Time `json:"createdDateTime,omitempty"`
}

func (b *userBuilder) password() {
	t := b.created
	b.add(struct {
		common
		Password *string `json:"password"`
	}{common: common{ODataType: graphadapter.ODataTypePassword, ID: "28c10230-6103-485e-b985-444c60001490", CreatedDateTime: &t}})
}

func (b *userBuilder) passkey(a authenticator, name string) {
	t := b.since()
	level := "notAttested"
	var certs []string
	if a.attested {
		level = "attested"
		certs = []string{fmt.Sprintf("%016x%016x%08x", b.g.r.Uint64(), b.g.r.Uint64(), b.g.r.Uint32())}
	}
	b.add(struct {
		common
		AAGUID           string   `json:"aaGuid"`
		Model            string   `json:"model"`
		AttestationCerts []string `json:"attestationCertificates"`
		AttestationLevel string   `json:"attestationLevel"`
	}{common{graphadapter.ODataTypeFIDO2, b.g.credentialID(), name, &t}, a.aaguid, a.model, nonNil(certs), level})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// phone adds a phone; Graph's fixed ids per phoneType come from
// learn.microsoft.com/graph/api/resources/phoneauthenticationmethod.
func (b *userBuilder) phone(phoneType, smsSignInState string) {
	id := map[string]string{
		"mobile":          "3179e48a-750b-4051-897c-87b9720928f7",
		"alternateMobile": "b6332ec1-7057-4abe-9331-3d72feddfe41",
		"office":          "e37fc753-ff3b-4958-9484-eaa9425c82bc",
	}[phoneType]
	b.add(struct {
		ODataType      string `json:"@odata.type"`
		ID             string `json:"id"`
		PhoneNumber    string `json:"phoneNumber"`
		PhoneType      string `json:"phoneType"`
		SMSSignInState string `json:"smsSignInState"`
	}{graphadapter.ODataTypePhone, id, b.g.phone(), phoneType, smsSignInState})
}

func (b *userBuilder) authenticator(device string) {
	t := b.since()
	b.add(struct {
		common
		DeviceTag       string `json:"deviceTag"`
		PhoneAppVersion string `json:"phoneAppVersion"`
	}{common{graphadapter.ODataTypeAuthenticator, b.g.uuid(), device, &t}, "SoftwareTokenActivated", fmt.Sprintf("6.%d.%d", 2400+b.g.r.IntN(200), b.g.r.IntN(10))})
}

func (b *userBuilder) windowsHello(device, strength string) {
	t := b.since()
	b.add(struct {
		common
		KeyStrength string `json:"keyStrength"`
	}{common{graphadapter.ODataTypeWindowsHello, b.g.uuid(), device, &t}, strength})
}

func (b *userBuilder) platformCredential(device string) {
	t := b.since()
	b.add(struct {
		common
		KeyStrength string `json:"keyStrength"`
		Platform    string `json:"platform"`
	}{common{graphadapter.ODataTypePlatformCredential, b.g.credentialID(), device, &t}, "normal", "macOS"})
}

func (b *userBuilder) softwareOath() {
	t := b.since()
	b.add(struct {
		common
		SecretKey *string `json:"secretKey"`
	}{common: common{ODataType: graphadapter.ODataTypeSoftwareOath, ID: b.g.uuid(), CreatedDateTime: &t}})
}

func (b *userBuilder) hardwareOath() {
	t := b.since()
	b.add(common{graphadapter.ODataTypeHardwareOath, b.g.uuid(), "Shop-floor token", &t})
}

func (b *userBuilder) email(first, last string) {
	b.add(struct {
		ODataType    string `json:"@odata.type"`
		ID           string `json:"id"`
		EmailAddress string `json:"emailAddress"`
	}{graphadapter.ODataTypeEmail, "3ddfcfc8-9383-446f-83cc-3ab9be4be18f", strings.ToLower(first+"."+last) + "@personal.example"})
}

// tap adds a Temporary Access Pass created createdAgo before capture.
func (b *userBuilder) tap(createdAgo time.Duration, lifetimeMinutes int, once bool) {
	created := CapturedAt.Add(-createdAgo)
	end := created.Add(time.Duration(lifetimeMinutes) * time.Minute)
	usable, reason := true, "EnabledByPolicy"
	if !end.After(CapturedAt) {
		usable, reason = false, "Expired"
	}
	b.add(struct {
		common
		TemporaryAccessPass *string   `json:"temporaryAccessPass"`
		StartDateTime       time.Time `json:"startDateTime"`
		LifetimeInMinutes   int       `json:"lifetimeInMinutes"`
		IsUsableOnce        bool      `json:"isUsableOnce"`
		IsUsable            bool      `json:"isUsable"`
		Reason              string    `json:"methodUsabilityReason"`
	}{common{ODataType: graphadapter.ODataTypeTemporaryAccessPass, ID: b.g.uuid(), CreatedDateTime: &created}, nil, created, lifetimeMinutes, once, usable, reason})
}

func (b *userBuilder) done(groupIDs ...string) string {
	b.g.s.Users = append(b.g.s.Users, b.u)
	b.g.join(b.u.ID, groupIDs...)
	return b.u.ID
}

func (g *gen) assign(principalID, roleTemplateID string) {
	var b [24]byte
	for i := 0; i < 24; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], g.r.Uint64())
	}
	g.s.RoleAssignments = append(g.s.RoleAssignments, graphadapter.RoleAssignment{
		ID:               base64.RawURLEncoding.EncodeToString(b[:]) + "-1",
		PrincipalID:      principalID,
		RoleDefinitionID: roleTemplateID,
		DirectoryScopeID: "/",
	})
}

// addFixedAccounts adds the break-glass accounts, the administrators and
// the accounts that carry the deliberate problems listed in package demo.
func (g *gen) addFixedAccounts() {
	for i, key := range []authenticator{yubiKey5NFC, yubiKeyBio} {
		upn := []string{demo.BreakGlass1, demo.BreakGlass2}[i]
		b := g.newUser(upn, fmt.Sprintf("Break Glass %02d", i+1), "", "Emergency access account", true)
		b.password()
		b.passkey(key, "Safe "+string(rune('A'+i)))
		id := b.done(groupBreakGlass)
		g.assign(id, roleGlobalAdmin)
	}

	admin := func(upn, name, title string, role string, build func(b *userBuilder)) string {
		b := g.newUser(upn, name, "Operations", title, true)
		build(b)
		id := b.done(groupAllStaff, groupAdmins, fixedID("Operations"))
		if role != "" {
			g.assign(id, role)
		}
		return id
	}
	// A Global Administrator on a synced passkey with SMS: problem.
	admin(demo.GlobalAdminSyncedPasskey, "Dana Whitfield", "Head of IT", roleGlobalAdmin, func(b *userBuilder) {
		b.password()
		b.passkey(applePasswords, "iPhone")
		b.phone("mobile", "ready")
	})
	admin("malik.oyelaran@"+demo.Domain, "Malik Oyelaran", "Identity Engineer", rolePrivilegedRole, func(b *userBuilder) {
		b.password()
		b.passkey(yubiKey5, "YubiKey")
		b.authenticator("Pixel 8")
		b.windowsHello("NWF-LT-0412", "normal")
	})
	admin("priya.raman@"+demo.Domain, "Priya Raman", "Identity Engineer", rolePrivilegedAuth, func(b *userBuilder) {
		b.password()
		b.passkey(yubiKey5Ci, "YubiKey 5Ci")
		b.windowsHello("NWF-LT-0388", "normal")
	})
	// Security Administrator with password and SMS only: problem.
	admin(demo.SecurityAdminSMSOnly, "Tomas Eriksen", "Security Lead", roleSecurityAdmin, func(b *userBuilder) {
		b.password()
		b.phone("mobile", "notEnabled")
	})
	admin("grace.liang@"+demo.Domain, "Grace Liang", "Identity Architect", roleAuthPolicyAdmin, func(b *userBuilder) {
		b.password()
		b.passkey(windowsHello, "Windows Hello")
		b.windowsHello("NWF-LT-0107", "normal")
		b.authenticator("iPhone 15")
	})
	admin("samuel.adeyemi@"+demo.Domain, "Samuel Adeyemi", "Security Engineer", roleConditionalAccess, func(b *userBuilder) {
		b.password()
		b.passkey(feitianBioPass, "BioPass")
		b.authenticator("Galaxy S24")
	})
	// Helpdesk Administrator with Authenticator and SMS: problem (SMS).
	admin(demo.HelpdeskAdminSMS, "Helen Brooks", "Service Desk Lead", roleHelpdeskAdmin, func(b *userBuilder) {
		b.password()
		b.authenticator("iPhone 13")
		b.phone("mobile", "notEnabled")
	})
	// Identity Operators: User Administrator through a role-assignable
	// group, members on synced passkeys.
	for _, p := range [][2]string{{"Oliver", "Haas"}, {"Nina", "Petrova"}} {
		upn := g.upn(p[0], p[1], "")
		admin(upn, p[0]+" "+p[1], "Identity Operator", "", func(b *userBuilder) {
			b.password()
			b.passkey(onePassword, "1Password")
			b.authenticator("Pixel 7")
		})
		g.join(g.s.Users[len(g.s.Users)-1].ID, groupIdentityOps)
	}
	g.assign(groupIdentityOps, roleUserAdmin)

	// New hire on a TAP only, in Engineering: problem.
	b := g.newUser(demo.NewHireTAPOnly, "Lena Fischer", "Engineering", "Process Engineer", true)
	b.created = CapturedAt.Add(-3 * time.Hour)
	b.tap(2*time.Hour, 480, true)
	b.done(groupAllStaff, groupNewHires, fixedID("Engineering"))

	// Contractor with a 30-day multi-use TAP: problem.
	b = g.newUser(demo.ContractorLongTAP, "Ravi Menon (Contractor)", "Manufacturing", "Automation Contractor", true)
	b.password()
	b.phone("mobile", "notEnabled")
	b.tap(5*24*time.Hour, 43200, false)
	b.done(groupContractors, fixedID("Manufacturing"))
}

var jobTitles = map[string][]string{
	"Finance":       {"Accountant", "Financial Analyst", "Controller", "Payroll Specialist"},
	"Engineering":   {"Mechanical Engineer", "Process Engineer", "Quality Engineer", "Design Engineer"},
	"Sales":         {"Account Manager", "Sales Engineer", "Inside Sales Representative"},
	"Operations":    {"IT Support Technician", "Facilities Coordinator", "Logistics Planner"},
	"People":        {"HR Business Partner", "Recruiter", "Learning Specialist"},
	"Manufacturing": {"Machinist", "Line Supervisor", "Maintenance Technician", "Welder"},
}

// addWorker adds one employee or contractor with a random, realistic mix
// of methods.
func (g *gen) addWorker() {
	first := firstNames[g.r.IntN(len(firstNames))]
	last := lastNames[g.r.IntN(len(lastNames))]
	dept := departments[g.r.IntN(len(departments))]
	titles := jobTitles[dept]
	title := titles[g.r.IntN(len(titles))]
	contractor := g.chance(0.08)
	suffix, name := "", first+" "+last
	if contractor {
		suffix, name, title = ".ext", name+" (Contractor)", "Contractor"
	}
	enabled := !g.chance(0.02)
	b := g.newUser(g.upn(first, last, suffix), name, dept, title, enabled)
	newHire := !contractor && g.chance(0.01)
	if newHire {
		b.created = g.ago(0, 10)
	}

	if contractor {
		b.password()
		if g.chance(0.7) {
			b.phone("mobile", "notEnabled")
		}
		if g.chance(0.3) {
			b.authenticator("Personal phone")
		}
		if g.chance(0.2) {
			b.softwareOath()
		}
		if g.chance(0.1) {
			b.passkey(synced[g.r.IntN(len(synced))], "Passkey")
		}
		b.done(groupContractors, fixedID(dept))
		return
	}

	if g.chance(0.97) {
		b.password()
	}
	if g.chance(0.70) {
		b.authenticator([]string{"iPhone 15", "iPhone 13", "Pixel 8", "Galaxy S23", "Galaxy A54"}[g.r.IntN(5)])
	}
	if g.chance(0.45) {
		state := "notEnabled"
		if g.chance(0.1) {
			state = "ready"
		}
		b.phone("mobile", state)
		if g.chance(0.1) {
			b.phone("alternateMobile", "notSupported")
		}
	}
	if g.chance(0.15) {
		b.email(first, last)
	}
	if g.chance(0.08) {
		b.softwareOath()
	}
	if dept == "Manufacturing" && g.chance(0.08) {
		b.hardwareOath()
	}
	mac := g.chance(0.15)
	if mac {
		b.platformCredential(fmt.Sprintf("NWF-MB-%04d", g.r.IntN(10000)))
	} else if g.chance(0.55) {
		strength := "normal"
		if g.chance(0.03) {
			strength = "weak"
		}
		b.windowsHello(fmt.Sprintf("NWF-LT-%04d", g.r.IntN(10000)), strength)
	}
	if g.chance(0.35) {
		b.passkey(synced[g.r.IntN(len(synced))], "Passkey")
	}
	if g.chance(0.06) {
		b.passkey(deviceBound[g.r.IntN(len(deviceBound))], "Security key")
	}
	groups := []string{groupAllStaff, fixedID(dept)}
	switch {
	case newHire:
		b.tap(time.Duration(g.r.IntN(48)+1)*time.Hour, 480, true)
		groups = append(groups, groupNewHires)
	case g.chance(0.01):
		b.tap(time.Duration(g.r.IntN(90)+2)*24*time.Hour, 60, true) // long expired
	}
	b.done(groups...)
}

func (g *gen) policy() *graphadapter.AuthenticationMethodsPolicy {
	p := &graphadapter.AuthenticationMethodsPolicy{
		ID:                   "authenticationMethodsPolicy",
		DisplayName:          "Authentication Methods Policy",
		Description:          "The tenant-wide policy that controls which authentication methods are allowed in the tenant, authentication method registration requirements, and self-service password reset settings",
		LastModifiedDateTime: ptr(CapturedAt.Add(-9 * 24 * time.Hour)),
		PolicyVersion:        "1.5",
		PolicyMigrationState: "migrationComplete",
		RegistrationEnforcement: &graphadapter.RegistrationEnforcement{
			Campaign: &graphadapter.RegistrationCampaign{
				State:                                  "enabled",
				SnoozeDurationInDays:                   1,
				EnforceRegistrationAfterAllowedSnoozes: ptr(true),
				IncludeTargets: []graphadapter.CampaignTarget{
					{ID: "all_users", TargetType: "group", TargetedAuthenticationMethod: "microsoftAuthenticator"},
				},
				ExcludeTargets: []graphadapter.ExcludeTarget{{ID: groupBreakGlass, TargetType: "group"}},
			},
		},
	}
	for _, doc := range []string{
		// Passkey profiles: device-bound with attestation and an AAGUID
		// allow list for administrators, synced allowed for the workforce.
		// The pilot group (demo.MissingGroupID) was deleted but is still
		// targeted. Field names: learn.microsoft.com/graph/api/resources
		// /fido2authenticationmethodconfiguration and /passkeyprofile.
		fmt.Sprintf(`{
			"@odata.type": "#microsoft.graph.fido2AuthenticationMethodConfiguration",
			"id": "Fido2",
			"state": "enabled",
			"isSelfServiceRegistrationAllowed": true,
			"isAttestationEnforced": false,
			"keyRestrictions": {"isEnforced": false, "enforcementType": "block", "aaGuids": []},
			"defaultPasskeyProfile": %[1]q,
			"passkeyProfiles": [
				{"id": %[1]q, "name": "Default passkey profile", "passkeyTypes": "deviceBound", "attestationEnforcement": "disabled",
				 "keyRestrictions": {"isEnforced": false, "enforcementType": "allow", "aaGuids": []}},
				{"id": %[2]q, "name": "Privileged accounts: device-bound, attested", "passkeyTypes": "deviceBound", "attestationEnforcement": "registrationOnly",
				 "keyRestrictions": {"isEnforced": true, "enforcementType": "allow", "aaGuids": [%[5]q, %[6]q, %[7]q, %[8]q, %[9]q, %[10]q]}},
				{"id": %[3]q, "name": "Workforce: synced or device-bound", "passkeyTypes": "deviceBound,synced", "attestationEnforcement": "disabled",
				 "keyRestrictions": {"isEnforced": false, "enforcementType": "allow", "aaGuids": []}}
			],
			"includeTargets": [
				{"targetType": "group", "id": %[4]q, "isRegistrationRequired": false, "allowedPasskeyProfiles": [%[2]q]},
				{"targetType": "group", "id": %[11]q, "isRegistrationRequired": false, "allowedPasskeyProfiles": [%[2]q]},
				{"targetType": "group", "id": %[12]q, "isRegistrationRequired": false, "allowedPasskeyProfiles": [%[3]q]},
				{"targetType": "group", "id": %[13]q, "isRegistrationRequired": false, "allowedPasskeyProfiles": [%[3]q]},
				{"targetType": "group", "id": %[14]q, "isRegistrationRequired": false, "allowedPasskeyProfiles": [%[3]q]}
			],
			"excludeTargets": []
		}`, profileDefault, profilePrivileged, profileWorkforce, groupAdmins,
			yubiKey5NFC.aaguid, yubiKey5.aaguid, yubiKey5Ci.aaguid, yubiKeyBio.aaguid, feitianBioPass.aaguid, windowsHello.aaguid,
			groupBreakGlass, groupAllStaff, groupContractors, demo.MissingGroupID),
		// Temporary Access Pass: a 30-day maximum and reusable passes
		// allowed, which is how the contractor's pass came to be.
		`{
			"@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration",
			"id": "TemporaryAccessPass",
			"state": "enabled",
			"defaultLifetimeInMinutes": 60,
			"defaultLength": 8,
			"minimumLifetimeInMinutes": 60,
			"maximumLifetimeInMinutes": 43200,
			"isUsableOnce": false,
			"includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}],
			"excludeTargets": []
		}`,
		`{
			"@odata.type": "#microsoft.graph.microsoftAuthenticatorAuthenticationMethodConfiguration",
			"id": "MicrosoftAuthenticator",
			"state": "enabled",
			"isSoftwareOathEnabled": false,
			"featureSettings": {
				"displayAppInformationRequiredState": {"state": "enabled", "includeTarget": {"targetType": "group", "id": "all_users"}, "excludeTarget": {"targetType": "group", "id": "00000000-0000-0000-0000-000000000000"}},
				"displayLocationInformationRequiredState": {"state": "enabled", "includeTarget": {"targetType": "group", "id": "all_users"}, "excludeTarget": {"targetType": "group", "id": "00000000-0000-0000-0000-000000000000"}}
			},
			"includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false, "authenticationMode": "any"}],
			"excludeTargets": []
		}`,
		// SMS for everyone, sign-in included: privileged users too.
		`{
			"@odata.type": "#microsoft.graph.smsAuthenticationMethodConfiguration",
			"id": "Sms",
			"state": "enabled",
			"includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false, "isUsableForSignIn": true}],
			"excludeTargets": []
		}`,
		`{
			"@odata.type": "#microsoft.graph.voiceAuthenticationMethodConfiguration",
			"id": "Voice",
			"state": "disabled",
			"isOfficePhoneAllowed": false,
			"includeTargets": [],
			"excludeTargets": []
		}`,
		`{
			"@odata.type": "#microsoft.graph.emailAuthenticationMethodConfiguration",
			"id": "Email",
			"state": "enabled",
			"allowExternalIdToUseEmailOtp": "default",
			"includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}],
			"excludeTargets": []
		}`,
		`{
			"@odata.type": "#microsoft.graph.softwareOathAuthenticationMethodConfiguration",
			"id": "SoftwareOath",
			"state": "enabled",
			"includeTargets": [{"targetType": "group", "id": "all_users", "isRegistrationRequired": false}],
			"excludeTargets": []
		}`,
		`{
			"@odata.type": "#microsoft.graph.x509CertificateAuthenticationMethodConfiguration",
			"id": "X509Certificate",
			"state": "disabled",
			"includeTargets": [],
			"excludeTargets": []
		}`,
	} {
		c, err := graphadapter.ParseMethodConfiguration([]byte(doc))
		if err != nil {
			panic("gendemo: " + err.Error())
		}
		p.MethodConfigurations = append(p.MethodConfigurations, c)
	}
	return p
}

func (g *gen) conditionalAccess() []graphadapter.ConditionalAccessPolicy {
	bg1, _ := g.s.UserByUPN(demo.BreakGlass1)
	bg2, _ := g.s.UserByUPN(demo.BreakGlass2)
	var out []graphadapter.ConditionalAccessPolicy
	for _, doc := range []string{
		fmt.Sprintf(`{
			"id": %q,
			"displayName": "CA001: Require phishing-resistant MFA for administrators",
			"createdDateTime": "2025-11-03T10:15:00Z",
			"modifiedDateTime": "2026-04-20T08:30:00Z",
			"state": "enabled",
			"conditions": {
				"clientAppTypes": ["all"],
				"applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": []},
				"users": {"includeUsers": [], "excludeUsers": [%q, %q], "includeGroups": [], "excludeGroups": [],
					"includeRoles": [%q, %q, %q, %q, %q, %q, %q, %q], "excludeRoles": []}
			},
			"grantControls": {"operator": "OR", "builtInControls": [], "customAuthenticationFactors": [], "termsOfUse": [],
				"authenticationStrength": {"id": %q, "displayName": "Phishing-resistant MFA"}},
			"sessionControls": null
		}`, fixedID("CA001"), bg1.ID, bg2.ID, roleGlobalAdmin, rolePrivilegedRole, rolePrivilegedAuth, roleSecurityAdmin,
			roleAuthPolicyAdmin, roleConditionalAccess, roleHelpdeskAdmin, roleUserAdmin, graphadapter.StrengthPhishingResistant),
		fmt.Sprintf(`{
			"id": %q,
			"displayName": "CA002: Require phishing-resistant MFA for Engineering",
			"createdDateTime": "2026-02-10T14:00:00Z",
			"modifiedDateTime": "2026-05-12T09:45:00Z",
			"state": "enabled",
			"conditions": {
				"clientAppTypes": ["all"],
				"applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": []},
				"users": {"includeUsers": [], "excludeUsers": [], "includeGroups": [%q], "excludeGroups": [%q], "includeRoles": [], "excludeRoles": []}
			},
			"grantControls": {"operator": "OR", "builtInControls": [], "customAuthenticationFactors": [], "termsOfUse": [],
				"authenticationStrength": {"id": %q, "displayName": "Phishing-resistant MFA"}},
			"sessionControls": null
		}`, fixedID("CA002"), fixedID("Engineering"), groupBreakGlass, graphadapter.StrengthPhishingResistant),
		fmt.Sprintf(`{
			"id": %q,
			"displayName": "CA003: Require MFA for all users",
			"createdDateTime": "2024-09-01T12:00:00Z",
			"modifiedDateTime": "2025-06-18T16:20:00Z",
			"state": "enabled",
			"conditions": {
				"clientAppTypes": ["all"],
				"applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": []},
				"users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [], "excludeGroups": [%q], "includeRoles": [], "excludeRoles": []}
			},
			"grantControls": {"operator": "OR", "builtInControls": ["mfa"], "customAuthenticationFactors": [], "termsOfUse": []},
			"sessionControls": null
		}`, fixedID("CA003"), groupBreakGlass),
		fmt.Sprintf(`{
			"id": %q,
			"displayName": "CA004: Block legacy authentication",
			"createdDateTime": "2024-09-01T12:05:00Z",
			"modifiedDateTime": "2024-09-01T12:05:00Z",
			"state": "enabledForReportingButNotEnforced",
			"conditions": {
				"clientAppTypes": ["exchangeActiveSync", "other"],
				"applications": {"includeApplications": ["All"], "excludeApplications": [], "includeUserActions": []},
				"users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [], "excludeGroups": [%q], "includeRoles": [], "excludeRoles": []}
			},
			"grantControls": {"operator": "OR", "builtInControls": ["block"], "customAuthenticationFactors": [], "termsOfUse": []},
			"sessionControls": null
		}`, fixedID("CA004"), groupBreakGlass),
	} {
		p, err := graphadapter.ParseConditionalAccessPolicy([]byte(doc))
		if err != nil {
			panic("gendemo: " + err.Error())
		}
		out = append(out, p)
	}
	return out
}

// strengths returns the three built-in authentication strengths as
// learn.microsoft.com/graph/api/authenticationstrengthroot-list-policies
// lists them.
func (g *gen) strengths() []graphadapter.AuthenticationStrengthPolicy {
	var out []graphadapter.AuthenticationStrengthPolicy
	for _, doc := range []string{
		`{"id": "00000000-0000-0000-0000-000000000002", "createdDateTime": "2021-12-01T00:00:00Z", "modifiedDateTime": "2021-12-01T00:00:00Z",
		  "displayName": "Multifactor authentication", "description": "Combinations of methods that satisfy strong authentication, such as a password + SMS",
		  "policyType": "builtIn", "requirementsSatisfied": "mfa",
		  "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush", "temporaryAccessPassOneTime",
		    "temporaryAccessPassMultiUse", "password,microsoftAuthenticatorPush", "password,softwareOath", "password,hardwareOath",
		    "password,x509CertificateSingleFactor", "password,x509CertificateMultiFactor", "password,sms", "password,voice", "federatedMultiFactor",
		    "microsoftAuthenticatorPush,federatedSingleFactor", "softwareOath,federatedSingleFactor", "hardwareOath,federatedSingleFactor",
		    "sms,federatedSingleFactor", "voice,federatedSingleFactor"],
		  "combinationConfigurations": []}`,
		`{"id": "00000000-0000-0000-0000-000000000003", "createdDateTime": "2021-12-01T00:00:00Z", "modifiedDateTime": "2021-12-01T00:00:00Z",
		  "displayName": "Passwordless MFA", "description": "Passwordless methods that satisfy strong authentication, such as Passwordless sign-in with the Microsoft Authenticator",
		  "policyType": "builtIn", "requirementsSatisfied": "mfa",
		  "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor", "deviceBasedPush"],
		  "combinationConfigurations": []}`,
		`{"id": "00000000-0000-0000-0000-000000000004", "createdDateTime": "2021-12-01T00:00:00Z", "modifiedDateTime": "2021-12-01T00:00:00Z",
		  "displayName": "Phishing-resistant MFA", "description": "Phishing-resistant, Passwordless methods for the strongest authentication, such as a FIDO2 security key",
		  "policyType": "builtIn", "requirementsSatisfied": "mfa",
		  "allowedCombinations": ["windowsHelloForBusiness", "fido2", "x509CertificateMultiFactor"],
		  "combinationConfigurations": []}`,
	} {
		p, err := graphadapter.ParseAuthenticationStrengthPolicy([]byte(doc))
		if err != nil {
			panic("gendemo: " + err.Error())
		}
		out = append(out, p)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
