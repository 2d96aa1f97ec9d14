package bridge

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
)

// ErrNoPolicy is returned by WhatIf before a FIDO2 policy (or a snapshot
// with one) was analyzed.
var ErrNoPolicy = errors.New("load a FIDO2 policy or a tenant snapshot first: the what-if panel asks its passkey policy")

// WhatIfRequest is a user and a credential to put to the session's policy.
type WhatIfRequest struct {
	// UserID picks a user of the loaded snapshot (id or userPrincipalName),
	// whose groups and roles the snapshot gives. With a policy alone it
	// matches user targets.
	UserID string `json:"userId"`
	// Groups and Roles are object ids and role template ids (or privileged
	// role names); with a snapshot user they are added to the user's own.
	Groups []string `json:"groups"`
	Roles  []string `json:"roles"`
	// Credential is a registration response or attestation object, checked
	// with Settings as Analyze checks it.
	Credential string   `json:"credential"`
	Settings   Settings `json:"settings"`
}

// WhatIfResult is the policy's answer (passkey.FIDO2Policy.Evaluate).
type WhatIfResult struct {
	Admitted bool `json:"admitted"`
	// ReasonCode is the first reason's code when refused: a
	// passkey.ReasonCode, or "credential_unreadable" when the credential
	// could not be read or verified (Error says why).
	ReasonCode string           `json:"reasonCode,omitempty"`
	Reasons    []passkey.Reason `json:"reasons"`
	// By is the profile that admits the passkey.
	By         *Named               `json:"by,omitempty"`
	Profiles   []ScopedView         `json:"profiles"`
	Subject    SubjectView          `json:"subject"`
	Credential *FactsView           `json:"credential,omitempty"`
	Notes      []string             `json:"notes"`
	Error      *passkey.ReportError `json:"error,omitempty"`
}

// ReasonUnreadable is WhatIfResult.ReasonCode for a credential that could
// not be read or verified.
const ReasonUnreadable = "credential_unreadable"

// ScopedView is a profile that applies to the subject, and why.
type ScopedView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Why       string `json:"why"`
	ByDefault bool   `json:"byDefault,omitempty"`
	Legacy    bool   `json:"legacy,omitempty"`
}

// SubjectView is the user the decision is about.
type SubjectView struct {
	UserID string  `json:"userId,omitempty"`
	UPN    string  `json:"upn,omitempty"`
	Groups []Named `json:"groups"`
	Roles  []Named `json:"roles"`
	// Privileged: one of the roles is in graphadapter.PrivilegedRoles.
	Privileged bool `json:"privileged"`
}

// FactsView is what the decision knew about the credential.
type FactsView struct {
	Authenticator  string `json:"authenticator,omitempty"`
	AAGUID         string `json:"aaguid"`
	PasskeyType    string `json:"passkeyType"`
	TypeConfidence string `json:"typeConfidence,omitempty"`
	Attestation    string `json:"attestation"`
	Verified       bool   `json:"verified"`
	AAL            string `json:"aal"`
}

// PrivilegedRoleOptions lists the privileged roles for the what-if panel.
func PrivilegedRoleOptions() []Named {
	var out []Named
	for _, r := range graphadapter.PrivilegedRoles() {
		out = append(out, Named{ID: r.TemplateID, Name: r.Name})
	}
	return out
}

