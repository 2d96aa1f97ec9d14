package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/keytier/keytier/assurance"
	"github.com/keytier/keytier/passkey"
)

// signinReport is what `keytier signin --json` prints: the contract's
// members (ok, error, record, events, assurance) and the steps performed.
type signinReport struct {
	OK        bool                 `json:"ok"`
	Error     *passkey.ReportError `json:"error"`
	Record    *passkey.Record      `json:"record"`
	Events    []passkey.Event      `json:"events"`
	Assurance *assurance.Result    `json:"assurance"`
	Steps     []passkey.Step       `json:"steps,omitempty"`
	Warnings  []string             `json:"warnings,omitempty"`
}

func signinUsageReport(message string) signinReport {
	return signinReport{Error: &passkey.ReportError{Code: usageCode, Message: message}, Events: []passkey.Event{}}
}

func signinCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("signin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		recordFile, rpID, challenge string
		origins                     listFlag
		requireUV, rejectClone      bool
		asJSON, plain               bool
	)
	fs.StringVar(&recordFile, "record", "", "the stored credential: keytier record JSON or go-webauthn webauthn.Credential JSON (required)")
	fs.StringVar(&rpID, "rp-id", "", "relying party id (default: the record's)")
	fs.Var(&origins, "origin", "allowed origin, e.g. https://login.example.com (repeatable; default: the record's registration origin)")
	fs.StringVar(&challenge, "challenge", "", "the challenge the relying party sent, base64url (without it the challenge is not checked, and the output says so)")
	fs.BoolVar(&requireUV, "require-uv", false, "fail when the user was not verified (UV flag)")
	fs.BoolVar(&rejectClone, "reject-clone", false, "fail, rather than flag, a signature counter that did not advance")
	fs.BoolVar(&asJSON, "json", false, "print exactly one JSON object")
	fs.BoolVar(&plain, "plain", false, "explain events in plain language for end users")

	emit := func(r signinReport) {
		if asJSON || jsonRequested(args) {
			if err := writeJSONObject(stdout, r); err != nil {
				fmt.Fprintf(stderr, "keytier signin: %v\n", err)
			}
		}
	}
	usageErr := func(format string, a ...any) int {
		msg := fmt.Sprintf("keytier signin: "+format, a...)
		fmt.Fprintln(stderr, msg)
		emit(signinUsageReport(msg))
		return exitUsage
	}
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		emit(signinUsageReport("keytier signin: " + err.Error()))
		return exitUsage
	}
	switch {
	case recordFile == "":
		return usageErr("--record FILE is required")
	case fs.NArg() > 1:
		return usageErr("one assertion at a time, got %d", fs.NArg())
	}
	input := "-"
	if fs.NArg() == 1 {
		input = fs.Arg(0)
	}
	if input == "-" && recordFile == "-" {
		return usageErr("--record and the assertion cannot both come from stdin")
	}

	// An unreadable record or assertion is the caller's input problem
	// (exit 2), reported in the same shape as a refusal.
	unreadable := func(err error) int {
		r := signinReport{Events: []passkey.Event{}}
		r.Error = reportError(err)
		if !asJSON {
			fmt.Fprintf(stderr, "keytier signin: %v\n", err)
		}
		emit(r)
		return exitUsage
	}
	recData, err := readPolicyFile(recordFile, stdin, passkey.MaxRecordSize+1)
	if err != nil {
		return usageErr("--record: %v", err)
	}
	rec, err := passkey.ParseRecord(recData)
	if err != nil {
		return unreadable(err)
	}
	data, err := readPolicyFile(input, stdin, passkey.MaxAssertionSize+1)
	if err != nil {
		return usageErr("%v", err)
	}

	opts := passkey.AssertionOptions{
		RPID:                      rpID,
		Origins:                   origins,
		RequireUserVerification:   requireUV,
		RejectSignCountRegression: rejectClone,
	}
	var warnings []string
	if opts.RPID == "" {
		if opts.RPID = rec.RPID; opts.RPID == "" {
			return usageErr("the record does not say its relying party id: give --rp-id")
		}
	}
	if len(opts.Origins) == 0 {
		if rec.Origin == "" {
			return usageErr("the record does not say its origin: give --origin")
		}
		opts.Origins = []string{rec.Origin}
	}
	if len(rec.UserHandle) == 0 {
		// The record was named on the command line, which identifies the
		// credential; a go-webauthn row keeps no user handle to check the
		// response's against.
		opts.AllowCredentials = [][]byte{rec.ID}
		warnings = append(warnings, "the record carries no user handle, so the assertion's userHandle was not checked against the credential's owner")
	}
	if challenge == "" {
		opts.SkipChallengeCheck = true
		warnings = append(warnings, "no --challenge: the challenge was not checked, so this does not show the assertion is fresh (a replay would verify)")
	} else if opts.Challenge, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(challenge, "=")); err != nil {
		return usageErr("--challenge is not base64url: %v", err)
	}
	if err := (passkey.VerifyOptions{RPID: opts.RPID, Origins: opts.Origins, Challenge: []byte{1}, Algorithms: []int64{-7}}).Validate(); err != nil {
		var pe *passkey.Error
		if errors.As(err, &pe) {
			return usageErr("--origin: %s", pe.Reason)
		}
		return usageErr("%v", err)
	}

	s, err := passkey.VerifyAssertion(data, rec, opts)
	if s == nil {
		return unreadable(err)
	}
	r := signinReport{OK: err == nil, Events: s.Events, Steps: s.Steps, Warnings: warnings, Record: s.Record}
	if r.Events == nil {
		r.Events = []passkey.Event{}
	}
	if err != nil {
		r.Error = reportError(err)
	}
	if r.Record != nil {
		res := r.Record.Classify()
		r.Assurance = &res
	}
	if asJSON {
		emit(r)
	} else {
		renderSignin(stdout, input, rec, r, plain)
	}
	if !r.OK {
		return exitFail
	}
	return exitOK
}

