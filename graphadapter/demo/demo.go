// Package demo embeds a fictional tenant, Northwind Fabrication, for the
// playground, examples, documentation and tests: a few hundred people with
// a realistic mix of authentication methods, a passkey rollout half done,
// and deliberate problems for the readiness checklist to find.
//
// The file is generated, not written by hand: go generate ./graphadapter/demo
// runs graphadapter/internal/gendemo with a fixed seed and a fixed capture
// time, and a test checks that the committed file is exactly its output.
//
// The deliberate problems, by the user or object that carries them:
//
//   - GlobalAdminSyncedPasskey: a Global Administrator whose only passkey is
//     synced (Apple Passwords), who also has SMS: privileged accounts should
//     use device-bound, attested passkeys.
//   - SecurityAdminSMSOnly and HelpdeskAdminSMS: privileged users whose
//     second factor is SMS, which the tenant's SMS configuration allows for
//     all users.
//   - MissingGroupID: the FIDO2 policy targets a group that does not exist
//     (the passkey pilot group, deleted after the pilot).
//   - ContractorLongTAP: a Temporary Access Pass usable many times for 30
//     days (43,200 minutes), which the TAP policy's maximum permits.
//   - NewHireTAPOnly: a new engineer whose only method is a Temporary Access
//     Pass, under a Conditional Access policy requiring phishing-resistant
//     MFA for Engineering, which a TAP does not satisfy.
//   - IdentityOperatorsGroupID: a role-assignable group holding User
//     Administrator, whose members use synced passkeys.
//
// Names, numbers and addresses are fictional; domains use the reserved
// .example top-level domain and phone numbers the 555-01xx range.
package demo

import (
	_ "embed"
	"slices"

	"github.com/keytier/keytier/graphadapter"
)

//go:generate go run ../internal/gendemo/cmd/gendemo -out northwind.json

//go:embed northwind.json
var northwind []byte

// Generation parameters of the committed file.
const (
	Users = 300
	Seed  = 20260601
)

// Domain is the tenant's user principal name suffix.
const Domain = "northwindfab.example"

// The accounts and objects that carry the deliberate problems, and the
// break-glass accounts.
const (
	BreakGlass1              = "bg-01@" + Domain
	BreakGlass2              = "bg-02@" + Domain
	GlobalAdminSyncedPasskey = "dana.whitfield@" + Domain
	SecurityAdminSMSOnly     = "tomas.eriksen@" + Domain
	HelpdeskAdminSMS         = "helen.brooks@" + Domain
	ContractorLongTAP        = "ravi.menon.ext@" + Domain
	NewHireTAPOnly           = "lena.fischer@" + Domain
	// MissingGroupID is the id the FIDO2 policy targets but no group has.
	MissingGroupID = "6f9d3f0e-5b1a-5c1e-9a57-3c1f6b2f7d10"
	// IdentityOperatorsGroupID holds the User Administrator role.
	IdentityOperatorsGroupID = "0d3b8c4e-2a57-5e0f-8b6f-1a2c3d4e5f60"
)

// Bytes returns the tenant snapshot document (a copy).
func Bytes() []byte { return slices.Clone(northwind) }

// Snapshot loads the tenant. Each call returns a new Snapshot, which the
// caller may change. The embedded file is generated and tested, so an
// error here is a build defect, not an input error: it panics.
func Snapshot() *graphadapter.Snapshot {
	s, err := graphadapter.Load(northwind)
	if err != nil {
		panic("demo: embedded northwind.json: " + err.Error())
	}
	return s
}
