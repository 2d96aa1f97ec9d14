package graphadapter_test

import (
	"bytes"
	"fmt"
	"log/slog"
)

// fmtAll renders v with every common fmt verb and through slog.
func fmtAll(v any) string {
	var b bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&b, verb+"\n", v)
	}
	slog.New(slog.NewTextHandler(&b, nil)).Info("m", "v", v)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("m", "v", v)
	return b.String()
}