// WhatIf asks the session's policy whether it admits req.Credential for
// the user req describes. The error is for requests the page must correct
// (no policy loaded, an unknown user, incomplete settings); a credential
// that cannot be read is a refusal with ReasonUnreadable.
func (s *Session) WhatIf(req WhatIfRequest) (WhatIfResult, error) {
	s.mu.Lock()
	p, snap, blob := s.policy, s.snapshot, s.mds
	s.mu.Unlock()
	if p == nil {
		return WhatIfResult{}, ErrNoPolicy
	}
	subject, sv, err := resolveSubject(snap, req)
	if err != nil {
		return WhatIfResult{}, err
	}
	opts, err := req.Settings.Options()
	if err != nil {
		return WhatIfResult{}, err
	}
	r := WhatIfResult{Reasons: []passkey.Reason{}, Profiles: []ScopedView{}, Subject: sv, Notes: []string{}}

	if kind, _ := Detect(req.Credential); kind != KindCredential {
		return WhatIfResult{}, fmt.Errorf("the what-if credential is a %s, not a registration: pick a sample or analyze a credential", kindName(kind))
	}
	var c *passkey.Credential
	if opts != nil {
		opts.MDS = blob
		c, err = passkey.Verify([]byte(req.Credential), *opts)
	} else {
		c, err = passkey.Inspect([]byte(req.Credential))
	}
	if err != nil {
		r.ReasonCode = ReasonUnreadable
		re := &passkey.ReportError{Code: passkey.CodeOf(err), Message: err.Error()}
		var pe *passkey.Error
		if errors.As(err, &pe) {
			re.Where = pe.Where
		}
		r.Error = re
		return r, nil
	}
	facts := passkey.CredentialFactsOf(c)
	r.Credential = &FactsView{Authenticator: facts.Authenticator, AAGUID: facts.AAGUID.String(), PasskeyType: string(facts.Type),
		TypeConfidence: string(facts.TypeConfidence), Attestation: string(facts.Attestation), Verified: opts != nil,
		AAL: c.Classify().AAL.String()}

	d := p.Evaluate(subject, facts)
	r.Admitted = d.Admitted
	r.Reasons = append(r.Reasons, d.Reasons...)
	if !d.Admitted && len(d.Reasons) > 0 {
		r.ReasonCode = string(d.Reasons[0].Code)
	}
	if d.By != nil {
		r.By = &Named{ID: d.By.Profile.ID, Name: d.By.Profile.Name}
	}
	for _, sp := range d.Profiles {
		r.Profiles = append(r.Profiles, ScopedView{ID: sp.Profile.ID, Name: sp.Profile.Name, Why: sp.Why, ByDefault: sp.ByDefault, Legacy: sp.Legacy})
	}
	if opts == nil {
		r.Notes = append(r.Notes, "The credential was decoded, not verified: its attestation counts as absent. Give the RP ID, origin and challenge (a gallery sample has them) to verify it.")
	}
	if sv.Privileged && d.Admitted && facts.Type == passkey.Synced {
		r.Notes = append(r.Notes, "The user holds a privileged role and the policy admits a synced passkey for them: a synced passkey never reaches AAL3 (SP 800-63B-4 Appendix B). Give privileged users a device-bound profile with attestation and an AAGUID allow list (readiness KT-PRIV-001).")
	}
	return r, nil
}

func kindName(k Kind) string {
	switch k {
	case KindFIDO2Policy:
		return "FIDO2 policy"
	case KindTAPPolicy:
		return "Temporary Access Pass policy"
	case KindSnapshot:
		return "tenant snapshot"
	}
	return "document the playground does not read"
}

// resolveSubject builds the subject from the request, looking the user up
// in snap when there is one.
func resolveSubject(snap *graphadapter.Snapshot, req WhatIfRequest) (passkey.Subject, SubjectView, error) {
	s := passkey.Subject{UserID: strings.TrimSpace(req.UserID)}
	sv := SubjectView{UserID: s.UserID, Groups: []Named{}, Roles: []Named{}}
	groupName := func(id string) string { return "" }
	roles := slices.Clone(req.Roles)
	if snap != nil {
		groupName = func(id string) string {
			if g, ok := snap.GroupByID(id); ok {
				return g.DisplayName
			}
			return ""
		}
		if s.UserID != "" {
			u, ok := snap.UserByID(s.UserID)
			if !ok {
				u, ok = snap.UserByUPN(s.UserID)
			}
			if !ok {
				return s, sv, fmt.Errorf("%q is not a user of the snapshot", s.UserID)
			}
			s.UserID, sv.UserID, sv.UPN = u.ID, u.ID, u.UserPrincipalName
			for _, g := range snap.GroupsOf(u.ID) {
				s.GroupIDs = append(s.GroupIDs, g.ID)
			}
			for _, ra := range snap.RolesOf(u.ID) {
				roles = append(roles, ra.RoleDefinitionID)
			}
			for _, r := range snap.PrivilegedRolesOf(u.ID) {
				roles = append(roles, r.TemplateID)
			}
		}
	}
	for _, g := range req.Groups {
		if g = strings.TrimSpace(g); g != "" && !slices.Contains(s.GroupIDs, g) {
			s.GroupIDs = append(s.GroupIDs, g)
		}
	}
	for _, g := range s.GroupIDs {
		sv.Groups = append(sv.Groups, Named{ID: g, Name: groupName(g)})
	}
	for _, r := range roles {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		n := Named{ID: r}
		if pr, ok := graphadapter.FindPrivilegedRole(r); ok {
			n = Named{ID: pr.TemplateID, Name: pr.Name}
			sv.Privileged = true
		}
		if !slices.Contains(s.RoleTemplateIDs, n.ID) {
			s.RoleTemplateIDs = append(s.RoleTemplateIDs, n.ID)
			sv.Roles = append(sv.Roles, n)
		}
	}
	return s, sv, nil
}
