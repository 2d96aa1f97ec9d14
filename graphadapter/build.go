package graphadapter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// BuildOptions configures BuildSnapshot. The zero value is ready to use;
// BuildSnapshot does not change it.
type BuildOptions struct {
	// Concurrency is how many users' methods are read at once; zero: 8.
	// Graph throttles per tenant and per application: more is not always
	// faster.
	Concurrency int
	// Progress, when set, is called after each step and after each user's
	// methods are read. Calls never overlap, so it need not be safe for
	// concurrent use; it should return quickly.
	Progress func(Progress)
	// Now stamps capturedAt; nil: time.Now.
	Now func() time.Time
}

// Progress says how far BuildSnapshot has come.
type Progress struct {
	Step       BuildStep
	UsersDone  int // users whose methods have been read
	UsersTotal int // users listed so far (all of them once Step is past StepUsers)
	// Requests counts the requests made so far: HTTP requests for a
	// directory that is a RequestCounter, calls to the directory otherwise.
	Requests int
	// Throttled counts the answers that told a RequestCounter to slow
	// down; zero for other directories.
	Throttled int
}

// BuildStep names a step of BuildSnapshot.
type BuildStep string

// The steps, in order.
const (
	StepTenant    BuildStep = "tenant"
	StepPolicy    BuildStep = "authenticationMethodsPolicy"
	StepUsers     BuildStep = "users"
	StepMethods   BuildStep = "authenticationMethods"
	StepGroups    BuildStep = "groups"
	StepRoles     BuildStep = "roleAssignments"
	StepPolicies  BuildStep = "conditionalAccess" // only for a PolicyReader
	StepCheck     BuildStep = "check"
	StepCompleted BuildStep = "completed"
)

// BuildError reports the step of BuildSnapshot that failed and the object
// it was reading ("" when the step reads no single object).
type BuildError struct {
	Step BuildStep
	// ID is the user or group, for StepMethods and StepGroups. When a
	// BatchMethodReader failed, it names the users of the batch: their
	// positions in the listing and first and last ids,
	// "users 41-60 (id … id)".
	ID  string
	Err error
}

func (e *BuildError) Error() string {
	msg := "graphadapter: building a snapshot: " + string(e.Step)
	if e.ID != "" {
		msg += " of " + e.ID
	}
	return msg + ": " + e.Err.Error()
}

func (e *BuildError) Unwrap() error { return e.Err }

// BuildSnapshot reads a whole tenant from dir into a Snapshot: the tenant,
// the authentication methods policy, every user with their methods (read
// opts.Concurrency users at a time), every group with its transitive user
// members, the role assignments and, when dir is also a PolicyReader, the
// Conditional Access and authentication strength policies. The result has
// passed Check.
//
// BuildSnapshot returns a whole snapshot or none: on any error, a
// cancelled ctx included, it returns nil and a *BuildError wrapping the
// cause (errors.Is(err, context.Canceled) reports cancellation). It stops
// as soon as the directory's calls return after ctx is done.
func BuildSnapshot(ctx context.Context, dir DirectoryReader, opts BuildOptions) (*Snapshot, error) {
	b := &builder{dir: dir, opts: opts}
	if b.opts.Concurrency <= 0 {
		b.opts.Concurrency = 8
	}
	if b.opts.Now == nil {
		b.opts.Now = time.Now
	}
	s, err := b.build(ctx)
	if err != nil {
		return nil, err
	}
	return s, nil
}

type builder struct {
	dir  DirectoryReader
	opts BuildOptions

	requests atomic.Int64
	mu       sync.Mutex // serialises Progress
	done     int
	total    int
}

func (b *builder) call() { b.requests.Add(1) }

func (b *builder) report(step BuildStep) {
	if b.opts.Progress == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	p := Progress{Step: step, UsersDone: b.done, UsersTotal: b.total, Requests: int(b.requests.Load())}
	if rc, ok := b.dir.(RequestCounter); ok {
		st := rc.RequestStats()
		p.Requests, p.Throttled = st.Requests, st.Throttled
	}
	b.opts.Progress(p)
}

