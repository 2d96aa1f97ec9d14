package catalog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := ParseAAGUID(s)
	require.NoError(t, err)
	return id
}

func TestLookupKnown(t *testing.T) {
	tests := []struct {
		aaguid   string
		wantName string
		wantKind Kind
	}{
		// iCloud Keychain, now named "Apple Passwords" upstream.
		{"fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "Apple Passwords", KindSyncedProvider},
		{"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", "Google Password Manager", KindSyncedProvider},
		{"d3452668-01fd-4c12-926c-83a4204853aa", "Microsoft Password Manager", KindSyncedProvider},
		{"08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello", KindPlatform},
		{"adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac", KindPlatform},
		{"b93fd961-f2e6-462f-b122-82002247de78", "Android Authenticator", KindPlatform},
		{"fa2b99dc-9e39-4257-8f92-4a30d23c4118", "YubiKey 5 Series with NFC", KindSecurityKey},
		{"c5ef55ff-ad9a-4b9f-b580-adebafe026d0", "YubiKey 5Ci (YubiKey 5 Series with Lightning)", KindSecurityKey},
		{"42383245-4437-3343-3846-423445354132", "Feitian BioPass FIDO2 (USB)", KindSecurityKey},
		// Listed, but its sources do not settle synced versus device-bound.
		{"dd4ec289-e01d-41c9-bb89-70fa845d4bf2", "iCloud Keychain (Managed)", KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.wantName, func(t *testing.T) {
			e, ok := Lookup(mustParse(t, tt.aaguid))
			require.True(t, ok)
			assert.Equal(t, tt.aaguid, e.AAGUID.String())
			assert.Equal(t, tt.wantName, e.Name)
			assert.Equal(t, tt.wantKind, e.Kind)
			assert.NotEmpty(t, e.KindReason)
		})
	}
}

func TestLookupIsCaseInsensitive(t *testing.T) {
	const lower = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"
	for _, s := range []string{lower, strings.ToUpper(lower), "EA9b8D66-4d01-1D21-3ce4-B6B48cb575d4"} {
		e, ok := Lookup(mustParse(t, s))
		require.True(t, ok, s)
		assert.Equal(t, "Google Password Manager", e.Name, s)
	}
}

func TestLookupZeroMeansNotDisclosed(t *testing.T) {
	id := mustParse(t, "00000000-0000-0000-0000-000000000000")
	e, ok := Lookup(id)
	assert.False(t, ok, "the zero AAGUID is not a catalog entry")
	assert.Equal(t, NotDisclosed, e.Name)
	assert.Equal(t, KindUnknown, e.Kind)
	assert.Equal(t, uuid.Nil, e.AAGUID)
	assert.NotEmpty(t, e.Source)
}

func TestLookupUnlisted(t *testing.T) {
	// A random (version 4) UUID: no authenticator uses it.
	id := uuid.MustParse("3f0a1b9e-27c4-4d7e-9a51-6c2b8e0d4f13")
	e, ok := Lookup(id)
	assert.False(t, ok)
	assert.Equal(t, Entry{AAGUID: id}, e)
}

// The embedded data must cover every upstream provider and every extra
// entry, with the names the inputs give.
func TestDefaultCoversGeneratorInputs(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("internal", "gen", "testdata", "passkey-provider-names.json"))
	require.NoError(t, err)
	var upstream map[string]string
	require.NoError(t, json.Unmarshal(raw, &upstream))

	raw, err = os.ReadFile(filepath.Join("internal", "gen", "extra.json"))
	require.NoError(t, err)
	var extra []struct {
		AAGUID string `json:"aaguid"`
		Name   string `json:"name"`
		Kind   string `json:"kind"`
	}
	require.NoError(t, json.Unmarshal(raw, &extra))

	for id, name := range upstream {
		e, ok := Lookup(mustParse(t, id))
		if assert.True(t, ok, id) {
			assert.Equal(t, name, e.Name, id)
		}
	}
	for _, x := range extra {
		e, ok := Lookup(mustParse(t, x.AAGUID))
		if assert.True(t, ok, x.AAGUID) {
			assert.Equal(t, x.Name, e.Name)
			assert.Equal(t, Kind(x.Kind), e.Kind)
		}
	}
	assert.Equal(t, len(upstream)+len(extra), Default().Len())
}

func TestEveryEntryIsComplete(t *testing.T) {
	all := All()
	require.NotEmpty(t, all)
	for _, e := range all {
		assert.NotEqual(t, uuid.Nil, e.AAGUID)
		assert.NotEmpty(t, strings.TrimSpace(e.Name), e.AAGUID)
		assert.True(t, e.Kind.Valid(), "%s: kind %q", e.AAGUID, e.Kind)
		assert.NotEmpty(t, e.Source, e.AAGUID)
		assert.NotEmpty(t, e.KindReason, e.AAGUID)
	}
}

