package readiness_test

import (
	"fmt"

	"github.com/keytier/keytier/graphadapter/demo"
	"github.com/keytier/keytier/readiness"
)

func ExampleRun() {
	r := readiness.Run(demo.Snapshot(), readiness.Options{})
	s := r.Summary
	fmt.Printf("%d users: %d AAL3, %d AAL2, %d AAL1; %d without a phishing-resistant method\n",
		s.Users, s.ByAAL.AAL3, s.ByAAL.AAL2, s.ByAAL.AAL1, s.NoPhishingResistantMethod)
	for _, f := range r.Findings {
		if f.Severity == readiness.SeverityCritical {
			fmt.Println(f.Severity, f.ID, f.Users[0])
		}
	}
	// Output:
	// 295 users: 15 AAL3, 262 AAL2, 18 AAL1; 87 without a phishing-resistant method
	// critical KT-PRIV-001 dana.whitfield@northwindfab.example
	// critical KT-PRIV-002 dana.whitfield@northwindfab.example
}

func ExampleChecks() {
	for _, c := range readiness.Checks()[:4] {
		fmt.Println(c.ID, c.Severity, c.EIDSCA)
	}
	// Output:
	// KT-FIDO2-000 high []
	// KT-FIDO2-001 critical [EIDSCA.AF01]
	// KT-FIDO2-002 high [EIDSCA.AF02]
	// KT-FIDO2-003 medium []
}

func ExampleEIDSCA() {
	for _, c := range readiness.EIDSCA() {
		if c.ID == "EIDSCA.AT04" || c.ID == "EIDSCA.AG12" {
			fmt.Printf("%s %s: Maester %q, keytier %s, checked by %v\n", c.ID, c.Setting, c.Maester, c.Recommended.Value, c.Checks)
		}
	}
	// Output:
	// EIDSCA.AG12 registrationEnforcement.authenticationMethodsRegistrationCampaign.snoozeDurationInDays: Maester "", keytier 1 (MaxCampaignSnoozeDays; 0 also passes), checked by [KT-CAMP-004]
	// EIDSCA.AT04 defaultLength: Maester "", keytier 8 (KT-TAP-006 fails outside Graph's 8 to 48), checked by [KT-TAP-006]
}
