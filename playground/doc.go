// Package playground builds and serves keytier's browser playground: a
// static page (web/) that runs keytier compiled to WebAssembly (wasm/), so
// a credential pasted into it never leaves the browser.
//
// Build compiles the WASM with the go command and writes the page into a
// directory; Handler serves such a directory:
//
//	dir, _ := os.MkdirTemp("", "keytier-playground")
//	if err := playground.Build(ctx, dir); err != nil {
//		return err
//	}
//	http.ListenAndServe("127.0.0.1:8765", playground.Handler(dir))
//
// `keytier playground` (cmd/keytier) does exactly that, and
// `keytier playground --export DIR` writes the site for a static host.
//
// The page reads its state from the URL fragment, so a verdict can be
// shared as a link: #sample=NAME loads an embedded sample and verifies it
// with the settings it was made for; #input=B64URL (the pasted text,
// base64url without padding) with optional &rp-id=, &origin= and
// &challenge= loads text as if it had been pasted; #story=NAME replays a
// recorded story of a credential's sign-ins; and
// #assertion=B64URL&record=B64URL&rp-id=&origin=&challenge= verifies one
// sign-in (the assertion's JSON) against a stored record (keytier's Record
// JSON or go-webauthn's webauthn.Credential JSON), showing the result in
// the element data-testid="signin-verdict": data-ok ("true" or "false"),
// data-events (the event codes, space-separated) and data-error-code
// (empty when ok). A pasted tenant snapshot also gets its rollout plan in
// the element data-testid="plan" (docs/playground.md lists its hooks).
package playground
