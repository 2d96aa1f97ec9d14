package msgraph

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

// Cloud is one of Microsoft Graph's national cloud deployments: its Graph
// endpoint and the Microsoft Entra authority that issues tokens for it
// (learn.microsoft.com/graph/deployments).
type Cloud struct {
	Name     string
	Endpoint string // Graph's root, without a version: https://graph.microsoft.com
	// Authority configures azidentity credentials for the cloud's
	// Microsoft Entra authority (login.microsoftonline.com, ...).
	Authority cloud.Configuration
}

// The national clouds Graph runs in.
var (
	Global   = Cloud{Name: "global", Endpoint: "https://graph.microsoft.com", Authority: cloud.AzurePublic}
	USGov    = Cloud{Name: "usgov", Endpoint: "https://graph.microsoft.us", Authority: cloud.AzureGovernment}
	USGovDoD = Cloud{Name: "usgov-dod", Endpoint: "https://dod-graph.microsoft.us", Authority: cloud.AzureGovernment}
	China    = Cloud{Name: "china", Endpoint: "https://microsoftgraph.chinacloudapi.cn", Authority: cloud.AzureChina}
)

// Clouds lists the national clouds, Global first.
func Clouds() []Cloud { return []Cloud{Global, USGov, USGovDoD, China} }

// CloudFor returns the cloud whose Graph endpoint is endpoint (a trailing
// slash and a /v1.0 suffix are ignored). Another https endpoint, or a
// loopback http one (a test server), is accepted with Global's authority:
// its name is "custom". Anything else is an error.
func CloudFor(endpoint string) (Cloud, error) {
	if endpoint == "" {
		return Global, nil
	}
	e := strings.TrimSuffix(strings.TrimSuffix(endpoint, "/"), "/v1.0")
	u, err := url.Parse(e)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Cloud{}, fmt.Errorf("msgraph: Graph endpoint %q is not a URL such as https://graph.microsoft.com", endpoint)
	}
	for _, c := range Clouds() {
		if strings.EqualFold(c.Endpoint, e) {
			return c, nil
		}
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return Cloud{}, fmt.Errorf("msgraph: Graph endpoint %q must use https (plain http only on loopback)", endpoint)
	}
	return Cloud{Name: "custom", Endpoint: u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/"), Authority: cloud.AzurePublic}, nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// scope is the OAuth scope of the cloud's Graph: its endpoint's .default.
func (c Cloud) scope() string { return c.Endpoint + "/.default" }
