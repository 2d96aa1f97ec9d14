package catalog_test

import (
	"fmt"

	"github.com/google/uuid"

	"github.com/keytier/keytier/passkey/catalog"
)

func ExampleLookup() {
	for _, s := range []string{
		"ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4", // from a Graph fido2AuthenticationMethod's aaGuid
		"08987058-CADC-4B81-B6E1-30DE50DCBE96",
		"fa2b99dc-9e39-4257-8f92-4a30d23c4118",
		"00000000-0000-0000-0000-000000000000",
	} {
		aaguid, err := catalog.ParseAAGUID(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		e, ok := catalog.Lookup(aaguid)
		fmt.Printf("%s: %q kind=%q listed=%v\n", aaguid, e.Name, e.Kind, ok)
	}
	// Output:
	// ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4: "Google Password Manager" kind="syncedProvider" listed=true
	// 08987058-cadc-4b81-b6e1-30de50dcbe96: "Windows Hello" kind="platform" listed=true
	// fa2b99dc-9e39-4257-8f92-4a30d23c4118: "YubiKey 5 Series with NFC" kind="securityKey" listed=true
	// 00000000-0000-0000-0000-000000000000: "not disclosed" kind="" listed=false
}

func ExampleParseAAGUID() {
	_, err := catalog.ParseAAGUID("{fbfc3007-154e-4ecc-8c0b-6e020557d7bd}")
	fmt.Println(err)
	_, err = catalog.ParseAAGUID("fbfc3007-154e-4ecc-8c0b-6e020557d7bx")
	fmt.Println(err)
	// Output:
	// catalog: AAGUID "{fbfc3007-154e-4ecc-8c0b-6e020557d7bd}": length 38, want 36 (8-4-4-4-12 hex digits)
	// catalog: AAGUID "fbfc3007-154e-4ecc-8c0b-6e020557d7bx": 'x' is not a hexadecimal digit at offset 35
}

func ExampleNew() {
	// Entries derived from a FIDO MDS BLOB go after the default catalog:
	// they add models the catalog lacks but do not override its kinds.
	enterprise := uuid.MustParse("0bb43545-fd2c-4185-87dd-feb0b2916ace")
	gpm := uuid.MustParse("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4")
	c := catalog.New(append(catalog.All(),
		catalog.Entry{AAGUID: enterprise, Name: "Security Key NFC by Yubico - Enterprise Edition", Kind: catalog.KindSecurityKey, Source: "FIDO MDS3 BLOB"},
		catalog.Entry{AAGUID: gpm, Name: "Google Password Manager", Kind: catalog.KindPlatform, Source: "FIDO MDS3 BLOB"},
	)...)

	e, _ := c.Lookup(enterprise)
	fmt.Println(e.Name, e.Kind)
	e, _ = c.Lookup(gpm)
	fmt.Println(e.Name, e.Kind)
	for _, conflict := range c.Conflicts() {
		fmt.Println("conflict:", conflict.AAGUID, conflict.Ignored.Kind, "ignored")
	}
	// Output:
	// Security Key NFC by Yubico - Enterprise Edition securityKey
	// Google Password Manager syncedProvider
	// conflict: ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4 platform ignored
}
