package readiness

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/catalog"
)

// The remediations that change the passkey policy are built here: each
// starts from the tenant's FIDO2 configuration, edits a copy, and becomes a
// PATCH only when the edited policy introduces no problem Validate finds
// and sends back none (fido2Fix.patch). Those that move users between
// groups check first that the move changes nothing else keytier can see
// (membershipChangeSafe).

// MaxMembersPerRequest is the most members one Microsoft Graph request may
// add to a group: "When using the API to add multiple members in one
// request, you can add up to only 20 members" (learn.microsoft.com/graph/
// api/group-post-members). A fix that adds more users sends one PATCH
// /groups/{id} with members@odata.bind per 20.
const MaxMembersPerRequest = 20

// maxPasskeyProfiles is how many passkey profiles Entra supports, the
// default profile included: "Up to three passkey profiles, including the
// Default passkey profile, are supported" (learn.microsoft.com/entra/
// identity/authentication/how-to-authentication-passkey-profiles, "Enable
// passkey profiles"). A fix that would need a fourth changes an existing
// profile or is left to the administrator.
const maxPasskeyProfiles = 3

// defaultProfileID is the id Entra gives the default passkey profile when a
// policy migrates to profiles (Graph's fido2AuthenticationMethodConfiguration
// update example, v1.0).
const defaultProfileID = "00000000-0000-0000-0000-000000000001"

// profileNamespace names the profiles keytier proposes: a profile's id is
// the name-based UUID (RFC 9562 §5.5, version 5) of the tenant id and the
// profile's purpose, so the same audit proposes the same id and a target in
// the same PATCH can refer to it. Graph's passkeyProfile resource lists id
// as required (resources/passkeyprofile, v1.0), its update example sends
// the profiles with their ids, and allowedPasskeyProfiles hold GUIDs: the
// client names a new profile.
var profileNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/keytier/keytier/readiness#passkeyProfile"))

func (e *env) profileID(purpose string) string {
	return uuid.NewSHA1(profileNamespace, []byte(e.s.Tenant.ID+"/"+purpose)).String()
}

func ptr[T any](v T) *T { return &v }

// fido2Fix is the tenant's FIDO2 configuration being edited into the PATCH
// that fixes a finding.
type fido2Fix struct {
	e *env
	p passkey.FIDO2Policy
	// profiles and targets say which collections the fix changed; only
	// those are sent.
	profiles, targets bool
	// cleanTargets and cleanProfiles say what sanitize removed.
	cleanTargets, cleanProfiles bool
}

// cleanedNote tells the administrator what the PATCH leaves out that the
// tenant's policy has.
func (x *fido2Fix) cleanedNote() string {
	if (x.targets && x.cleanTargets) || (x.profiles && x.cleanProfiles) {
		return " The PATCH leaves out what names nothing: targets of groups that do not exist (KT-REF-001), references to profiles that do not exist and malformed AAGUIDs (KT-FIDO2-000)."
	}
	return ""
}

// newFIDO2Fix copies the tenant's FIDO2 configuration without the
// references that cannot be right (sanitize). Nil when the configuration is
// missing or unreadable.
func (e *env) newFIDO2Fix() *fido2Fix {
	if e.fido2 == nil {
		return nil
	}
	// A deep copy through Graph's JSON: the model keeps unknown members, so
	// they are sent back as they were.
	b, err := e.fido2.MarshalJSON()
	if err != nil {
		return nil
	}
	x := &fido2Fix{e: e}
	if x.p.UnmarshalJSON(b) != nil {
		return nil
	}
	x.sanitize()
	return x
}

