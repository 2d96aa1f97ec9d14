// Package msgraph is the graphadapter.Directory of a live Microsoft Entra
// tenant, on Microsoft Graph through msgraph-sdk-go and azidentity. It is
// the only package of keytier that imports the Graph SDK: the core, the
// playground and library users who only classify credentials never compile
// it.
//
// Requests go through the SDK's request adapter and its middleware (Graph
// telemetry, retries that honour Retry-After on 429, 503 and 504). Lists use
// the SDK's request builders with $select and its page iterator; users'
// methods are read 20 at a time with JSON batching, and a response inside a
// batch that is throttled is sent again, after its own Retry-After, while
// the batch itself answered 200. Three reads go out as raw requests on the
// same adapter, because the SDK's models would lose what keytier needs:
// the authentication methods policy (the SDK has no model for passkey
// profiles: passkeyProfiles, defaultPasskeyProfile, allowedPasskeyProfiles),
// users' methods (keytier keeps each method's JSON as Graph sent it), and
// the $batch envelope (msgraph-sdk-go-core decodes each response body into a
// map, which reorders members and turns numbers into floats).
//
// The endpoint can be any of Graph's national clouds (see Clouds); the
// credential is an azidentity credential chosen as Azure tools choose it
// (NewCredential), or a pre-acquired access token (StaticToken). TLS uses
// the system's trust store, which honours SSL_CERT_FILE and SSL_CERT_DIR.
// Tokens never appear in errors, logs or printed values.
//
//	cred, err := msgraph.NewCredential(msgraph.AuthAzureCLI, msgraph.Global, msgraph.CredentialOptions{TenantID: tenant})
//	dir, err := msgraph.New(msgraph.Config{Credential: cred})
//	snap, err := graphadapter.BuildSnapshot(ctx, dir, graphadapter.BuildOptions{})
package msgraph
