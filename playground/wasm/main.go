//go:build js && wasm

// Command wasm is the playground's WebAssembly entry point. It exposes
//
//	keytier.analyze(text, {rpId, origin, challenge, crossOrigin, topOrigins})
//	keytier.whatIf({userId, groups, roles, credential, settings})
//	keytier.compare({text, settings}, {text, settings})
//	keytier.loadMDS(blob Uint8Array, rootPEM Uint8Array|null)
//	keytier.clearMDS()
//	keytier.samples()
//	keytier.roles()
//	keytier.enroll(registration, {rpId, origin, challenge}, userHandle)
//	keytier.signIn({assertion, record, settings: {rpId, origin, challenge}})
//	keytier.importRecord(text)
//	keytier.stories()
//	keytier.story(name)
//	keytier.plan({start, waveDays})
//
// on the page's global object, each returning a Promise. analyze resolves
// to a bridge.Result: what the text is (a credential, a FIDO2 policy, a
// Temporary Access Pass policy, a tenant snapshot) and its description; for
// a credential, the report `keytier inspect --json` prints for the same
// input and settings, with its peers (what go-webauthn and
// @simplewebauthn/server would decide). It rejects when the settings are incomplete. The
// others are bridge.Session's methods of the same names; samples resolves
// to the embedded samples with the settings they were made for, roles to
// the privileged roles the what-if panel offers. enroll, signIn,
// importRecord and story follow one credential through its sign-ins
// (bridge.Timeline): enroll verifies a registration and keeps its record,
// signIn verifies an assertion against it (or against the record it is
// given) and resolves to a bridge.SignInResult, never rejecting;
// importRecord reads a stored record; story replays a recorded story of
// the gallery (stories lists them). plan resolves to the rollout plan
// (bridge.PlanView) of the tenant snapshot analyze read last, and rejects
// when there is none or the settings are wrong.
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/keytier/keytier/playground/internal/bridge"
)

// session is the page's state: its MDS BLOB and what-if policy.
var session bridge.Session

func main() {
	api := js.Global().Get("Object").New()
	api.Set("analyze", js.FuncOf(analyze))
	api.Set("whatIf", js.FuncOf(whatIf))
	api.Set("compare", js.FuncOf(compare))
	api.Set("loadMDS", js.FuncOf(loadMDS))
	api.Set("clearMDS", js.FuncOf(clearMDS))
	api.Set("samples", js.FuncOf(listSamples))
	api.Set("roles", js.FuncOf(listRoles))
	api.Set("enroll", js.FuncOf(enroll))
	api.Set("signIn", js.FuncOf(signIn))
	api.Set("importRecord", js.FuncOf(importRecord))
	api.Set("stories", js.FuncOf(listStories))
	api.Set("story", js.FuncOf(story))
	api.Set("plan", js.FuncOf(plan))
	js.Global().Set("keytier", api)
	// The functions above run on this program's goroutines; returning from
	// main would end it.
	<-make(chan struct{})
}

// analyze reads its arguments while the JavaScript caller waits, then
// does the work in a goroutine and settles the returned Promise.
func analyze(_ js.Value, args []js.Value) any {
	var text string
	if len(args) > 0 && args[0].Type() == js.TypeString {
		text = args[0].String()
	}
	var s bridge.Settings
	if len(args) > 1 {
		s = settings(args[1])
	}
	return promise(func() (any, error) {
		r, err := session.Analyze(text, s)
		if err != nil {
			return nil, err
		}
		return marshal(r)
	})
}

func whatIf(_ js.Value, args []js.Value) any {
	var req bridge.WhatIfRequest
	if len(args) > 0 && args[0].Type() == js.TypeObject {
		o := args[0]
		req.UserID = stringField(o, "userId")
		req.Groups = stringList(o.Get("groups"))
		req.Roles = stringList(o.Get("roles"))
		req.Credential = stringField(o, "credential")
		req.Settings = settings(o.Get("settings"))
	}
	return promise(func() (any, error) {
		r, err := session.WhatIf(req)
		if err != nil {
			return nil, err
		}
		return marshal(r)
	})
}

func compare(_ js.Value, args []js.Value) any {
	var sides [2]bridge.Side
	for i := range sides {
		if len(args) > i && args[i].Type() == js.TypeObject {
			sides[i] = bridge.Side{Text: stringField(args[i], "text"), Settings: settings(args[i].Get("settings"))}
		}
	}
	return promise(func() (any, error) {
		c, err := session.Compare(sides[0], sides[1])
		if err != nil {
			return nil, err
		}
		return marshal(c)
	})
}

// loadMDS copies the bytes out of JavaScript before it returns: the
// caller may reuse its buffers once the Promise exists.
func loadMDS(_ js.Value, args []js.Value) any {
	var blob, root []byte
	if len(args) > 0 {
		blob = bytesOf(args[0])
	}
	if len(args) > 1 {
		root = bytesOf(args[1])
	}
	return promise(func() (any, error) {
		info, err := session.LoadMDS(blob, root)
		if err != nil {
			return nil, err
		}
		return marshal(info)
	})
}

