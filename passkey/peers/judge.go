package peers

import (
	"fmt"

	"github.com/keytier/keytier/passkey"
)

// The steps a Verdict names, in terms common to both libraries so that one
// table judges them. They are part of the contract of Verdict.Step.
const (
	StepParse              = "parse"                    // the response does not parse for the library
	StepSession            = "session challenge"        // go-webauthn: the relying party's challenge is shorter than 16 bytes
	StepOptions            = "relying party options"    // the library refuses the relying party's settings as written
	StepCredentialID       = "credential id"            // id, rawId, type, or the attested credential id
	StepType               = "clientDataJSON.type"      //
	StepChallenge          = "clientDataJSON.challenge" //
	StepOrigin             = "clientDataJSON.origin"    //
	StepCrossOrigin        = "clientDataJSON.crossOrigin"
	StepTopOrigin          = "clientDataJSON.topOrigin"
	StepTokenBinding       = "clientDataJSON.tokenBinding"
	StepAuthData           = "authenticator data"
	StepRPID               = "rpIdHash"
	StepUP                 = "user presence"
	StepUV                 = "user verification"
	StepBackupFlags        = "backup flags"
	StepAlgorithm          = "credential public key algorithm"
	StepExtensions         = "extension outputs"
	StepFormat             = "attestation statement format"
	StepU2FAAGUID          = "fido-u2f AAGUID"
	StepCertTime           = "certificate validity"
	StepTimestamp          = "SafetyNet timestamp"
	StepCTS                = "SafetyNet ctsProfileMatch"
	StepTrustAnchor        = "trust anchor"
	StepStatement          = "attestation statement"
	StepCredentialIDLength = "credential id length"
	StepOther              = "other"
)

// either is Verdict.RightBySpec when WebAuthn leaves the choice to the
// relying party: both answers conform, under different policies.
const either = "either"

// judge fills v's agreement and, where v and keytier disagree, which
// answer WebAuthn L3 supports and why. keytierErr is passkey.Verify's
// error for the same input (nil: accepted).
func judge(v *Verdict, keytierErr error) {
	keytierOK := keytierErr == nil
	v.AgreesWithKeytier = v.Accepts == keytierOK
	if v.AgreesWithKeytier {
		return
	}
	if keytierOK {
		judgeRefusal(v)
		return
	}
	judgeAcceptance(v, passkey.CodeOf(keytierErr))
}

// judgeRefusal: the library refuses what keytier accepts.
func judgeRefusal(v *Verdict) {
	switch v.Step {
	case StepUV:
		v.RightBySpec, v.Section = either, "§7.1, the step on the UV flag"
		v.Why = fmt.Sprintf("%s requires user verification unless told otherwise; §7.1 checks UV only when the relying party required user verification, and keytier was not told to (VerifyOptions.RequireUserVerification, --require-uv).", v.Name)
	case StepAlgorithm:
		v.RightBySpec, v.Section = "keytier", "§7.1, the step on the credential public key's alg and pubKeyCredParams"
		v.Why = fmt.Sprintf("The relying party offered this algorithm (it is in the list keytier was given); %s checks against its own default list instead, which lacks it.", v.Name)
	case StepSession:
		v.RightBySpec, v.Section = "keytier", "§13.4.3 Cryptographic Challenges, and §7.1, the step on C.challenge"
		v.Why = "go-webauthn refuses a ceremony whose challenge is shorter than 16 bytes. §13.4.3 asks the relying party to generate challenges of at least 16 random bytes; the §7.1 procedure only compares C.challenge with the challenge sent, which matches. The fault is the relying party's challenge, not the credential's."
	case StepU2FAAGUID:
		v.RightBySpec, v.Section = "keytier", "§8.6 (FIDO U2F Attestation Statement Format), verification procedure"
		v.Why = "The fido-u2f verification procedure has no step on the AAGUID; SimpleWebAuthn requires it to be all zero."
	case StepCertTime, StepTimestamp:
		v.RightBySpec, v.Section = either, "§7.1, the step assessing the attestation's trustworthiness"
		v.Why = fmt.Sprintf("keytier verified the attestation as of the reference time it was given; %s judges it at the current time. §7.1 leaves the trust assessment to the relying party's policy: re-verifying a stored registration as of when it was made is keytier's choice.", v.Name)
	case StepTrustAnchor:
		v.RightBySpec, v.Section = either, "§7.1, the steps obtaining trust anchors and assessing trustworthiness"
		v.Why = fmt.Sprintf("Which roots a relying party trusts is its policy; %s trusts only the roots it ships for this format, keytier also those it was given.", v.Name)
	case StepChallenge:
		v.RightBySpec, v.Section = v.Name, "§7.1, the step on C.challenge"
		v.Why = fmt.Sprintf("%s compares C.challenge as text with the challenge's base64url encoding, which has no padding; keytier compares the decoded bytes and so accepts another spelling of the same challenge. The text asks for equality with the base64url encoding.", v.Name)
	case StepOrigin, StepOptions:
		v.RightBySpec, v.Section = either, "§7.1, the step on C.origin, and §13.4.9 (Validating the origin of a credential)"
		v.Why = fmt.Sprintf("keytier normalises the configured origins (case, default port, trailing slash) before comparing; %s takes them as written. Write each expected origin as a browser serialises it and both agree.", v.Name)
	default:
		v.Why = fmt.Sprintf("keytier accepts; %s refuses at %q. keytier records no judgment for this step.", v.Name, v.Step)
	}
}