func (b *builder) build(ctx context.Context) (*Snapshot, error) {
	fail := func(step BuildStep, id string, err error) error {
		var be *BuildError
		if errors.As(err, &be) {
			return be
		}
		// A directory that ignored ctx may return its own error after it
		// was cancelled: report the cancellation, which is what happened.
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		return &BuildError{Step: step, ID: id, Err: err}
	}
	s := &Snapshot{CapturedAt: b.opts.Now().UTC()}

	b.call()
	t, err := b.dir.Tenant(ctx)
	if err != nil {
		return nil, fail(StepTenant, "", err)
	}
	s.Tenant = t
	b.report(StepTenant)

	b.call()
	p, err := b.dir.AuthenticationMethodsPolicy(ctx)
	if err != nil {
		return nil, fail(StepPolicy, "", err)
	}
	s.AuthenticationMethodsPolicy = p
	b.report(StepPolicy)

	b.call()
	err = b.dir.Users(ctx, func(u User) error {
		if len(s.Users) >= MaxUsers {
			return limitError("users", len(s.Users)+1, MaxUsers, "users", "MaxUsers")
		}
		s.Users = append(s.Users, u)
		b.mu.Lock()
		b.total = len(s.Users)
		b.mu.Unlock()
		return ctx.Err()
	})
	if err != nil {
		return nil, fail(StepUsers, "", err)
	}
	b.report(StepUsers)

	if err := b.methods(ctx, s.Users); err != nil {
		return nil, fail(StepMethods, err.id, err.err)
	}

	b.call()
	err = b.dir.Groups(ctx, func(g Group) error {
		if len(s.Groups) >= MaxGroups {
			return limitError("groups", len(s.Groups)+1, MaxGroups, "groups", "MaxGroups")
		}
		s.Groups = append(s.Groups, g)
		return ctx.Err()
	})
	if err != nil {
		return nil, fail(StepGroups, "", err)
	}
	if err := b.members(ctx, s.Groups); err != nil {
		return nil, fail(StepGroups, err.id, err.err)
	}
	b.report(StepGroups)

	b.call()
	ra, err := b.dir.RoleAssignments(ctx)
	if err != nil {
		return nil, fail(StepRoles, "", err)
	}
	s.RoleAssignments = ra
	b.report(StepRoles)

	if pr, ok := b.dir.(PolicyReader); ok {
		b.call()
		ca, err := pr.ConditionalAccessPolicies(ctx)
		if err != nil {
			return nil, fail(StepPolicies, "", err)
		}
		b.call()
		st, err := pr.AuthenticationStrengthPolicies(ctx)
		if err != nil {
			return nil, fail(StepPolicies, "", err)
		}
		s.ConditionalAccessPolicies, s.AuthenticationStrengthPolicies = ca, st
		b.report(StepPolicies)
	}

	if err := ctx.Err(); err != nil {
		return nil, fail(StepCheck, "", err)
	}
	if err := s.Check(); err != nil {
		return nil, fail(StepCheck, "", err)
	}
	b.report(StepCompleted)
	return s, nil
}

type userError struct {
	id  string
	err error
}

// methods reads every user's methods with opts.Concurrency workers, each
// taking one user at a time, or BatchSize users at a time from a
// BatchMethodReader. The first error cancels the others; it is the one
// returned.
func (b *builder) methods(ctx context.Context, users []User) *userError {
	size := 1
	br, batched := b.dir.(BatchMethodReader)
	if batched {
		size = BatchSize
	}
	read := func(ctx context.Context, lo, hi int) *userError {
		b.call()
		var (
			got [][]Method
			err error
		)
		if batched {
			ids := make([]string, hi-lo)
			for i := range ids {
				ids[i] = users[lo+i].ID
			}
			got, err = br.AuthenticationMethodsBatch(ctx, ids)
			if err == nil && len(got) != len(ids) {
				err = fmt.Errorf("the directory returned the methods of %d users for a batch of %d", len(got), len(ids))
			}
		} else {
			var ms []Method
			ms, err = b.dir.AuthenticationMethods(ctx, users[lo].ID)
			got = [][]Method{ms}
		}
		if err != nil {
			return &userError{batchID(users, lo, hi, batched), err}
		}
		for i, ms := range got {
			if len(ms) > MaxMethodsPerUser {
				err := limitError(indexPath("users", lo+i)+".authenticationMethods", len(ms), MaxMethodsPerUser, "methods", "MaxMethodsPerUser")
				return &userError{users[lo+i].ID, err}
			}
			if ms == nil {
				ms = []Method{}
			}
			users[lo+i].Methods = ms
		}
		b.mu.Lock()
		b.done += hi - lo
		b.mu.Unlock()
		b.report(StepMethods)
		return nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first *userError
	)
	chunks := (len(users) + size - 1) / size
	for range min(b.opts.Concurrency, max(chunks, 1)) {
		wg.Go(func() {
			for lo := range next {
				if err := read(ctx, lo, min(lo+size, len(users))); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		})
	}
	func() {
		defer close(next)
		for lo := 0; lo < len(users); lo += size {
			select {
			case next <- lo:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return &userError{"", err}
	}
	return nil
}

// batchID names the users lo..hi-1 of a failed read: the user's id, or for
// a batch their 1-based positions in the listing and first and last ids.
func batchID(users []User, lo, hi int, batched bool) string {
	if !batched {
		return users[lo].ID
	}
	return fmt.Sprintf("users %d-%d (%s … %s)", lo+1, hi, users[lo].ID, users[hi-1].ID)
}

// members reads every group's members, BatchSize groups at a time from a
// BatchGroupMemberReader, one at a time otherwise.
func (b *builder) members(ctx context.Context, groups []Group) *userError {
	br, batched := b.dir.(BatchGroupMemberReader)
	for lo := 0; lo < len(groups); {
		hi := lo + 1
		var got [][]string
		var err error
		b.call()
		if batched {
			hi = min(lo+BatchSize, len(groups))
			ids := make([]string, hi-lo)
			for i := range ids {
				ids[i] = groups[lo+i].ID
			}
			got, err = br.GroupMembersBatch(ctx, ids)
			if err == nil && len(got) != len(ids) {
				err = fmt.Errorf("the directory returned the members of %d groups for a batch of %d", len(got), len(ids))
			}
		} else {
			var m []string
			m, err = b.dir.GroupMembers(ctx, groups[lo].ID)
			got = [][]string{m}
		}
		if err != nil {
			id := groups[lo].ID
			if batched {
				id = fmt.Sprintf("groups %d-%d (%s … %s)", lo+1, hi, groups[lo].ID, groups[hi-1].ID)
			}
			return &userError{id, err}
		}
		for i, m := range got {
			if m == nil {
				m = []string{}
			}
			groups[lo+i].Members = m
		}
		lo = hi
	}
	return nil
}
