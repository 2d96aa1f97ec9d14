package bridge

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/metadata"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/passkey"
	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/peers"
	"github.com/keytier/keytier/passkey/peers/gowebauthn"
)

// Result is what the page gets for whatever was pasted: Kind says which of
// the other members is set. Error, when set, says what was wrong with the
// input and where; a credential's own problems are in Report, as `keytier
// inspect --json` prints them.
type Result struct {
	Kind   Kind            `json:"kind"`
	Report *passkey.Report `json:"report,omitempty"`
	// Peers says, for a credential verified with complete settings, what
	// go-webauthn and @simplewebauthn/server would decide about it, as
	// `keytier inspect --json` reports it (peers.ForReport).
	Peers    []peers.Verdict `json:"peers,omitempty"`
	Policy   *PolicyView     `json:"policy,omitempty"`
	TAP      *TAPView        `json:"tap,omitempty"`
	Snapshot *SnapshotView   `json:"snapshot,omitempty"`
	Error    *InputError     `json:"error,omitempty"`
	// Notes tell the reader about the session: an MDS BLOB that was not
	// used, a policy now ready for the what-if panel.
	Notes []string `json:"notes,omitempty"`
	// WhatIf is true when the input became the what-if panel's policy.
	WhatIf bool `json:"whatIf"`
}

// Session is the state one page keeps in the bridge: the FIDO MDS3 BLOB
// the user gave, the policy or snapshot the what-if panel asks, and the
// credential whose sign-ins the page follows (its Timeline).
// Its methods are safe for concurrent use. The zero value is ready.
type Session struct {
	mu       sync.Mutex
	mds      *mds.BLOB
	policy   *passkey.FIDO2Policy
	snapshot *graphadapter.Snapshot
	// planned is the snapshot read last, with its audit, for Plan; nil
	// when the last input read was something else.
	planned  *audited
	timeline *Timeline
	// Now is the clock for the MDS BLOB's validity, a registration's time
	// and a sign-in's; nil means time.Now.
	Now func() time.Time
}