// judgeAcceptance: the library accepts what keytier refuses with code.
func judgeAcceptance(v *Verdict, code passkey.Code) {
	switch code {
	case passkey.CodeCrossOrigin:
		v.RightBySpec, v.Section = "keytier", "§7.1, the step on C.crossOrigin"
		v.Why = fmt.Sprintf("The registration was made in a cross-origin iframe and the relying party does not expect that; %s does not check C.crossOrigin when registering.", v.Name)
	case passkey.CodeTopOriginMismatch:
		v.RightBySpec, v.Section = "keytier", "§7.1, the step on C.topOrigin"
		v.Why = fmt.Sprintf("C.topOrigin names a top-level origin the relying party does not expect; %s does not check C.topOrigin when registering.", v.Name)
	case passkey.CodeFlagsInconsistent:
		v.RightBySpec, v.Section = "keytier", "§6.1.3 and §7.1, the step on the BE and BS flags"
		v.Why = fmt.Sprintf("BS is set without BE, a combination §6.1.3 does not allow and §7.1 refuses; %s does not check it.", v.Name)
	case passkey.CodeCredentialIDLength:
		v.RightBySpec, v.Section = "keytier", "§7.1, the step on credentialId's length"
		v.Why = fmt.Sprintf("The credential id is longer than 1023 bytes; %s does not check its length.", v.Name)
	case passkey.CodeCertExpired, passkey.CodeCertNotYetValid:
		v.RightBySpec, v.Section = "keytier", "§7.1, the step assessing the attestation's trustworthiness"
		v.Why = fmt.Sprintf("An attestation certificate is outside its validity period at the reference time, so it cannot vouch for the key (RFC 5280 §6.1.3); %s does not check this certificate's validity for this format.", v.Name)
	case passkey.CodeAlgNotAllowed:
		v.RightBySpec, v.Section = "keytier", "§7.1, the step on the credential public key's alg and pubKeyCredParams"
		v.Why = fmt.Sprintf("The algorithm was not among those the relying party offered; %s checks against its own default list, which has it.", v.Name)
	case passkey.CodeExtensionUnexpected:
		v.RightBySpec, v.Section = "keytier", "§7.1, the step on extension outputs"
		v.Why = fmt.Sprintf("An extension output was returned that the relying party did not request; %s lets it through.", v.Name)
	case passkey.CodeUntrusted, passkey.CodeAuthenticatorStatus:
		v.RightBySpec, v.Section = either, "§7.1, the step assessing the attestation's trustworthiness"
		v.Why = fmt.Sprintf("keytier was told to require a trusted, unrevoked attestation; %s, with its defaults, does not require one.", v.Name)
	default:
		v.Why = fmt.Sprintf("keytier refuses (%s); %s accepts. keytier records no judgment for this step.", code, v.Name)
	}
}
