// Command gen regenerates passkey/catalog/catalog.json from the upstream
// AAGUID→name list, the reviewed kinds overlay and the extra entries.
//
// It is run by go generate in passkey/catalog:
//
//	go run ./internal/gen -upstream internal/gen/testdata/passkey-provider-names.json \
//	    -kinds internal/gen/kinds.json -extra internal/gen/extra.json -out catalog.json
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	upstream := flag.String("upstream", "internal/gen/testdata/passkey-provider-names.json", "upstream AAGUID→name JSON (a reduced copy of passkeydeveloper/passkey-authenticator-aaguids aaguid.json)")
	kindsPath := flag.String("kinds", "internal/gen/kinds.json", "reviewed kinds overlay, one row per upstream AAGUID")
	extraPath := flag.String("extra", "internal/gen/extra.json", "extra security keys and platform authenticators with their sources")
	outPath := flag.String("out", "catalog.json", "file to write")
	flag.Parse()

	if err := run(*upstream, *kindsPath, *extraPath, *outPath); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(upstreamPath, kindsPath, extraPath, outPath string) error {
	read := func(path string) ([]byte, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
		return b, nil
	}
	upstream, err := read(upstreamPath)
	if err != nil {
		return err
	}
	kinds, err := read(kindsPath)
	if err != nil {
		return err
	}
	extra, err := read(extraPath)
	if err != nil {
		return err
	}
	out, err := generate(upstream, kinds, extra)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, out, 0o644); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	return nil
}
