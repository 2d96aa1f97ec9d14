package graphadapter_test

import (
	"fmt"
	"os"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey/catalog"
)

func ExampleLoad() {
	data, err := os.ReadFile("testdata/graph-docs.json")
	if err != nil {
		panic(err)
	}
	s, err := graphadapter.Load(data)
	if err != nil {
		panic(err)
	}
	fido, _ := s.AuthenticationMethodsPolicy.MethodConfiguration("Fido2")
	fmt.Println(s.Tenant.DisplayName)
	fmt.Println(len(s.Users), "users; passkeys", fido.State)
	// Output:
	// Graph documentation examples
	// 2 users; passkeys disabled
}

func ExampleLoad_error() {
	_, err := graphadapter.Load([]byte(`{"tenant":{"id":"t"},"capturedAt":"2026-06-01T09:00:00Z",
		"authenticationMethodsPolicy":{"id":"p","authenticationMethodConfigurations":[]},
		"users":[{"id":"u","userPrincipalName":"u@example.com","authenticationMethods":[
			{"@odata.type":"#microsoft.graph.fido2AuthenticationMethod","id":"k","aaGuid":42}]}]}`))
	fmt.Println(err)
	// Output:
	// graphadapter: users.0.authenticationMethods.0.aaGuid: got JSON number, want a string
}

func ExampleMethod_FIDO2() {
	s, err := graphadapter.LoadFile("testdata/graph-docs.json")
	if err != nil {
		panic(err)
	}
	u, _ := s.UserByUPN("jordan@example.com")
	for _, m := range u.MethodsOf(graphadapter.KindFIDO2) {
		f, _ := m.FIDO2()
		// The documentation example's AAGUID is not a real model's.
		_, known := catalog.Lookup(f.ParsedAAGUID())
		fmt.Printf("%s: %s, %s, in catalog: %v\n", m.DisplayName, f.Model, f.AttestationLevel, known)
	}
	// Output:
	// Red key: NFC key, attested, in catalog: false
}

func ExampleSnapshot_RolesOf() {
	s, err := graphadapter.LoadFile("testdata/graph-docs.json")
	if err != nil {
		panic(err)
	}
	for _, a := range s.RolesOf("a702a13d-a437-4a07-8a7e-8c052de62dfd") {
		r, privileged := graphadapter.PrivilegedRole(a.RoleDefinitionID)
		fmt.Println(r.Name, privileged)
	}
	// Output:
	// Authentication Administrator true
}

func ExamplePersonalData() {
	p := graphadapter.PersonalData("+1 2065550123")
	fmt.Println(p)
	fmt.Printf("%q\n", p)
	// Output:
	// [personal data]
	// [personal data]
}
