package msgraph

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	abs "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"

	"github.com/keytier/keytier/graphadapter"
)

// maxRetryAfter caps a Retry-After keytier honours; a longer one is
// answered with this wait, then the next retry.
const maxRetryAfter = 5 * time.Minute

type batchItem struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

// AuthenticationMethodsBatch implements graphadapter.BatchMethodReader: one
// POST /$batch carries the users' GET /users/{id}/authentication/methods
// (see batch for throttling inside a batch).
func (d *Directory) AuthenticationMethodsBatch(ctx context.Context, userIDs []string) ([][]graphadapter.Method, error) {
	const op = "AuthenticationMethodsBatch"
	urls := make([]string, len(userIDs))
	for i, id := range userIDs {
		urls[i] = "/users/" + url.PathEscape(id) + "/authentication/methods"
	}
	resps, err := d.batch(ctx, op, "users", userIDs, urls)
	if err != nil {
		return nil, err
	}
	out := make([][]graphadapter.Method, len(userIDs))
	for i, r := range resps {
		if out[i], err = d.methodPages(ctx, op, "/users/"+userIDs[i]+"/authentication/methods (in $batch)", r.Body); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GroupMembersBatch implements graphadapter.BatchGroupMemberReader: the
// first page of each group's transitive user members comes in one $batch;
// a group with more members than a page holds continues page by page.
func (d *Directory) GroupMembersBatch(ctx context.Context, groupIDs []string) ([][]string, error) {
	const op = "GroupMembersBatch"
	urls := make([]string, len(groupIDs))
	for i, id := range groupIDs {
		urls[i] = "/groups/" + url.PathEscape(id) + "/transitiveMembers/microsoft.graph.user?$select=id&$top=" + strconv.Itoa(int(d.pageSize))
	}
	resps, err := d.batch(ctx, op, "groups", groupIDs, urls)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(groupIDs))
	for i, r := range resps {
		res := "/groups/" + groupIDs[i] + "/transitiveMembers/microsoft.graph.user"
		data := []byte(r.Body)
		ids := []string{}
		for {
			page, next, err := graphadapter.ParseMembersPage(data)
			if err != nil {
				return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
			}
			if ids = append(ids, page...); len(ids) > graphadapter.MaxMembersPerGroup {
				return nil, &graphadapter.DirectoryError{Op: op, Resource: res,
					Reason: fmt.Sprintf("more than %d members (MaxMembersPerGroup)", graphadapter.MaxMembersPerGroup)}
			}
			if next == "" {
				break
			}
			ri, err := d.nextLink(next)
			if err != nil {
				return nil, &graphadapter.DirectoryError{Op: op, Resource: res, Err: err}
			}
			if data, err = d.send(ctx, ri); err != nil {
				return nil, d.fail(ctx, op, fmt.Sprintf("%s (the page after member #%d)", res, len(ids)), err)
			}
		}
		out[i] = ids
	}
	return out, nil
}

// batch sends the GET requests urls (relative to the version, at most
// graphadapter.BatchSize) in one POST /$batch and returns their responses,
// all 200, in order. ids name the objects the requests read, what says
// what they are ("users"), for errors.
//
// Graph answers a batch 200 and throttles the requests inside it one by
// one: those answered 429, 503 or 504 are sent again in a smaller batch
// after the longest Retry-After among them (or the backoff, without one),
// up to MaxRetries times. Any other failure fails the call, naming the
// object.
func (d *Directory) batch(ctx context.Context, op, what string, ids, urls []string) ([]graphadapter.BatchResponse, error) {
	if len(urls) > graphadapter.BatchSize {
		return nil, &graphadapter.DirectoryError{Op: op, Resource: "/$batch",
			Reason: fmt.Sprintf("%d %s; a batch carries at most %d", len(urls), what, graphadapter.BatchSize)}
	}
	out := make([]graphadapter.BatchResponse, len(urls))
	pending := make([]int, len(urls))
	for i := range pending {
		pending[i] = i
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		keys := make([]string, len(pending))
		items := make([]batchItem, len(pending))
		for k, i := range pending {
			keys[k] = strconv.Itoa(i + 1)
			items[k] = batchItem{ID: keys[k], Method: http.MethodGet, URL: urls[i]}
		}
		resource := fmt.Sprintf("/$batch (%s %s … %s)", what, ids[pending[0]], ids[pending[len(pending)-1]])
		body, err := jsonv2.Marshal(struct {
			Requests []batchItem `json:"requests"`
		}{items})
		if err != nil {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: resource, Err: err}
		}
		ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.POST, "{+baseurl}/$batch", map[string]string{})
		ri.Headers.TryAdd("Accept", "application/json")
		ri.SetStreamContentAndContentType(body, "application/json")
		data, err := d.send(ctx, ri)
		if err != nil {
			return nil, d.fail(ctx, op, resource, err)
		}
		resps, err := graphadapter.ParseBatchResponse(data, keys)
		if err != nil {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: resource, Err: err}
		}

		var (
			again []int
			wait  time.Duration
		)
		for k, r := range resps {
			i := pending[k]
			switch {
			case r.Status == http.StatusOK:
				out[i] = r
			case retryable(r.Status):
				if r.Status == http.StatusTooManyRequests || r.Header("Retry-After") != "" {
					d.throttled.Add(1)
				}
				again = append(again, i)
				wait = max(wait, d.delay(r.Header("Retry-After"), attempt+1))
			default:
				code, msg := graphError(r.Body)
				return nil, &graphadapter.DirectoryError{Op: op, Resource: itemResource(urls[i]),
					Reason: statusReason(r.Status, code, msg), Err: statusError(r.Status)}
			}
		}
		if len(again) == 0 {
			break
		}
		if attempt >= d.maxRetries {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: itemResource(urls[again[0]]),
				Reason: fmt.Sprintf("%d of the batch's requests still throttled after %d retries", len(again), d.maxRetries), Err: ErrThrottled}
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, d.fail(ctx, op, resource, err)
		}
		pending = again
	}
	return out, nil
}