// sanitize removes what no PATCH may send back: targets without an id or
// naming a group the snapshot does not hold (KT-REF-001), profile
// references that name no profile (a target left without any gets the
// default profile, which Entra assigns to a target that names none), and
// AAGUIDs that are malformed or repeated unless removing them would empty
// an enforced allow list. Everything else stays as written.
func (x *fido2Fix) sanitize() {
	p := &x.p
	ids := map[string]string{}
	for _, pp := range p.PasskeyProfiles {
		if k := strings.ToLower(pp.ID); k != "" {
			if _, dup := ids[k]; !dup {
				ids[k] = pp.ID
			}
		}
	}
	def := ids[strings.ToLower(p.DefaultPasskeyProfile)]
	if p.IncludeTargets != nil {
		kept := []passkey.IncludeTarget{}
		for _, t := range p.IncludeTargets {
			if t.ID == "" || x.e.missingGroup(target{ID: t.ID, TargetType: string(t.TargetType)}) {
				continue
			}
			if len(t.AllowedPasskeyProfiles) > 0 {
				var refs []string
				for _, r := range t.AllowedPasskeyProfiles {
					id, ok := ids[strings.ToLower(r)]
					if ok && !slices.ContainsFunc(refs, func(s string) bool { return strings.EqualFold(s, id) }) {
						refs = append(refs, id)
					}
				}
				if len(refs) == 0 && def != "" {
					refs = []string{def}
				}
				x.cleanTargets = x.cleanTargets || !slices.Equal(refs, t.AllowedPasskeyProfiles)
				t.AllowedPasskeyProfiles = refs
			}
			kept = append(kept, t)
		}
		x.cleanTargets = x.cleanTargets || len(kept) != len(p.IncludeTargets)
		p.IncludeTargets = kept
	}
	if p.ExcludeTargets != nil {
		kept := []passkey.ExcludeTarget{}
		for _, t := range p.ExcludeTargets {
			if t.ID == "" || x.e.missingGroup(target{ID: t.ID, TargetType: string(t.TargetType)}) {
				continue
			}
			kept = append(kept, t)
		}
		x.cleanTargets = x.cleanTargets || len(kept) != len(p.ExcludeTargets)
		p.ExcludeTargets = kept
	}
	for i := range p.PasskeyProfiles {
		x.cleanProfiles = cleanAAGUIDs(p.PasskeyProfiles[i].KeyRestrictions) || x.cleanProfiles
	}
	cleanAAGUIDs(p.KeyRestrictions)
}

// cleanAAGUIDs drops malformed and repeated AAGUIDs and reports whether it
// dropped any.
func cleanAAGUIDs(k *passkey.KeyRestrictions) bool {
	if k == nil || k.AAGUIDs == nil {
		return false
	}
	kept := []string{}
	seen := map[uuid.UUID]bool{}
	for _, s := range k.AAGUIDs {
		if id, err := catalog.ParseAAGUID(s); err == nil && !seen[id] {
			seen[id] = true
			kept = append(kept, s)
		}
	}
	if len(kept) == len(k.AAGUIDs) || (len(kept) == 0 && k.IsEnforced != nil && *k.IsEnforced && k.EnforcementType == passkey.EnforceAllow) {
		return false // nothing to drop, or an enforced allow list would admit nothing: the administrator decides
	}
	k.AAGUIDs = kept
	return true
}

// profile returns the index of the first profile for which ok is true.
func (x *fido2Fix) profile(ok func(passkey.PasskeyProfile) bool) int {
	return slices.IndexFunc(x.p.PasskeyProfiles, ok)
}

// addProfile adds pp unless Entra's limit on profiles is reached; a name
// another profile has gets a suffix, since the admin center shows profiles
// by name.
func (x *fido2Fix) addProfile(pp passkey.PasskeyProfile) bool {
	if len(x.p.PasskeyProfiles) >= maxPasskeyProfiles {
		return false
	}
	base := pp.Name
	for n := 2; slices.ContainsFunc(x.p.PasskeyProfiles, func(q passkey.PasskeyProfile) bool { return strings.EqualFold(q.Name, pp.Name) }); n++ {
		pp.Name = base + " (" + strconv.Itoa(n) + ")"
	}
	x.p.PasskeyProfiles = append(x.p.PasskeyProfiles, pp)
	x.profiles = true
	return true
}

// privilegedProfile returns the id of a profile fit for privileged
// accounts (fitsPrivileged), preferring one whose floor is AAL3, adding one when the policy has none: the
// shape `keytier policy allowlist` emits — device-bound only, attestation
// enforced at registration, an enforced allow list — listing the AAGUIDs of
// the attested device-bound passkeys privileged users already hold, or, when
// they hold none, the hardware security keys of keytier's catalog. "" when
// Entra's limit on profiles leaves no room.
func (x *fido2Fix) privilegedProfile() string {
	if i := x.profile(func(pp passkey.PasskeyProfile) bool { return x.e.floor(pp).aal3 }); i >= 0 {
		return x.p.PasskeyProfiles[i].ID
	}
	if i := x.profile(x.e.fitsPrivileged); i >= 0 {
		return x.p.PasskeyProfiles[i].ID
	}
	pp := passkey.PasskeyProfile{
		ID:                     x.e.profileID("privileged"),
		Name:                   "Privileged accounts: device-bound, attested",
		PasskeyTypes:           passkey.PasskeyTypes(passkey.DeviceBound),
		AttestationEnforcement: passkey.AttestationAtRegistration,
		KeyRestrictions: &passkey.KeyRestrictions{
			IsEnforced:      ptr(true),
			EnforcementType: passkey.EnforceAllow,
			AAGUIDs:         x.e.privilegedAAGUIDs(),
		},
	}
	if !x.addProfile(pp) {
		return ""
	}
	return pp.ID
}