func reportError(err error) *passkey.ReportError {
	e := &passkey.ReportError{Code: passkey.CodeOf(err), Message: err.Error()}
	var pe *passkey.Error
	if errors.As(err, &pe) {
		e.Where = pe.Where
	}
	return e
}

func renderSignin(w io.Writer, name string, before *passkey.Record, r signinReport, plain bool) {
	if name == "-" {
		name = "stdin"
	}
	if r.OK {
		fmt.Fprintf(w, "Sign-in verified: %s\n", name)
	} else {
		fmt.Fprintf(w, "Sign-in refused: %s\n", name)
		fmt.Fprintf(w, "  %s at %s: %s\n", r.Error.Code, r.Error.Where, r.Error.Message)
	}
	fmt.Fprintf(w, "  credential  %s\n", before.ID)
	fmt.Fprintf(w, "  authenticator  %s\n", before.Current.Authenticator)
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	if len(r.Events) == 0 {
		fmt.Fprintln(w, "\nNo events: nothing about the credential changed.")
	} else {
		fmt.Fprintln(w, "\nEvents:")
		for _, e := range r.Events {
			text := e.Admin
			if plain {
				text = e.Plain
			}
			fmt.Fprintf(w, "  %s  %s → %s\n    %s\n    (%s)\n", e.Code, e.Old, e.New, text, e.Citation)
		}
	}
	if r.Record == nil {
		fmt.Fprintln(w, "\nThe record is unchanged: the assertion did not verify far enough to say anything about the credential.")
		return
	}
	rec := r.Record
	fmt.Fprintln(w, "\nRecord after this sign-in:")
	fmt.Fprintf(w, "  tier  %s %s (registered as %s %s)\n", rec.Current.PasskeyType, rec.Current.AAL, rec.Registration.PasskeyType, rec.Registration.AAL)
	fmt.Fprintf(w, "  sign count  %d (was %d)\n", rec.SignCount, before.SignCount)
	fmt.Fprintf(w, "  backup  BE=%s BS=%s\n", bit(rec.BackupEligible), bit(rec.BackupState))
	fmt.Fprintln(w, "\nSteps (WebAuthn L3 §7.2):")
	for _, st := range r.Steps {
		mark := "ok  "
		if !st.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %s\n", mark, st.Check)
	}
}

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
