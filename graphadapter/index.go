package graphadapter

import "strings"

// index answers the lookups readiness checks make for every user. Check
// builds it once, in time linear in users + memberships + assignments.
type index struct {
	users  map[string]int // user id → position in Users
	upns   map[string]int // lower-cased userPrincipalName → position in Users
	groups map[string]int // group id → position in Groups
	// The positions of the groups listing user u are
	// groupsOf[groupsAt[u]:groupsAt[u+1]]: two slices for all users rather
	// than a slice per user.
	groupsAt []int32
	groupsOf []int32
	// assignedTo: principal id → positions in RoleAssignments.
	assignedTo map[string][]int
}

// buildIndex builds the index; users, upns and groups may be passed in when
// the caller (Check) has built them already.
func buildIndex(s *Snapshot, users, upns, groups map[string]int) *index {
	if users == nil {
		users = make(map[string]int, len(s.Users))
		for i := range s.Users {
			users[s.Users[i].ID] = i
		}
	}
	if upns == nil {
		upns = make(map[string]int, len(s.Users))
		for i := range s.Users {
			if upn := s.Users[i].UserPrincipalName; upn != "" {
				upns[strings.ToLower(upn)] = i
			}
		}
	}
	if groups == nil {
		groups = make(map[string]int, len(s.Groups))
		for i := range s.Groups {
			groups[s.Groups[i].ID] = i
		}
	}
	idx := &index{
		users:      users,
		upns:       upns,
		groups:     groups,
		assignedTo: make(map[string][]int, len(s.RoleAssignments)),
	}

	// Two passes over the memberships: count each user's groups, then
	// place them. A member listed twice in one group counts once; members
	// that are not users are left out.
	member := func(gi int, id string, last []int32) (int, bool) {
		ui, ok := users[id]
		if !ok || last[ui] == int32(gi+1) {
			return 0, false
		}
		last[ui] = int32(gi + 1)
		return ui, true
	}
	last := make([]int32, len(s.Users))
	at := make([]int32, len(s.Users)+1)
	for gi := range s.Groups {
		for _, id := range s.Groups[gi].Members {
			if ui, ok := member(gi, id, last); ok {
				at[ui+1]++
			}
		}
	}
	for u := range len(s.Users) {
		at[u+1] += at[u]
	}
	of := make([]int32, at[len(s.Users)])
	next := last // reused: last[ui] is only compared with gi+1 below
	clear(next)
	fill := make([]int32, len(s.Users))
	copy(fill, at)
	for gi := range s.Groups {
		for _, id := range s.Groups[gi].Members {
			if ui, ok := member(gi, id, next); ok {
				of[fill[ui]] = int32(gi)
				fill[ui]++
			}
		}
	}
	idx.groupsAt, idx.groupsOf = at, of

	for ai := range s.RoleAssignments {
		p := s.RoleAssignments[ai].PrincipalID
		idx.assignedTo[p] = append(idx.assignedTo[p], ai)
	}
	return idx
}

// groupsOfUser returns the positions of the groups listing userID.
func (idx *index) groupsOfUser(userID string) []int32 {
	ui, ok := idx.users[userID]
	if !ok {
		return nil
	}
	return idx.groupsOf[idx.groupsAt[ui]:idx.groupsAt[ui+1]]
}

// index returns the index, building it for a snapshot that was never
// checked.
func (s *Snapshot) index() *index {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx == nil {
		s.idx = buildIndex(s, nil, nil, nil)
	}
	return s.idx
}

// UserByID returns the user with the given object id.
func (s *Snapshot) UserByID(id string) (*User, bool) {
	i, ok := s.index().users[id]
	if !ok {
		return nil, false
	}
	return &s.Users[i], true
}

// UserByUPN returns the user with the given userPrincipalName, compared
// without regard to case as Entra compares sign-in names.
func (s *Snapshot) UserByUPN(upn string) (*User, bool) {
	i, ok := s.index().upns[strings.ToLower(upn)]
	if !ok {
		return nil, false
	}
	return &s.Users[i], true
}

// GroupByID returns the group with the given object id.
func (s *Snapshot) GroupByID(id string) (*Group, bool) {
	i, ok := s.index().groups[id]
	if !ok {
		return nil, false
	}
	return &s.Groups[i], true
}

// GroupsOf returns the groups that list userID among their members, in
// snapshot order.
func (s *Snapshot) GroupsOf(userID string) []*Group {
	pos := s.index().groupsOfUser(userID)
	out := make([]*Group, len(pos))
	for i, gi := range pos {
		out[i] = &s.Groups[gi]
	}
	return out
}

// MembersOf returns the users of the snapshot that groupID lists, in member
// order; member ids that are not users of the snapshot are left out (Check
// warned about them). It returns nil for an unknown group.
func (s *Snapshot) MembersOf(groupID string) []*User {
	idx := s.index()
	gi, ok := idx.groups[groupID]
	if !ok {
		return nil
	}
	members := s.Groups[gi].Members
	out := make([]*User, 0, len(members))
	seen := make(map[int]struct{}, len(members))
	for _, id := range members {
		ui, ok := idx.users[id]
		if !ok {
			continue
		}
		if _, dup := seen[ui]; dup {
			continue
		}
		seen[ui] = struct{}{}
		out = append(out, &s.Users[ui])
	}
	return out
}

// RolesOf returns the role assignments that apply to userID: those made to
// the user directly, then those made to a group that lists the user (Entra
// lets roles be assigned to role-assignable groups; their members hold the
// role). An inherited assignment keeps the group as its PrincipalID.
func (s *Snapshot) RolesOf(userID string) []RoleAssignment {
	idx := s.index()
	var out []RoleAssignment
	for _, ai := range idx.assignedTo[userID] {
		out = append(out, s.RoleAssignments[ai])
	}
	for _, gi := range idx.groupsOfUser(userID) {
		for _, ai := range idx.assignedTo[s.Groups[gi].ID] {
			out = append(out, s.RoleAssignments[ai])
		}
	}
	return out
}

// PrivilegedRolesOf returns the privileged roles (PrivilegedRoles) userID
// holds, directly or through a group, each once, in PrivilegedRoles order.
func (s *Snapshot) PrivilegedRolesOf(userID string) []Role {
	held := make(map[string]bool)
	for _, a := range s.RolesOf(userID) {
		held[a.RoleDefinitionID] = true
	}
	var out []Role
	for _, r := range privilegedRoles {
		if held[r.TemplateID] {
			out = append(out, r)
		}
	}
	return out
}