// privilegedAAGUIDs lists, sorted, the AAGUIDs of the device-bound passkeys
// with trusted attestation that enabled privileged users hold, so that none
// of them stops signing in under the new allow list (Entra applies key
// restrictions at sign-in too); when there are none, the catalog's hardware
// security keys.
func (e *env) privilegedAAGUIDs() []string {
	var out []string
	for _, p := range e.privileged() {
		for _, pk := range p.passkeys {
			if pk.facts.Type == passkey.DeviceBound && pk.facts.Attestation == passkey.AttestationTrusted && pk.facts.AAGUID != uuid.Nil {
				out = append(out, pk.facts.AAGUID.String())
			}
		}
	}
	if len(out) == 0 {
		for _, en := range catalog.All() {
			if en.Kind == catalog.KindSecurityKey {
				out = append(out, en.AAGUID.String())
			}
		}
	}
	return sortedUnique(out)
}

// workforceProfile returns the id of a profile that lets the workforce
// register synced passkeys (admitsSyncedRegistration): an existing one, a
// new one, or — when Entra's limit leaves no room — an existing profile that
// is neither the default nor fit for privileged accounts, changed to admit
// synced passkeys. "" when none of these is possible.
func (x *fido2Fix) workforceProfile() string {
	if i := x.profile(admitsSyncedRegistration); i >= 0 {
		return x.p.PasskeyProfiles[i].ID
	}
	pp := passkey.PasskeyProfile{
		ID:   x.e.profileID("workforce"),
		Name: "Workforce: synced or device-bound",
		// Attestation is not enforced: synced passkeys carry none
		// (how-to-authentication-synced-passkeys).
		PasskeyTypes:           passkey.PasskeyTypes(passkey.DeviceBound + "," + passkey.Synced),
		AttestationEnforcement: passkey.AttestationNotEnforced,
		KeyRestrictions:        &passkey.KeyRestrictions{IsEnforced: ptr(false), EnforcementType: passkey.EnforceAllow, AAGUIDs: []string{}},
	}
	if x.addProfile(pp) {
		return pp.ID
	}
	i := x.profile(func(pp passkey.PasskeyProfile) bool {
		return !strings.EqualFold(pp.ID, x.p.DefaultPasskeyProfile) && !x.e.fitsPrivileged(pp)
	})
	if i < 0 {
		return ""
	}
	q := &x.p.PasskeyProfiles[i]
	q.PasskeyTypes = passkey.PasskeyTypes(passkey.DeviceBound + "," + passkey.Synced)
	q.AttestationEnforcement = passkey.AttestationNotEnforced
	if !admitsSyncedRegistration(*q) {
		// An enforced allow list without a synced provider: lifting it
		// widens what may sign in, it locks no one out.
		q.KeyRestrictions = &passkey.KeyRestrictions{IsEnforced: ptr(false), EnforcementType: passkey.EnforceAllow, AAGUIDs: []string{}}
	}
	x.profiles = true
	return q.ID
}

// target returns the include target with the given id, or nil.
func (x *fido2Fix) target(id string) *passkey.IncludeTarget {
	for i := range x.p.IncludeTargets {
		if strings.EqualFold(x.p.IncludeTargets[i].ID, id) {
			return &x.p.IncludeTargets[i]
		}
	}
	return nil
}

