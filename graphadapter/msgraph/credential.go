package msgraph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// AuthMethod names a way to get Graph tokens, as the --auth flag spells it.
type AuthMethod string

// The methods NewCredential knows. Each reads what it needs from the
// environment variables azidentity and the Azure CLI use
// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
// AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_CERTIFICATE_PASSWORD).
const (
	// AuthDefault tries, in order, the environment, workload identity,
	// managed identity, the Azure CLI and the Azure Developer CLI
	// (azidentity's DefaultAzureCredential).
	AuthDefault AuthMethod = "default"
	// AuthEnvironment: a client secret or certificate named by the
	// environment variables.
	AuthEnvironment AuthMethod = "environment"
	// AuthClientSecret: an application with AZURE_CLIENT_ID and
	// AZURE_CLIENT_SECRET.
	AuthClientSecret AuthMethod = "client-secret"
	// AuthClientCertificate: an application with AZURE_CLIENT_ID and the
	// PEM or PKCS#12 file AZURE_CLIENT_CERTIFICATE_PATH.
	AuthClientCertificate AuthMethod = "client-certificate"
	// AuthManagedIdentity: the Azure resource's managed identity
	// (user-assigned when AZURE_CLIENT_ID is set).
	AuthManagedIdentity AuthMethod = "managed-identity"
	// AuthWorkloadIdentity: Kubernetes workload identity federation.
	AuthWorkloadIdentity AuthMethod = "workload-identity"
	// AuthAzureCLI: the account `az login` signed in.
	AuthAzureCLI AuthMethod = "azure-cli"
	// AuthDeviceCode: sign in in a browser on any device with a code
	// printed to the prompt writer.
	AuthDeviceCode AuthMethod = "device-code"
	// AuthToken: a pre-acquired access token in KEYTIER_GRAPH_TOKEN, such
	// as `az account get-access-token --resource-type ms-graph --query
	// accessToken -o tsv` prints. It is never read from a flag.
	AuthToken AuthMethod = "token"
)

// TokenEnv is the environment variable AuthToken reads.
const TokenEnv = "KEYTIER_GRAPH_TOKEN"

// AuthMethods lists the methods NewCredential knows, AuthDefault first.
func AuthMethods() []AuthMethod {
	return []AuthMethod{AuthDefault, AuthEnvironment, AuthClientSecret, AuthClientCertificate,
		AuthManagedIdentity, AuthWorkloadIdentity, AuthAzureCLI, AuthDeviceCode, AuthToken}
}

// CredentialOptions are what NewCredential needs besides the method.
type CredentialOptions struct {
	// TenantID is the directory (tenant) id or a verified domain;
	// "": AZURE_TENANT_ID, or for the Azure CLI its signed-in tenant.
	TenantID string
	// Getenv reads the environment; nil: os.Getenv.
	Getenv func(string) string
	// Prompt receives the device code sign-in instructions; nil: os.Stderr.
	Prompt io.Writer
	// Now is the clock for a static token's expiry; nil: time.Now.
	Now func() time.Time
}

