package catalog

//go:generate go run ./internal/gen -upstream internal/gen/testdata/passkey-provider-names.json -kinds internal/gen/kinds.json -extra internal/gen/extra.json -out catalog.json

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// Kind says what kind of authenticator an AAGUID names.
type Kind string

const (
	// KindUnknown: the catalog does not say. Either the AAGUID is not in the
	// catalog, or it is listed by name only because its sources do not
	// settle whether its keys sync (the entry's KindReason says which).
	KindUnknown Kind = ""
	// KindSyncedProvider: a software passkey provider whose keys are not
	// bound to one device: synced through an account (iCloud Keychain,
	// Google Password Manager, 1Password, Bitwarden, ...) or kept in a vault
	// file that can be copied. A syncable authenticator in NIST SP
	// 800-63B-4 terms: acceptable at AAL2, never at AAL3.
	KindSyncedProvider Kind = "syncedProvider"
	// KindPlatform: an authenticator on the user's own device whose key does
	// not leave it (Windows Hello, Chrome on Mac, the Android platform
	// authenticator, Microsoft Authenticator). Hardware protection varies:
	// Windows Hello has a software variant; see the entry's KindReason.
	KindPlatform Kind = "platform"
	// KindSecurityKey: a roaming hardware security key (YubiKey, Feitian,
	// Titan, ...) whose key is generated and kept in the device.
	KindSecurityKey Kind = "securityKey"
)

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool {
	switch k {
	case KindUnknown, KindSyncedProvider, KindPlatform, KindSecurityKey:
		return true
	}
	return false
}

// Entry is what the catalog knows about one AAGUID.
type Entry struct {
	AAGUID uuid.UUID
	Name   string // display name, e.g. "Google Password Manager"
	Kind   Kind
	// Source says where the AAGUID and name came from.
	Source string
	// KindReason says why the entry has its Kind and on what source; for
	// KindUnknown it says what is not settled.
	KindReason string
}

// NotDisclosed is the Name [Lookup] gives the all-zero AAGUID.
const NotDisclosed = "not disclosed"

// notDisclosedSource cites why zero is not an error: fido-u2f credentials
// never carry an AAGUID, and "none" attestation may zero it (WebAuthn L3
// §6.5.1, §8.7).
const notDisclosedSource = "WebAuthn Level 3 §6.5.1: an all-zero AAGUID means the authenticator did not disclose its model"

// Conflict records an entry [New] did not take as given, and why. Conflicts
// are how a later source that disagrees with an earlier one stays visible
// instead of silently winning or silently vanishing.
type Conflict struct {
	AAGUID  uuid.UUID
	Kept    Entry // what the catalog holds for AAGUID (zero if nothing)
	Ignored Entry // the entry, or the part of it, that was not applied
	Reason  string
}

// Catalog is a read-only set of entries, keyed by AAGUID. A Catalog is safe
// for concurrent use; none of its methods modify it.
type Catalog struct {
	byID      map[uuid.UUID]Entry
	conflicts []Conflict
}

// New builds a catalog from entries in order of precedence: the first entry
// for an AAGUID sets its name, source and kind. A later entry for the same
// AAGUID adds and never overrides:
//
//   - if the kept entry's kind is KindUnknown and the later one's is known,
//     the later kind and KindReason are taken and its Source is appended;
//   - if both kinds are known and differ, the kept kind stays and the
//     disagreement is recorded in [Catalog.Conflicts];
//   - a different name is not a conflict (the same model has several
//     names); the first name stays.
//
// Entries with the all-zero AAGUID, an empty name or an invalid kind are
// not added; each is recorded as a conflict.
//
// To extend the default catalog, put it first:
//
//	c := catalog.New(append(catalog.All(), fromMDS...)...)
func New(entries ...Entry) *Catalog {
	c := &Catalog{byID: make(map[uuid.UUID]Entry, len(entries))}
	for _, e := range entries {
		switch {
		case e.AAGUID == uuid.Nil:
			c.reject(e, "the all-zero AAGUID means the model was not disclosed; it cannot name one")
			continue
		case e.Name == "":
			c.reject(e, "entry has no name")
			continue
		case !e.Kind.Valid():
			c.reject(e, fmt.Sprintf("kind %q is not a catalog kind", e.Kind))
			continue
		}
		kept, ok := c.byID[e.AAGUID]
		switch {
		case !ok:
			c.byID[e.AAGUID] = e
		case kept.Kind == KindUnknown && e.Kind != KindUnknown:
			kept.Kind = e.Kind
			kept.KindReason = e.KindReason
			if e.Source != "" && e.Source != kept.Source {
				kept.Source += "; kind from: " + e.Source
			}
			c.byID[e.AAGUID] = kept
		case e.Kind != KindUnknown && e.Kind != kept.Kind:
			c.conflicts = append(c.conflicts, Conflict{
				AAGUID:  e.AAGUID,
				Kept:    kept,
				Ignored: e,
				Reason:  fmt.Sprintf("kind %q from %q disagrees with kept kind %q from %q", e.Kind, e.Source, kept.Kind, kept.Source),
			})
		}
	}
	return c
}

