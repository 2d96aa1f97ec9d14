package msgraph_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/keytier/keytier/graphadapter"
	"github.com/keytier/keytier/graphadapter/graphadaptertest"
	"github.com/keytier/keytier/graphadapter/graphtest"
	"github.com/keytier/keytier/graphadapter/msgraph"
)

// testToken is the bearer token the test servers require.
const testToken = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJl"

// serve starts a Graph test server over s and returns a Directory talking
// to it through the SDK.
func serve(t *testing.T, s *graphadapter.Snapshot, opts graphtest.Options, cfg msgraph.Config) (*graphtest.Server, *msgraph.Directory) {
	t.Helper()
	opts.Token = testToken
	srv, err := graphtest.NewServer(s, opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	tok, err := msgraph.NewStaticToken(testToken, nil)
	require.NoError(t, err)
	cfg.Endpoint = srv.URL
	cfg.Credential = tok
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = 1
	}
	d, err := msgraph.New(cfg)
	require.NoError(t, err)
	return srv, d
}

func TestConformance(t *testing.T) {
	graphadaptertest.Run(t, func(t *testing.T, s *graphadapter.Snapshot) graphadapter.Directory {
		_, d := serve(t, s, graphtest.Options{}, msgraph.Config{})
		return d
	})
}
