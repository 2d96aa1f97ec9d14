// Package gowebauthn is the go-webauthn peer of package peers: Check runs
// go-webauthn's high-level webauthn.CreateCredential in-process, with its
// default configuration and the relying party's settings, and reports its
// answer as a peers.Verdict.
//
// It is a package of its own because it links go-webauthn's webauthn
// package (session encoding, its own option types), which keytier's
// verification does not otherwise need; a program that must stay small,
// such as the playground's WASM build, can ask only peers.SimpleWebAuthn.
package gowebauthn
