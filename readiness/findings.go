package readiness

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
)

// finding starts a finding of check c; subject ("" for tenant-wide) makes
// the id unique when a check reports several objects. The check then sets
// the finding's own Title, which states the problem.
func (c *Check) finding(subject string) Finding {
	id := c.ID
	if subject != "" {
		id += "/" + subject
	}
	return Finding{ID: id, Check: c.ID, Severity: c.Severity, Title: c.Title,
		EIDSCA: append([]string{}, c.EIDSCA...), Users: []string{}, Groups: []string{}}
}

func upns(ps []*person) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.upn())
	}
	sort.Strings(out)
	return out
}

func sortedUnique(list []string) []string {
	out := slices.Clone(list)
	sort.Strings(out)
	return slices.Compact(out)
}

// configURL is the Graph address of a method configuration.
func configURL(id string) string {
	return graphBase + "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/" + id
}

// patch builds a PATCH request; members is written as JSON with its keys
// in order (encoding/json sorts map keys).
func patch(url string, members map[string]any) *GraphRequest {
	b, err := json.Marshal(members)
	if err != nil {
		// Only values built in this package reach here; they marshal.
		panic("readiness: " + err.Error())
	}
	return &GraphRequest{Method: "PATCH", URL: url, Body: b}
}

// postJSON builds a POST request with a JSON body.
func postJSON(url string, members map[string]any) *GraphRequest {
	g := patch(url, members)
	g.Method = "POST"
	return g
}

// configPatch is a PATCH of a method configuration; Graph's examples send
// the @odata.type with every update.
func configPatch(id, odataType string, members map[string]any) *GraphRequest {
	if odataType != "" {
		members["@odata.type"] = odataType
	}
	return patch(configURL(id), members)
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}

// verb picks the singular or plural form for n subjects.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func itoa(n int) string { return strconv.Itoa(n) }