// itemResource names a request inside a batch: its path, unescaped, without
// the query.
func itemResource(u string) string {
	p, _, _ := strings.Cut(u, "?")
	if unescaped, err := url.PathUnescape(p); err == nil {
		p = unescaped
	}
	return p + " (in $batch)"
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// delay is how long to wait before retry number n (from 1): Retry-After,
// in seconds or as an HTTP date, when it is given; otherwise RetryDelay^n
// seconds, as the SDK's retry handler waits for whole requests.
func (d *Directory) delay(retryAfter string, n int) time.Duration {
	if retryAfter != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(retryAfter)); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, maxRetryAfter)
		}
		if t, err := http.ParseTime(retryAfter); err == nil {
			return min(max(time.Until(t), 0), maxRetryAfter)
		}
	}
	secs := math.Pow(float64(d.retryDelay), float64(n))
	return min(time.Duration(secs*float64(time.Second)), maxRetryAfter)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// graphError reads Graph's error body ({"error": {"code", "message"}}),
// as far as it can.
func graphError(body jsontext.Value) (code, msg string) {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if len(body) == 0 || jsonv2.Unmarshal(body, &e) != nil {
		return "", ""
	}
	const most = 300
	if len(e.Error.Message) > most {
		e.Error.Message = e.Error.Message[:most] + "…"
	}
	return e.Error.Code, e.Error.Message
}

// meter is the innermost middleware: it counts every attempt and every
// answer that asks to slow down, and bounds the size of response bodies.
type meter struct{ d *Directory }

func (m meter) Intercept(p khttp.Pipeline, i int, req *http.Request) (*http.Response, error) {
	resp, err := p.Next(req, i)
	m.d.requests.Add(1)
	if err != nil {
		return resp, err
	}
	if resp.StatusCode == http.StatusTooManyRequests || (retryable(resp.StatusCode) && resp.Header.Get("Retry-After") != "") {
		m.d.throttled.Add(1)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: graphadapter.MaxResponseSize}
	return resp, nil
}

// errTooLarge: a response body is larger than graphadapter.MaxResponseSize.
var errTooLarge = fmt.Errorf("response body larger than %d bytes (graphadapter.MaxResponseSize)", graphadapter.MaxResponseSize)

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