// NewCredential returns a token credential for method in cloud c.
func NewCredential(method AuthMethod, c Cloud, opts CredentialOptions) (azcore.TokenCredential, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	tenant := opts.TenantID
	if tenant == "" {
		tenant = getenv("AZURE_TENANT_ID")
	}
	client := azcore.ClientOptions{Cloud: c.Authority}
	need := func(names ...string) error {
		var missing []string
		for _, n := range names {
			if getenv(n) == "" {
				missing = append(missing, n)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("msgraph: --auth %s needs %s set", method, strings.Join(missing, ", "))
		}
		return nil
	}
	needTenant := func() error {
		if tenant == "" {
			return fmt.Errorf("msgraph: --auth %s needs the tenant: give --tenant or set AZURE_TENANT_ID", method)
		}
		return nil
	}

	switch method {
	case AuthDefault, "":
		return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: client, TenantID: tenant})
	case AuthEnvironment:
		return azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: client})
	case AuthClientSecret:
		if err := errors.Join(needTenant(), need("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")); err != nil {
			return nil, err
		}
		return azidentity.NewClientSecretCredential(tenant, getenv("AZURE_CLIENT_ID"), getenv("AZURE_CLIENT_SECRET"),
			&azidentity.ClientSecretCredentialOptions{ClientOptions: client})
	case AuthClientCertificate:
		if err := errors.Join(needTenant(), need("AZURE_CLIENT_ID", "AZURE_CLIENT_CERTIFICATE_PATH")); err != nil {
			return nil, err
		}
		path := getenv("AZURE_CLIENT_CERTIFICATE_PATH")
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("msgraph: AZURE_CLIENT_CERTIFICATE_PATH: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")))
		if err != nil {
			return nil, fmt.Errorf("msgraph: AZURE_CLIENT_CERTIFICATE_PATH %s: %w", path, err)
		}
		return azidentity.NewClientCertificateCredential(tenant, getenv("AZURE_CLIENT_ID"), certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: client})
	case AuthManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: client}
		if id := getenv("AZURE_CLIENT_ID"); id != "" {
			o.ID = azidentity.ClientID(id)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case AuthWorkloadIdentity:
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{ClientOptions: client, TenantID: tenant})
	case AuthAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: tenant})
	case AuthDeviceCode:
		prompt := opts.Prompt
		if prompt == nil {
			prompt = os.Stderr
		}
		return azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: client,
			TenantID:      tenant,
			ClientID:      getenv("AZURE_CLIENT_ID"), // "": azidentity's default public client
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				_, err := fmt.Fprintln(prompt, m.Message)
				return err
			},
		})
	case AuthToken:
		tok := strings.TrimSpace(getenv(TokenEnv))
		if tok == "" {
			return nil, fmt.Errorf("msgraph: --auth token reads the access token from %s, which is empty "+
				"(set it to what `az account get-access-token --resource-type ms-graph --query accessToken -o tsv` prints)", TokenEnv)
		}
		return NewStaticToken(tok, opts.Now)
	}
	names := make([]string, 0, len(AuthMethods()))
	for _, m := range AuthMethods() {
		names = append(names, string(m))
	}
	return nil, fmt.Errorf("msgraph: unknown auth method %q (one of %s)", method, strings.Join(names, ", "))
}

// StaticToken is a credential that returns one pre-acquired access token
// until it expires. Every printed or encoded form of it is redacted.
type StaticToken struct {
	token   string
	expires time.Time
	now     func() time.Time
}

// NewStaticToken returns a credential for token. When the token is a JWT
// its exp claim is its expiry (read, not verified: Graph verifies it);
// otherwise it is taken to last an hour, as Entra's access tokens do by
// default. now is the clock; nil: time.Now.
func NewStaticToken(token string, now func() time.Time) (*StaticToken, error) {
	if now == nil {
		now = time.Now
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return nil, errors.New("msgraph: the access token contains white space; give the token alone, without \"Bearer\"")
	}
	exp, ok := jwtExpiry(token)
	if !ok {
		exp = now().Add(time.Hour)
	}
	return &StaticToken{token: token, expires: exp, now: now}, nil
}

// GetToken implements azcore.TokenCredential.
func (s *StaticToken) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if err := ctx.Err(); err != nil {
		return azcore.AccessToken{}, err
	}
	if !s.now().Before(s.expires) {
		return azcore.AccessToken{}, fmt.Errorf("msgraph: the access token in %s expired at %s; get a new one", TokenEnv, s.expires.UTC().Format(time.RFC3339))
	}
	return azcore.AccessToken{Token: s.token, ExpiresOn: s.expires}, nil
}

// Expires is when the token expires.
func (s *StaticToken) Expires() time.Time { return s.expires }

const redacted = "[REDACTED]"

func (s *StaticToken) String() string               { return "msgraph.StaticToken(" + redacted + ")" }
func (s *StaticToken) GoString() string             { return s.String() }
func (s *StaticToken) Format(f fmt.State, _ rune)   { _, _ = io.WriteString(f, s.String()) }
func (s *StaticToken) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }
func (s *StaticToken) LogValue() slog.Value         { return slog.StringValue(redacted) }

// jwtExpiry reads the exp claim of a JWT without verifying it.
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(parts[1]) > 16<<10 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	sec, err := claims.Exp.Int64()
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}
