package tap

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store in process memory: for tests, examples and
// single-process tools. One mutex serialises every method, which makes each
// of them atomic within the process. It is not shared between processes;
// use tap/sqlstore for that.
type MemoryStore struct {
	mu     sync.Mutex
	byID   map[string]*Pass
	byUser map[string]string // user id → pass id
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{byID: map[string]*Pass{}, byUser: map[string]string{}}
}

var _ Store = (*MemoryStore)(nil)

func copyPass(p *Pass) Pass {
	c := *p
	c.Hash = slices.Clone(p.Hash)
	return c
}

func notFound(what, id string) error { return fmt.Errorf("%w: %s %q", ErrNotFound, what, id) }

// Put implements Store.
func (m *MemoryStore) Put(ctx context.Context, ps Pass) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if ps.ID == "" || ps.UserID == "" {
		return "", fmt.Errorf("%w: pass id and user id are required", ErrInvalidRequest)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byID[ps.ID]; ok {
		return "", fmt.Errorf("%w: pass id %q already exists", ErrInvalidRequest, ps.ID)
	}
	replaced := m.byUser[ps.UserID]
	if replaced != "" {
		delete(m.byID, replaced)
	}
	c := copyPass(&ps)
	m.byID[ps.ID] = &c
	m.byUser[ps.UserID] = ps.ID
	return replaced, nil
}

// Get implements Store.
func (m *MemoryStore) Get(ctx context.Context, id string) (Pass, error) {
	if err := ctx.Err(); err != nil {
		return Pass{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.byID[id]
	if !ok {
		return Pass{}, notFound("pass", id)
	}
	return copyPass(p), nil
}

// GetByUser implements Store.
func (m *MemoryStore) GetByUser(ctx context.Context, userID string) (Pass, error) {
	if err := ctx.Err(); err != nil {
		return Pass{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.byUser[userID]
	if !ok {
		return Pass{}, notFound("user", userID)
	}
	return copyPass(m.byID[id]), nil
}

// List implements Store.
func (m *MemoryStore) List(ctx context.Context, q Query) ([]Pass, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Pass, 0, min(len(m.byID), q.EffectiveLimit()))
	for _, p := range m.byID {
		if q.UserID != "" && p.UserID != q.UserID {
			continue
		}
		if q.AfterUserID != "" && p.UserID <= q.AfterUserID {
			continue
		}
		out = append(out, copyPass(p))
	}
	slices.SortFunc(out, func(a, b Pass) int {
		if c := strings.Compare(a.UserID, b.UserID); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(out) > q.EffectiveLimit() {
		out = out[:q.EffectiveLimit()]
	}
	return out, nil
}

// Use implements Store.
func (m *MemoryStore) Use(ctx context.Context, id string, at time.Time) (Pass, bool, error) {
	if err := ctx.Err(); err != nil {
		return Pass{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.byID[id]
	if !ok {
		return Pass{}, false, notFound("pass", id)
	}
	if !p.RevokedAt.IsZero() || !p.LockedAt.IsZero() || at.Before(p.StartAt) || !at.Before(p.ExpiresAt) ||
		(p.UsableOnce && p.UseCount > 0) {
		return copyPass(p), false, nil
	}
	p.UseCount++
	p.LastUsedAt = at
	return copyPass(p), true, nil
}

// Fail implements Store.
func (m *MemoryStore) Fail(ctx context.Context, id string, at time.Time, maxFailed int) (Pass, bool, error) {
	if err := ctx.Err(); err != nil {
		return Pass{}, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.byID[id]
	if !ok {
		return Pass{}, false, notFound("pass", id)
	}
	if !p.RevokedAt.IsZero() || !p.LockedAt.IsZero() {
		return copyPass(p), false, nil
	}
	p.FailedAttempts++
	if p.FailedAttempts >= maxFailed {
		p.LockedAt = at
	}
	return copyPass(p), true, nil
}

// Revoke implements Store.
func (m *MemoryStore) Revoke(ctx context.Context, id string, at time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.byID[id]
	if !ok {
		return false, notFound("pass", id)
	}
	if !p.RevokedAt.IsZero() {
		return false, nil
	}
	p.RevokedAt = at
	return true, nil
}

// DeleteExpired implements Store.
func (m *MemoryStore) DeleteExpired(ctx context.Context, cutoff time.Time) ([]Pass, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Pass
	for id, p := range m.byID {
		if !p.ExpiresAt.After(cutoff) {
			out = append(out, copyPass(p))
			delete(m.byID, id)
			delete(m.byUser, p.UserID)
		}
	}
	return out, nil
}
