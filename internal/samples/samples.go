// Package samples embeds real WebAuthn registrations (see README.md for their
// sources) for keytier's tests, the CLI's default input and the playground.
package samples

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:embed real/*.json w3c/*.json
var files embed.FS

// Sample is one registration with the relying-party settings it was made for.
type Sample struct {
	Set           string          `json:"-"` // "real" or "w3c"
	Name          string          `json:"name"`
	Source        string          `json:"source"`
	Authenticator string          `json:"authenticator"`
	Format        string          `json:"format"`
	RPID          string          `json:"rpId"`
	Origin        string          `json:"origin"`
	Challenge     string          `json:"challenge"` // base64url
	CrossOrigin   bool            `json:"relyingPartyAllowsCrossOrigin"`
	TopOrigins    []string        `json:"relyingPartyTopOrigins"`
	Notes         string          `json:"notes"`
	Registration  json.RawMessage `json:"registrationResponse"`
	Expected      json.RawMessage `json:"expected"`
}

// All returns every sample, sorted by set and name.
func All() ([]Sample, error) {
	var out []Sample
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		s, err := load(p)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Set != out[j].Set {
			return out[i].Set < out[j].Set
		}
		return out[i].Name < out[j].Name
	})
	return out, err
}

// Get returns the sample with the given name (the file name without .json).
func Get(name string) (Sample, error) {
	for _, set := range []string{"real", "w3c"} {
		p := path.Join(set, name+".json")
		if _, err := fs.Stat(files, p); err == nil {
			return load(p)
		}
	}
	return Sample{}, fmt.Errorf("samples: no sample named %q", name)
}

func load(p string) (Sample, error) {
	b, err := files.ReadFile(p)
	if err != nil {
		return Sample{}, err
	}
	var s Sample
	if err := json.Unmarshal(b, &s); err != nil {
		return Sample{}, fmt.Errorf("samples: %s: %w", p, err)
	}
	s.Set = path.Dir(p)
	s.Name = strings.TrimSuffix(path.Base(p), ".json")
	return s, nil
}
