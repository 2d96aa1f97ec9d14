package graphadapter_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/keytier/keytier/graphadapter"
)

// FuzzLoad: Load never panics; every failure is an *Error; whatever loads
// marshals, and the marshalled form loads to the same bytes again.
func FuzzLoad(f *testing.F) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(doc(user("u", `{"@odata.type":"#microsoft.graph.temporaryAccessPassAuthenticationMethod","id":"p","lifetimeInMinutes":60}`), `{"id":"g","members":["u"]}`, `{"principalId":"g","roleDefinitionId":"r"}`)))
	f.Add([]byte(`{"tenant":{"id":"t","id":"t"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := graphadapter.Load(data)
		if err != nil {
			var e *graphadapter.Error
			if !errors.As(err, &e) {
				t.Fatalf("not an *Error: %v", err)
			}
			if s != nil {
				t.Fatal("snapshot with an error")
			}
			return
		}
		out, err := s.Marshal()
		if err != nil {
			t.Fatalf("loaded snapshot does not marshal: %v", err)
		}
		s2, err := graphadapter.Load(out)
		if err != nil {
			t.Fatalf("marshalled snapshot does not load: %v\n%s", err, out)
		}
		out2, err := s2.Marshal()
		if err != nil || string(out) != string(out2) {
			t.Fatalf("round trip not stable: %v", err)
		}
		for i := range s.Users {
			u := &s.Users[i]
			for _, g := range s.GroupsOf(u.ID) {
				_ = s.MembersOf(g.ID)
			}
			_ = s.RolesOf(u.ID)
		}
	})
}
