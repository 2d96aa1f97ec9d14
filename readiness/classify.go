package readiness

import (
	"time"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
)

// classifier turns registered methods into assurance results, remembering
// each distinct Evidence and each distinct passkey record so that a large
// tenant classifies a few dozen kinds of method, not every method.
type classifier struct {
	results map[assurance.Evidence]assurance.Result
	facts   map[passkeyKey]passkey.CredentialFacts
	models  passkey.Models
}

type passkeyKey struct{ aaguid, level string }

func newClassifier(models passkey.Models) *classifier {
	return &classifier{results: map[assurance.Evidence]assurance.Result{}, facts: map[passkeyKey]passkey.CredentialFacts{}, models: models}
}

func (c *classifier) result(ev assurance.Evidence) assurance.Result {
	r, ok := c.results[ev]
	if !ok {
		r = assurance.Classify(ev)
		c.results[ev] = r
	}
	return r
}

// passkeyFacts says what keytier knows about a registered passkey
// (passkey.FIDO2Method.Facts: the AAGUID against the catalog, the
// attestation level, Graph's passkeyType when present).
func (c *classifier) passkeyFacts(m *graphadapter.Method, f graphadapter.FIDO2Method) passkey.CredentialFacts {
	if hasPasskeyType(m.Raw) {
		if pm, err := passkey.ParseFIDO2Method(m.Raw); err == nil {
			return pm.Facts(nil)
		}
	}
	k := passkeyKey{f.AAGUID, f.AttestationLevel}
	facts, ok := c.facts[k]
	if !ok {
		facts = passkey.FIDO2Method{AAGUID: f.AAGUID, AttestationLevel: f.AttestationLevel}.Facts(nil)
		c.facts[k] = facts
	}
	return facts
}

// classify fills p's assurance figures, passkeys, strength modes and passes.
func (c *classifier) classify(p *person, at time.Time) {
	u := p.u
	withPassword := len(u.MethodsOf(graphadapter.KindPassword)) > 0
	p.best = assurance.LevelNone
	addMode := func(ms ...string) {
		for _, m := range ms {
			if !contains(p.modes, m) {
				p.modes = append(p.modes, m)
			}
		}
	}
	for i := range u.Methods {
		m := &u.Methods[i]
		ev := assurance.Evidence{WithPassword: withPassword}
		passwordless := false
		switch m.Kind() {
		case graphadapter.KindFIDO2:
			f, _ := m.FIDO2()
			facts := c.passkeyFacts(m, f)
			p.passkeys = append(p.passkeys, heldPasskey{id: m.ID, facts: facts})
			ev = passkeyEvidence(facts, c.models)
			passwordless = true
			addMode("fido2")
		case graphadapter.KindPassword:
			ev.Method = assurance.MethodPassword
			ev.WithPassword = false
			addMode("password")
		case graphadapter.KindPhone:
			ph, _ := m.Phone()
			ev.Method = assurance.MethodSMS
			if ph.PhoneType == "office" {
				ev.Method = assurance.MethodVoice
				addMode("voice")
			} else {
				addMode("sms", "voice")
			}
		case graphadapter.KindEmail:
			ev.Method = assurance.MethodEmailOTP
			addMode("email")
		case graphadapter.KindAuthenticator:
			// Number matching is enforced (assurance's decision); whether
			// the app is unlocked before each push Graph does not say.
			ev.Method = assurance.MethodAuthenticatorPush
			addMode("microsoftAuthenticatorPush", "deviceBasedPush")
		case graphadapter.KindSoftwareOath:
			ev.Method = assurance.MethodSoftwareOATH
			addMode("softwareOath")
		case graphadapter.KindHardwareOath:
			ev.Method = assurance.MethodHardwareOATH
			addMode("hardwareOath")
		case graphadapter.KindWindowsHello:
			wh, _ := m.WindowsHello()
			ev = assurance.Evidence{Method: assurance.MethodWindowsHello, UserVerified: true,
				Syncability: assurance.DeviceBound, WeakKey: wh.KeyStrength == "weak"}
			passwordless = true
			addMode("windowsHelloForBusiness")
		case graphadapter.KindPlatformCredential:
			pc, _ := m.PlatformCredential()
			ev = assurance.Evidence{Method: assurance.MethodPlatformSSO, UserVerified: true,
				Syncability: assurance.DeviceBound, WeakKey: pc.KeyStrength == "weak"}
			passwordless = true
		case graphadapter.KindX509Certificate:
			// Graph does not say whether the certificate is unlocked by a
			// PIN; single-factor is the conservative reading.
			ev.Method = assurance.MethodCertificateSingleFactor
			addMode("x509CertificateSingleFactor")
		case graphadapter.KindTemporaryAccessPass:
			t, _ := m.TemporaryAccessPass()
			p.taps = append(p.taps, tapHeld{id: m.ID, m: t})
			if !tapActive(t, at) {
				continue
			}
			ev.Method = assurance.MethodTAP
			ev.WithPassword = false
			if t.IsUsableOnce {
				addMode("temporaryAccessPassOneTime")
			} else {
				addMode("temporaryAccessPassMultiUse")
			}
		default:
			continue
		}
		r := c.result(ev)
		if r.AAL > p.best {
			p.best = r.AAL
		}
		if r.PhishingResistant {
			p.phishRes = true
			if passwordless {
				p.passwordless = true
			}
		}
	}
	// Single-factor methods combine with the password into two-factor
	// modes (Graph's authenticationMethodModes, "password,sms").
	if withPassword {
		for _, m := range []string{"sms", "voice", "microsoftAuthenticatorPush", "softwareOath", "hardwareOath", "x509CertificateSingleFactor"} {
			if contains(p.modes, m) {
				addMode("password," + m)
			}
		}
	}
}

// passkeyEvidence maps a registered passkey to assurance evidence with
// passkey.CredentialFacts.Evidence, the mapping PasskeyProfile.Assurance
// uses too, so a user's tier and the range of the profile that admitted
// the passkey agree. With Options.Models' zero value (the embedded catalog,
// no FIDO metadata) an attested device-bound passkey counts as AAL3 only
// when the catalog lists its AAGUID as a hardware security key; one of a
// platform authenticator or of a model the catalog does not list counts as
// key protection unknown, AAL2 (Entra's "attested" proves the model, not
// where its key is). FIDO metadata settles such models.
func passkeyEvidence(f passkey.CredentialFacts, m passkey.Models) assurance.Evidence {
	return f.Evidence(m)
}

// tapActive reports whether a pass can still be used at at.
func tapActive(t graphadapter.TemporaryAccessPassMethod, at time.Time) bool {
	if !t.IsUsable {
		return false
	}
	if t.StartDateTime != nil {
		end := t.StartDateTime.Add(time.Duration(t.LifetimeInMinutes) * time.Minute)
		if !at.Before(end) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
