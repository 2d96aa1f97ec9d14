//go:build js && wasm

// Command wasm is the playground's WebAssembly entry point. It exposes
//
//	keytier.analyze(text, {rpId, origin, challenge, crossOrigin, topOrigins})
//	keytier.samples()
//
// on the page's global object. analyze resolves to the report
// `keytier inspect --json` prints for the same input and settings (it
// rejects when the settings are incomplete); samples resolves to the
// embedded samples with the settings they were made for.
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/keytier/keytier/playground/internal/bridge"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("analyze", js.FuncOf(analyze))
	api.Set("samples", js.FuncOf(listSamples))
	js.Global().Set("keytier", api)
	// The functions above run on this program's goroutines; returning from
	// main would end it.
	<-make(chan struct{})
}

// analyze reads its arguments while the JavaScript caller waits, then
// does the work in a goroutine and settles the returned Promise.
func analyze(_ js.Value, args []js.Value) any {
	var (
		text string
		s    bridge.Settings
	)
	if len(args) > 0 && args[0].Type() == js.TypeString {
		text = args[0].String()
	}
	if len(args) > 1 && args[1].Type() == js.TypeObject {
		o := args[1]
		s.RPID = stringField(o, "rpId")
		s.Origin = stringField(o, "origin")
		s.Challenge = stringField(o, "challenge")
		s.CrossOrigin = o.Get("crossOrigin").Truthy()
		if t := o.Get("topOrigins"); js.Global().Get("Array").Call("isArray", t).Bool() {
			for i := range t.Length() {
				if v := t.Index(i); v.Type() == js.TypeString && v.String() != "" {
					s.TopOrigins = append(s.TopOrigins, v.String())
				}
			}
		}
	}
	return promise(func() (any, error) {
		report, err := bridge.Analyze(text, s)
		if err != nil {
			return nil, err
		}
		return marshal(report)
	})
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