func (s *Session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Analyze detects what text is (Detect) and describes it. For a
// credential it returns passkey.Analyze's report, verified with st when st
// is complete and with the session's MDS BLOB, if any. A FIDO2 policy, or
// a snapshot with one, becomes the what-if panel's policy. The error is for
// settings the page must correct (see Settings.Options).
func (s *Session) Analyze(text string, st Settings) (Result, error) {
	kind, ierr := Detect(text)
	r := Result{Kind: kind, Error: ierr}
	s.setPlanned(nil)
	switch kind {
	case KindCredential:
		opts, err := st.Options()
		if err != nil {
			return Result{}, err
		}
		s.mu.Lock()
		blob := s.mds
		s.mu.Unlock()
		if opts != nil {
			opts.MDS = blob
		} else if blob != nil {
			r.Notes = append(r.Notes, "The MDS BLOB is used when keytier verifies: give the RP ID, origin and challenge to check the attestation against it.")
		}
		rep := passkey.Analyze([]byte(text), opts)
		r.Report = &rep
		r.Peers = peers.ForReport([]byte(text), opts, rep, gowebauthn.Check, peers.SimpleWebAuthn)
	case KindFIDO2Policy:
		v, p := buildPolicyView([]byte(text), nil)
		if !v.Valid {
			first := v.Errors[0]
			r.Error = &InputError{Code: CodePolicyInvalid, Where: first.Path,
				Message: fmt.Sprintf("the FIDO2 policy is not valid (%d error(s)): %s", len(v.Errors), first.Reason)}
		} else {
			cfg, err := graphadapter.ParseMethodConfiguration(mustMarshal(p))
			if err == nil {
				if cfg.ID == "" {
					cfg.ID = "Fido2"
				}
				v.Findings, err = policyFindings(cfg, "KT-FIDO2-")
			}
			if err != nil {
				r.Notes = append(r.Notes, "keytier could not run the readiness checks on this policy: "+err.Error())
			}
			s.setWhatIf(p, nil)
			r.WhatIf = true
		}
		r.Policy = &v
	case KindTAPPolicy:
		v, err := buildTAPView([]byte(text), nil)
		r.Error = err
		if err == nil {
			if cfg, perr := graphadapter.ParseMethodConfiguration([]byte(text)); perr == nil {
				if cfg.ID == "" {
					cfg.ID = "TemporaryAccessPass"
				}
				if f, ferr := policyFindings(cfg, "KT-TAP-"); ferr == nil {
					v.Findings = f
				} else {
					r.Notes = append(r.Notes, "keytier could not run the readiness checks on this policy: "+ferr.Error())
				}
			}
		}
		r.TAP = &v
	case KindSnapshot:
		v, snap, rep, err := buildSnapshotView([]byte(text))
		if err != nil {
			r.Error = err
			break
		}
		r.Snapshot = &v
		s.setPlanned(&audited{snap, rep})
		if v.Policy != nil && v.Policy.Valid {
			c, _ := snap.AuthenticationMethodsPolicy.MethodConfiguration("Fido2")
			if p, err := passkey.ParseFIDO2Policy(c.Raw); err == nil {
				s.setWhatIf(p, snap)
				r.WhatIf = true
			}
		}
	}
	return r, nil
}

func mustMarshal(p *passkey.FIDO2Policy) []byte {
	b, err := p.MarshalJSON()
	if err != nil {
		return nil
	}
	return b
}

func (s *Session) setWhatIf(p *passkey.FIDO2Policy, snap *graphadapter.Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy, s.snapshot = p, snap
}

// MDSInfo describes the BLOB a session verifies with.
type MDSInfo struct {
	Number     int    `json:"number"`
	NextUpdate string `json:"nextUpdate"`
	Entries    int    `json:"entries"`
	Skipped    int    `json:"skipped"`
	Stale      bool   `json:"stale"`
	// Root names the trust anchor the BLOB's signature chains to.
	Root string `json:"root"`
}

// LoadMDS verifies a FIDO MDS3 BLOB (mds.Load) against rootPEM, or, when
// rootPEM is empty, against FIDO's MDS3 root as go-webauthn ships it
// (metadata.ProductionMDSRoot, what `keytier inspect --mds` uses), and
// makes it the session's: credentials verified from now on look their
// authenticator up in it and may be trusted by it.
func (s *Session) LoadMDS(blob, rootPEM []byte) (MDSInfo, error) {
	if len(blob) > MaxMDSSize {
		return MDSInfo{}, fmt.Errorf("the BLOB is %d bytes; the playground reads at most %d", len(blob), MaxMDSSize)
	}
	root, err := mdsRoot(rootPEM)
	if err != nil {
		return MDSInfo{}, err
	}
	b, err := mds.Load(blob, mds.Options{Root: root, Now: s.Now, MaxSize: MaxMDSSize})
	if err != nil {
		return MDSInfo{}, err
	}
	info := MDSInfo{Number: b.Number, NextUpdate: b.NextUpdate.Format(time.DateOnly), Entries: len(b.Entries()),
		Skipped: len(b.Skipped), Stale: b.Stale(s.now()), Root: root.Subject.String()}
	s.mu.Lock()
	s.mds = b
	s.mu.Unlock()
	return info, nil
}

// ClearMDS forgets the session's BLOB.
func (s *Session) ClearMDS() {
	s.mu.Lock()
	s.mds = nil
	s.mu.Unlock()
}

func mdsRoot(rootPEM []byte) (*x509.Certificate, error) {
	if len(rootPEM) == 0 {
		der, err := base64.StdEncoding.DecodeString(metadata.ProductionMDSRoot)
		if err != nil {
			return nil, err
		}
		return x509.ParseCertificate(der)
	}
	blk, _ := pem.Decode(rootPEM)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("the root file is not a PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the root certificate: %w", err)
	}
	return c, nil
}
