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
// POST /$batch carries the users' GET /users/{id}/authentication/methods.
// Graph answers the batch 200 and throttles the requests inside it one by
// one: those answered 429, 503 or 504 are sent again in a smaller batch
// after the longest Retry-After among them (or the backoff, without one),
// up to MaxRetries times. Any other failure fails the call, naming the user.
func (d *Directory) AuthenticationMethodsBatch(ctx context.Context, userIDs []string) ([][]graphadapter.Method, error) {
	const op = "AuthenticationMethodsBatch"
	if len(userIDs) > graphadapter.BatchSize {
		return nil, &graphadapter.DirectoryError{Op: op, Resource: "/$batch",
			Reason: fmt.Sprintf("%d users; a batch carries at most %d", len(userIDs), graphadapter.BatchSize)}
	}
	out := make([][]graphadapter.Method, len(userIDs))
	pending := make([]int, len(userIDs))
	for i := range pending {
		pending[i] = i
	}
	for attempt := 0; len(pending) > 0; attempt++ {
		ids := make([]string, len(pending))
		items := make([]batchItem, len(pending))
		for k, i := range pending {
			ids[k] = strconv.Itoa(i + 1)
			items[k] = batchItem{ID: ids[k], Method: http.MethodGet,
				URL: "/users/" + url.PathEscape(userIDs[i]) + "/authentication/methods"}
		}
		resource := fmt.Sprintf("/$batch (users %s … %s)", userIDs[pending[0]], userIDs[pending[len(pending)-1]])
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
		resps, err := graphadapter.ParseBatchResponse(data, ids)
		if err != nil {
			return nil, &graphadapter.DirectoryError{Op: op, Resource: resource, Err: err}
		}

		var (
			again []int
			wait  time.Duration
		)
		for k, r := range resps {
			i := pending[k]
			res := "/users/" + userIDs[i] + "/authentication/methods"
			switch {
			case r.Status == http.StatusOK:
				ms, err := d.methodPages(ctx, op, res+" (in $batch)", r.Body)
				if err != nil {
					return nil, err
				}
				out[i] = ms
			case retryable(r.Status):
				if r.Status == http.StatusTooManyRequests || r.Header("Retry-After") != "" {
					d.throttled.Add(1)
				}
				again = append(again, i)
				wait = max(wait, d.delay(r.Header("Retry-After"), attempt+1))
			default:
				code, msg := graphError(r.Body)
				return nil, &graphadapter.DirectoryError{Op: op, Resource: res + " (in $batch)",
					Reason: statusReason(r.Status, code, msg), Err: statusError(r.Status)}
			}
		}
		if len(again) == 0 {
			break
		}
		if attempt >= d.maxRetries {
			i := again[0]
			return nil, &graphadapter.DirectoryError{Op: op, Resource: "/users/" + userIDs[i] + "/authentication/methods (in $batch)",
				Reason: fmt.Sprintf("%d of the batch's requests still throttled after %d retries", len(again), d.maxRetries), Err: ErrThrottled}
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, d.fail(ctx, op, resource, err)
		}
		pending = again
	}
	return out, nil
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