// allow assigns profile id to the group's include target, adding the target
// when there is none. replace makes it the target's only profile; otherwise
// it is added to those the target has (the default profile stays when the
// target named none and so had it implicitly).
func (x *fido2Fix) allow(groupID, id string, replace bool) {
	t := x.target(groupID)
	if t == nil {
		x.p.IncludeTargets = append(x.p.IncludeTargets, passkey.IncludeTarget{
			TargetType: passkey.TargetGroup, ID: groupID, IsRegistrationRequired: ptr(false), AllowedPasskeyProfiles: []string{id},
		})
		x.targets = true
		return
	}
	has := slices.ContainsFunc(t.AllowedPasskeyProfiles, func(s string) bool { return strings.EqualFold(s, id) })
	switch {
	case replace && (len(t.AllowedPasskeyProfiles) != 1 || !has):
		t.AllowedPasskeyProfiles = []string{id}
	case replace || has:
		return
	case len(t.AllowedPasskeyProfiles) == 0 && x.p.DefaultPasskeyProfile != "" && !strings.EqualFold(x.p.DefaultPasskeyProfile, id):
		t.AllowedPasskeyProfiles = []string{x.p.DefaultPasskeyProfile, id}
	default:
		t.AllowedPasskeyProfiles = append(t.AllowedPasskeyProfiles, id)
	}
	x.targets = true
}

// patch is the PATCH that sends the collections the fix changed, or nil
// when the edited policy has a problem Validate finds that the tenant's
// policy did not have, or would send back an error the tenant's policy has
// (never an invalid reference). Graph replaces a collection as a whole, so
// each is sent complete.
func (x *fido2Fix) patch() *GraphRequest {
	var members []string
	out := passkey.FIDO2Policy{ODataType: passkey.FIDO2PolicyODataType}
	if x.profiles {
		members = append(members, "passkeyProfiles")
		out.PasskeyProfiles = append([]passkey.PasskeyProfile{}, x.p.PasskeyProfiles...)
		if x.p.DefaultPasskeyProfile != x.e.fido2.DefaultPasskeyProfile {
			members = append(members, "defaultPasskeyProfile")
			out.DefaultPasskeyProfile = x.p.DefaultPasskeyProfile
		}
	}
	if x.targets {
		members = append(members, "includeTargets")
		out.IncludeTargets = append([]passkey.IncludeTarget{}, x.p.IncludeTargets...)
	}
	return x.request(out, members)
}

// patchMembers sends the named collections whatever the fix changed.
func (x *fido2Fix) patchMembers(members ...string) *GraphRequest {
	out := passkey.FIDO2Policy{ODataType: passkey.FIDO2PolicyODataType}
	for _, m := range members {
		switch m {
		case "includeTargets":
			out.IncludeTargets = append([]passkey.IncludeTarget{}, x.p.IncludeTargets...)
		case "excludeTargets":
			out.ExcludeTargets = append([]passkey.ExcludeTarget{}, x.p.ExcludeTargets...)
		case "passkeyProfiles":
			out.PasskeyProfiles = append([]passkey.PasskeyProfile{}, x.p.PasskeyProfiles...)
		case "defaultPasskeyProfile":
			out.DefaultPasskeyProfile = x.p.DefaultPasskeyProfile
		case "keyRestrictions":
			out.KeyRestrictions = x.p.KeyRestrictions
		}
	}
	return x.request(out, members)
}

func (x *fido2Fix) request(out passkey.FIDO2Policy, members []string) *GraphRequest {
	if len(members) == 0 || !x.sound(members) {
		return nil
	}
	b, err := out.MarshalJSON()
	if err != nil {
		return nil
	}
	return &GraphRequest{Method: "PATCH", URL: configURL(configFIDO2), Body: b}
}

// sound reports whether the edited policy may be sent: every problem it
// has, the tenant's policy had too (counted by reason and path, array
// indexes aside, since removing a target moves the ones after it), and no
// error lies within a member being sent.
func (x *fido2Fix) sound(members []string) bool {
	before := map[string]int{}
	for _, pe := range x.e.fido2Problems {
		before[problemKey(pe)]++
	}
	for _, pe := range x.p.Validate() {
		sent := slices.ContainsFunc(members, func(m string) bool { return pe.Path == m || strings.HasPrefix(pe.Path, m+".") })
		if !pe.Warning && sent {
			return false
		}
		k := problemKey(pe)
		if before[k] == 0 {
			return false
		}
		before[k]--
	}
	return true
}

func problemKey(pe *passkey.PolicyError) string {
	parts := strings.Split(pe.Path, ".")
	for i, s := range parts {
		if _, err := strconv.Atoi(s); err == nil {
			parts[i] = "#"
		}
	}
	return strings.Join(parts, ".") + "\x00" + pe.Reason + "\x00" + strconv.FormatBool(pe.Warning)
}

