package msgraph_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkPrefixes are the import paths of the Graph SDK and what it brings.
var sdkPrefixes = []string{"github.com/microsoftgraph/", "github.com/microsoft/kiota", "github.com/Azure/"}

// deps runs go list -deps on pkgs with env added to the environment.
func deps(t *testing.T, env []string, pkgs ...string) []string {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && errors.As(err, &ee) {
		t.Fatalf("go list -deps %v: %v\n%s", pkgs, err, ee.Stderr)
	}
	require.NoError(t, err)
	return strings.Fields(string(out))
}

func sdkDeps(list []string) []string {
	var out []string
	for _, p := range list {
		for _, prefix := range sdkPrefixes {
			if strings.HasPrefix(p, prefix) {
				out = append(out, p)
			}
		}
	}
	return out
}

// TestCoreDoesNotImportTheSDK keeps the boundary of DESIGN.md: only this
// package (and the CLI) pay for the Graph SDK.
func TestCoreDoesNotImportTheSDK(t *testing.T) {
	core := []string{
		"github.com/keytier/keytier/assurance/...",
		"github.com/keytier/keytier/passkey/...",
		"github.com/keytier/keytier/tap/...",
		"github.com/keytier/keytier/readiness/...",
		"github.com/keytier/keytier/graphadapter",
		"github.com/keytier/keytier/graphadapter/graphtest",
		"github.com/keytier/keytier/playground",
	}
	assert.Empty(t, sdkDeps(deps(t, nil, core...)), "core packages")
	assert.Empty(t, sdkDeps(deps(t, []string{"GOOS=js", "GOARCH=wasm"}, "github.com/keytier/keytier/playground/wasm")), "the playground's WASM")
	// The check can fail: this package does import the SDK.
	assert.NotEmpty(t, sdkDeps(deps(t, nil, "github.com/keytier/keytier/graphadapter/msgraph")))
}