func (c *Catalog) reject(e Entry, reason string) {
	c.conflicts = append(c.conflicts, Conflict{AAGUID: e.AAGUID, Ignored: e, Reason: reason})
}

// Lookup returns the entry for aaguid and whether the catalog lists it.
//
// The all-zero AAGUID is not an error and not a catalog entry: Lookup
// returns an Entry named [NotDisclosed] with KindUnknown, and false. An
// AAGUID the catalog does not list returns an Entry carrying only the
// AAGUID, and false.
func (c *Catalog) Lookup(aaguid uuid.UUID) (Entry, bool) {
	if aaguid == uuid.Nil {
		return Entry{Name: NotDisclosed, Source: notDisclosedSource}, false
	}
	if e, ok := c.byID[aaguid]; ok {
		return e, true
	}
	return Entry{AAGUID: aaguid}, false
}

// All returns a copy of the entries, sorted by AAGUID.
func (c *Catalog) All() []Entry {
	out := make([]Entry, 0, len(c.byID))
	for _, e := range c.byID {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return bytes.Compare(a.AAGUID[:], b.AAGUID[:]) })
	return out
}

// Len returns the number of entries.
func (c *Catalog) Len() int { return len(c.byID) }

// Conflicts returns a copy of the entries New did not apply as given, in
// input order.
func (c *Catalog) Conflicts() []Conflict { return slices.Clone(c.conflicts) }

//go:embed catalog.json
var catalogJSON []byte

// fileEntry mirrors one entry of catalog.json, written by internal/gen.
type fileEntry struct {
	AAGUID     string `json:"aaguid"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Source     string `json:"source"`
	KindReason string `json:"kindReason"`
}

// defaultCatalog parses the embedded data once, on first use. The data is
// generated and tested, so a failure here is a build defect, not an input
// error: it panics with the reason.
var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := parseFile(catalogJSON)
	if err != nil {
		panic(err)
	}
	return c
})

func parseFile(data []byte) (*Catalog, error) {
	var f struct {
		Notice  []string    `json:"notice"`
		Entries []fileEntry `json:"entries"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("catalog: embedded catalog.json: %w", err)
	}
	entries := make([]Entry, 0, len(f.Entries))
	for i, fe := range f.Entries {
		id, err := ParseAAGUID(fe.AAGUID)
		if err != nil {
			return nil, fmt.Errorf("catalog: embedded catalog.json entries[%d]: %w", i, err)
		}
		kind := Kind(fe.Kind)
		if fe.Kind == "unknown" {
			kind = KindUnknown
		}
		entries = append(entries, Entry{AAGUID: id, Name: fe.Name, Kind: kind, Source: fe.Source, KindReason: fe.KindReason})
	}
	c := New(entries...)
	if n := len(c.conflicts); n > 0 {
		return nil, fmt.Errorf("catalog: embedded catalog.json: %d entries rejected, first: %s", n, c.conflicts[0].Reason)
	}
	return c, nil
}

// Default returns the embedded catalog. It is shared and read-only.
func Default() *Catalog { return defaultCatalog() }

// Lookup looks aaguid up in the embedded catalog; see [Catalog.Lookup].
func Lookup(aaguid uuid.UUID) (Entry, bool) { return Default().Lookup(aaguid) }

// All returns a sorted copy of the embedded catalog's entries.
func All() []Entry { return Default().All() }