// moved returns a copy of p with the group memberships changed.
func (p *person) moved(add, remove []string) *person {
	q := *p
	q.groupIDs = slices.DeleteFunc(slices.Clone(p.groupIDs), func(id string) bool { return slices.Contains(remove, id) })
	for _, id := range add {
		if !slices.Contains(q.groupIDs, id) {
			q.groupIDs = append(q.groupIDs, id)
		}
	}
	return &q
}

// membershipChangeSafe reports whether moving p into or out of group id
// changes nothing but the passkey policy's scope: the group holds no role
// (membership of a role-assignable group grants its roles), every enabled
// Conditional Access policy applies to p after the move exactly when it did
// before, and so does every other method configuration. Adding a user to a
// group that Conditional Access excludes — an emergency access group — is
// the change this refuses.
func (e *env) membershipChangeSafe(p *person, groupID string, add bool) bool {
	for _, ra := range e.s.RoleAssignments {
		if ra.PrincipalID == groupID {
			return false
		}
	}
	var q *person
	if add {
		q = p.moved([]string{groupID}, nil)
	} else {
		q = p.moved(nil, []string{groupID})
	}
	for i := range e.s.ConditionalAccessPolicies {
		c := &e.s.ConditionalAccessPolicies[i]
		if c.State == "enabled" && caApplies(c, p) != caApplies(c, q) {
			return false
		}
	}
	for id := range e.targets {
		if id != configFIDO2 && e.configEnabledFor(id, p) != e.configEnabledFor(id, q) {
			return false
		}
	}
	return true
}

// addMembers returns the calls that add who to group g (learn.microsoft.com
// /graph/api/group-post-members): POST /groups/{id}/members/$ref for one
// user; otherwise PATCH /groups/{id} with members@odata.bind, at most
// MaxMembersPerRequest members per call. Users are in userPrincipalName
// order.
func addMembers(g *graphadapter.Group, who []*person) []*GraphRequest {
	who = slices.Clone(who)
	sort.Slice(who, func(i, j int) bool { return who[i].upn() < who[j].upn() })
	ref := func(p *person) string { return graphBase + "/directoryObjects/" + p.u.ID }
	if len(who) == 1 {
		return []*GraphRequest{postJSON(graphBase+"/groups/"+g.ID+"/members/$ref", map[string]any{"@odata.id": ref(who[0])})}
	}
	var out []*GraphRequest
	for chunk := range slices.Chunk(who, MaxMembersPerRequest) {
		refs := make([]string, len(chunk))
		for i, p := range chunk {
			refs[i] = ref(p)
		}
		out = append(out, patch(graphBase+"/groups/"+g.ID, map[string]any{"members@odata.bind": refs}))
	}
	return out
}

// removeMember is DELETE /groups/{id}/members/{id}/$ref
// (learn.microsoft.com/graph/api/group-delete-members).
func removeMember(groupID, userID string) *GraphRequest {
	return &GraphRequest{Method: "DELETE", URL: graphBase + "/groups/" + groupID + "/members/" + userID + "/$ref"}
}

// groupCover returns groups whose enabled members all fit (fit(nil) decides
// for members that are not enabled users of the snapshot) and which
// together hold every one of who, in snapshot order; nil when no such set
// exists.
func (e *env) groupCover(who []*person, fit func(*person) bool) []*graphadapter.Group {
	left := map[string]bool{}
	var candidates []string
	for _, p := range who {
		left[p.u.ID] = true
		for _, id := range p.groupIDs {
			if !slices.Contains(candidates, id) {
				candidates = append(candidates, id)
			}
		}
	}
	var cover []*graphadapter.Group
	for i := range e.s.Groups {
		g := &e.s.Groups[i]
		if !slices.Contains(candidates, g.ID) {
			continue
		}
		members := e.s.MembersOf(g.ID)
		if len(members) == 0 {
			continue
		}
		fits, adds := true, false
		for _, m := range members {
			if !fit(e.byID[m.ID]) {
				fits = false
				break
			}
			adds = adds || left[m.ID]
		}
		if !fits || !adds {
			continue
		}
		cover = append(cover, g)
		for _, m := range members {
			delete(left, m.ID)
		}
	}
	if len(left) > 0 {
		return nil
	}
	return cover
}

func isPrivileged(p *person) bool { return p != nil && len(p.privileged) > 0 }

func notPrivileged(p *person) bool { return p == nil || len(p.privileged) == 0 }

func groupNames(gs []*graphadapter.Group) []string {
	out := make([]string, 0, len(gs))
	for _, g := range gs {
		name := g.DisplayName
		if name == "" {
			name = g.ID
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