func clearMDS(js.Value, []js.Value) any {
	return promise(func() (any, error) {
		session.ClearMDS()
		return js.Null(), nil
	})
}

func listRoles(js.Value, []js.Value) any {
	return promise(func() (any, error) { return marshal(bridge.PrivilegedRoleOptions()) })
}

func enroll(_ js.Value, args []js.Value) any {
	text, userHandle := stringArg(args, 0), stringArg(args, 2)
	var s bridge.Settings
	if len(args) > 1 {
		s = settings(args[1])
	}
	return promise(func() (any, error) {
		v, err := session.Enroll(text, s, userHandle)
		if err != nil {
			return nil, err
		}
		return marshal(v)
	})
}

func signIn(_ js.Value, args []js.Value) any {
	var req bridge.SignInRequest
	if len(args) > 0 && args[0].Type() == js.TypeObject {
		o := args[0]
		req.Assertion = stringField(o, "assertion")
		req.Record = stringField(o, "record")
		req.Settings = settings(o.Get("settings"))
	}
	return promise(func() (any, error) { return marshal(session.SignIn(req)) })
}

func importRecord(_ js.Value, args []js.Value) any {
	text := stringArg(args, 0)
	return promise(func() (any, error) {
		v, err := session.ImportRecord(text)
		if err != nil {
			return nil, err
		}
		return marshal(v)
	})
}

func listStories(js.Value, []js.Value) any {
	return promise(func() (any, error) { return marshal(bridge.Stories) })
}

func story(_ js.Value, args []js.Value) any {
	name := stringArg(args, 0)
	return promise(func() (any, error) {
		v, err := session.Story(name)
		if err != nil {
			return nil, err
		}
		return marshal(v)
	})
}

func plan(_ js.Value, args []js.Value) any {
	var req bridge.PlanRequest
	if len(args) > 0 && args[0].Type() == js.TypeObject {
		req.Start = stringField(args[0], "start")
		if d := args[0].Get("waveDays"); d.Type() == js.TypeNumber {
			req.WaveDays = d.Int()
		}
	}
	return promise(func() (any, error) {
		v, err := session.Plan(req)
		if err != nil {
			return nil, err
		}
		return marshal(v)
	})
}

// stringArg is args[i] when it is a string, else "".
func stringArg(args []js.Value, i int) string {
	if len(args) > i && args[i].Type() == js.TypeString {
		return args[i].String()
	}
	return ""
}

// settings reads {rpId, origin, challenge, crossOrigin, topOrigins}.
func settings(o js.Value) bridge.Settings {
	var s bridge.Settings
	if o.Type() != js.TypeObject {
		return s
	}
	s.RPID = stringField(o, "rpId")
	s.Origin = stringField(o, "origin")
	s.Challenge = stringField(o, "challenge")
	s.CrossOrigin = o.Get("crossOrigin").Truthy()
	s.TopOrigins = stringList(o.Get("topOrigins"))
	return s
}

// stringList reads an array of non-empty strings; anything else is skipped.
func stringList(t js.Value) []string {
	if !js.Global().Get("Array").Call("isArray", t).Bool() {
		return nil
	}
	var out []string
	for i := range t.Length() {
		if v := t.Index(i); v.Type() == js.TypeString && v.String() != "" {
			out = append(out, v.String())
		}
	}
	return out
}

// bytesOf copies a Uint8Array (at most bridge.MaxMDSSize+1 bytes, so an
// oversized BLOB is reported as such); anything else is nil.
func bytesOf(v js.Value) []byte {
	if v.Type() != js.TypeObject || !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil
	}
	n := min(v.Length(), bridge.MaxMDSSize+1)
	b := make([]byte, n)
	js.CopyBytesToGo(b, v.Call("subarray", 0, n))
	return b
}

func listSamples(js.Value, []js.Value) any {
	return promise(func() (any, error) {
		b, err := bridge.MarshalSamples()
		if err != nil {
			return nil, err
		}
		return parseJSON(b)
	})
}

func stringField(o js.Value, name string) string {
	if v := o.Get(name); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

// marshal encodes v with encoding/json, as the CLI does, and hands the page
// a plain object.
func marshal(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return parseJSON(b)
}

func parseJSON(b []byte) (any, error) {
	return js.Global().Get("JSON").Call("parse", string(b)), nil
}

// promise returns a Promise settled by work, which runs in its own
// goroutine so the JavaScript event loop is never blocked on Go.
func promise(work func() (any, error)) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer func() {
				if r := recover(); r != nil {
					reject.Invoke(js.Global().Get("Error").New(fmt.Sprintf("keytier: internal error: %v", r)))
				}
			}()
			v, err := work()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	// The Promise constructor calls the executor synchronously, so it can
	// be released as soon as the Promise exists.
	defer executor.Release()
	return js.Global().Get("Promise").New(executor)
}
