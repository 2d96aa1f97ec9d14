package mds_test

import (
	"testing"

	"github.com/keytier/keytier/passkey/mds"
	"github.com/keytier/keytier/passkey/mds/mdstest"
)

func FuzzLoad(f *testing.F) {
	fx := newFixture(f, mdstest.NewSigner(f))
	f.Add(fx.blob)
	f.Add([]byte(""))
	f.Add([]byte("a.b.c"))
	f.Add([]byte("eyJhbGciOiJub25lIn0.e30."))
	f.Add(fx.signer.Sign(f, []byte(`{"no":1,"nextUpdate":"2026-04-01","entries":[{"aaguid":"x"}]}`)))
	f.Add(fx.signer.Sign(f, []byte(`not json`)))
	opts := fx.opts()
	opts.MaxSize = 1 << 20
	f.Fuzz(func(t *testing.T, blob []byte) {
		b, err := mds.Load(blob, opts)
		if err != nil {
			var e *mds.Error
			if b != nil || !asError(err, &e) {
				t.Fatalf("Load returned %v, %T %v", b, err, err)
			}
			return
		}
		for _, e := range b.Entries() {
			if e.Metadata == nil {
				t.Fatal("entry without metadata")
			}
		}
	})
}

func asError(err error, target **mds.Error) bool {
	e, ok := err.(*mds.Error)
	*target = e
	return ok && e.Kind != nil
}
