package main

import (
	"fmt"
	"io"

	"github.com/keytier/keytier/passkey/peers"
)

// renderPeers prints what each library would decide, and where one
// disagrees with keytier, which answer WebAuthn L3 supports.
func renderPeers(w io.Writer, vs []peers.Verdict) {
	if len(vs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nPeers (same RP ID, origins and challenge, each library's defaults):\n")
	for _, v := range vs {
		name := v.Name + " " + v.Version
		if v.Model {
			name += " (model)"
		}
		if v.Accepts {
			fmt.Fprintf(w, "  ✔ %s accepts\n", name)
		} else {
			fmt.Fprintf(w, "  ✘ %s refuses at %s\n      %s\n", name, v.Step, v.Reason)
		}
		if v.Option != "" && !v.Accepts {
			fmt.Fprintf(w, "      option: %s\n", v.Option)
		}
		if !v.AgreesWithKeytier {
			right := v.RightBySpec
			if right == "either" {
				right = "either answer"
			}
			fmt.Fprintf(w, "      differs from keytier; by WebAuthn L3: %s (%s). %s\n", right, v.Section, v.Why)
		}
	}
}