// New would fold a duplicate into one entry, so duplicates are checked in
// the file itself.
func TestEmbeddedFileHasNoDuplicates(t *testing.T) {
	var f struct {
		Entries []struct {
			AAGUID string `json:"aaguid"`
		} `json:"entries"`
	}
	require.NoError(t, json.Unmarshal(catalogJSON, &f))
	seen := map[uuid.UUID]bool{}
	for _, e := range f.Entries {
		id := mustParse(t, e.AAGUID)
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	assert.Len(t, seen, Default().Len())
	assert.Empty(t, Default().Conflicts())
}

func TestAllIsSortedCopy(t *testing.T) {
	all := All()
	for i := 1; i < len(all); i++ {
		assert.Less(t, all[i-1].AAGUID.String(), all[i].AAGUID.String())
	}
	first := all[0]
	all[0].Name = "changed"
	all[0].Kind = KindSecurityKey
	again, ok := Lookup(first.AAGUID)
	require.True(t, ok)
	assert.Equal(t, first, again, "changing All's result must not change the catalog")
}

func TestNewPrecedence(t *testing.T) {
	a := uuid.MustParse("11111111-2222-4333-8444-555555555555")
	b := uuid.MustParse("66666666-7777-4888-9999-aaaaaaaaaaaa")
	tests := []struct {
		name          string
		entries       []Entry
		want          Entry
		wantConflicts int
	}{
		{
			name:    "first entry sets everything",
			entries: []Entry{{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"}},
			want:    Entry{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"},
		},
		{
			name: "later source fills an unknown kind",
			entries: []Entry{
				{AAGUID: a, Name: "One", Source: "community", KindReason: "not settled"},
				{AAGUID: a, Name: "One (MDS)", Kind: KindSecurityKey, Source: "mds", KindReason: "keyProtection hardware"},
			},
			want: Entry{AAGUID: a, Name: "One", Kind: KindSecurityKey, Source: "community; kind from: mds", KindReason: "keyProtection hardware"},
		},
		{
			name: "later source does not override a known kind",
			entries: []Entry{
				{AAGUID: a, Name: "One", Kind: KindSyncedProvider, Source: "reviewed", KindReason: "syncs"},
				{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "other", KindReason: "bound"},
			},
			want:          Entry{AAGUID: a, Name: "One", Kind: KindSyncedProvider, Source: "reviewed", KindReason: "syncs"},
			wantConflicts: 1,
		},
		{
			name: "same kind again is not a conflict",
			entries: []Entry{
				{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"},
				{AAGUID: a, Name: "Uno", Kind: KindPlatform, Source: "s2", KindReason: "r2"},
			},
			want: Entry{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"},
		},
		{
			name: "later unknown kind does not erase a known one",
			entries: []Entry{
				{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"},
				{AAGUID: a, Name: "One", Source: "s2"},
			},
			want: Entry{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"},
		},
		{
			name: "invalid entries are rejected, valid ones kept",
			entries: []Entry{
				{AAGUID: uuid.Nil, Name: "zero", Kind: KindPlatform},
				{AAGUID: b, Name: "", Kind: KindPlatform},
				{AAGUID: b, Name: "bad kind", Kind: Kind("unknown")},
				{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"},
			},
			want:          Entry{AAGUID: a, Name: "One", Kind: KindPlatform, Source: "s1", KindReason: "r1"},
			wantConflicts: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.entries...)
			got, ok := c.Lookup(tt.want.AAGUID)
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
			assert.Len(t, c.Conflicts(), tt.wantConflicts)
			_, ok = c.Lookup(b)
			assert.False(t, ok, "rejected entries must not be added")
		})
	}
}

func TestConflictsNameBothSources(t *testing.T) {
	a := uuid.MustParse("11111111-2222-4333-8444-555555555555")
	c := New(
		Entry{AAGUID: a, Name: "One", Kind: KindSyncedProvider, Source: "reviewed"},
		Entry{AAGUID: a, Name: "One", Kind: KindSecurityKey, Source: "blob"},
	)
	got := c.Conflicts()
	require.Len(t, got, 1)
	assert.Equal(t, a, got[0].AAGUID)
	assert.Equal(t, KindSyncedProvider, got[0].Kept.Kind)
	assert.Equal(t, KindSecurityKey, got[0].Ignored.Kind)
	assert.Contains(t, got[0].Reason, "reviewed")
	assert.Contains(t, got[0].Reason, "blob")

	got[0].Reason = "changed"
	assert.NotEqual(t, "changed", c.Conflicts()[0].Reason, "Conflicts must return a copy")
}

func TestExtendingDefaultKeepsDefaultKinds(t *testing.T) {
	gpm := mustParse(t, "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
	extra := mustParse(t, "0bb43545-fd2c-4185-87dd-feb0b2916ace")
	c := New(append(All(),
		Entry{AAGUID: gpm, Name: "GPM", Kind: KindPlatform, Source: "a wrong blob"},
		Entry{AAGUID: extra, Name: "Security Key NFC by Yubico - Enterprise Edition", Kind: KindSecurityKey, Source: "mds"},
	)...)
	e, ok := c.Lookup(gpm)
	require.True(t, ok)
	assert.Equal(t, KindSyncedProvider, e.Kind)
	assert.Equal(t, "Google Password Manager", e.Name)
	_, ok = c.Lookup(extra)
	assert.True(t, ok)
	assert.Len(t, c.Conflicts(), 1)
	assert.Equal(t, Default().Len()+1, c.Len())
}

func TestParseFileRejectsBadData(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"not JSON", `{`, "catalog: embedded catalog.json"},
		{"unknown field", `{"entries":[{"aaguid":"11111111-2222-4333-8444-555555555555","name":"x","colour":"red"}]}`, "unknown field"},
		{"bad AAGUID", `{"entries":[{"aaguid":"1111","name":"x","kind":"platform"}]}`, "entries[0]"},
		{"bad kind", `{"entries":[{"aaguid":"11111111-2222-4333-8444-555555555555","name":"x","kind":"roaming"}]}`, "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseFile([]byte(tt.data))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
