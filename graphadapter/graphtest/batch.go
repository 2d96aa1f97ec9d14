package graphtest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// batchRequest is one item of a $batch body
// (learn.microsoft.com/graph/json-batching).
type batchRequest struct {
	ID        string            `json:"id"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	Body      jsontext.Value    `json:"body,omitempty"`
	DependsOn []string          `json:"dependsOn,omitempty"`
}

// batchResponse is one item of a $batch response.
type batchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    jsontext.Value    `json:"body,omitempty"`
}

// batch answers POST /$batch: the requests run in order, each through the
// same routes as a request of its own, and the batch answers 200 with one
// response per request, whatever their statuses.
func (h *handler) batch(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		h.graphError(w, http.StatusRequestEntityTooLarge, "BadRequest", "The batch body is too large.")
		return
	}
	var in struct {
		Requests []batchRequest `json:"requests"`
	}
	if err := jsonv2.Unmarshal(data, &in); err != nil {
		h.graphError(w, http.StatusBadRequest, "BadRequest", "Invalid batch payload format: "+err.Error())
		return
	}
	if err := validateBatch(in.Requests); err != nil {
		h.graphError(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	out := make([]batchResponse, 0, len(in.Requests))
	status := map[string]int{}
	for _, br := range in.Requests {
		resp := h.batchItem(r, br, status)
		status[br.ID] = resp.Status
		out = append(out, resp)
	}
	body, err := jsonv2.Marshal(struct {
		Responses []batchResponse `json:"responses"`
	}{out}, jsonv2.Deterministic(true))
	if err != nil {
		h.graphError(w, http.StatusInternalServerError, "generalException", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func validateBatch(reqs []batchRequest) error {
	if len(reqs) == 0 {
		return fmt.Errorf("Invalid batch payload format: no requests.")
	}
	if len(reqs) > MaxBatchRequests {
		return fmt.Errorf("Invalid batch payload format: %d requests; the limit is %d.", len(reqs), MaxBatchRequests)
	}
	seen := map[string]bool{}
	for i, br := range reqs {
		switch {
		case br.ID == "":
			return fmt.Errorf("Invalid batch payload format: requests.%d.id is missing.", i)
		case seen[br.ID]:
			return fmt.Errorf("Invalid batch payload format: request id '%s' is used twice.", br.ID)
		case br.Method == "":
			return fmt.Errorf("Invalid batch payload format: requests.%d.method is missing.", i)
		case br.URL == "" || strings.Contains(br.URL, "://"):
			return fmt.Errorf("Invalid batch payload format: requests.%d.url must be a URL relative to the version, such as /users.", i)
		}
		for _, d := range br.DependsOn {
			if !seen[d] {
				return fmt.Errorf("Invalid batch payload format: request '%s' depends on '%s', which is not an earlier request of the batch.", br.ID, d)
			}
		}
		seen[br.ID] = true
	}
	return nil
}

func (h *handler) batchItem(outer *http.Request, br batchRequest, status map[string]int) batchResponse {
	n := int(h.items.Add(1))
	h.count(func(s *Stats) { s.BatchItems++ })
	key := "$batch " + strings.ToUpper(br.Method) + " " + br.URL
	h.checkRetry(key)
	rec := httptest.NewRecorder()
	u := "/v1.0/" + strings.TrimPrefix(br.URL, "/")
	req, err := http.NewRequestWithContext(outer.Context(), strings.ToUpper(br.Method), u, bytes.NewReader(br.Body))
	switch {
	case err != nil:
		h.graphError(rec, http.StatusBadRequest, "BadRequest", "Invalid request URL.")
	case strings.TrimPrefix(req.URL.Path, "/v1.0") == "/$batch":
		h.graphError(rec, http.StatusBadRequest, "BadRequest", "A batch cannot contain another batch.")
	case len(br.Body) > 0 && headerValue(br.Headers, "Content-Type") == "":
		h.graphError(rec, http.StatusBadRequest, "BadRequest", "Content-Type header must be specified for a request with a body.")
	case failedDependency(br.DependsOn, status):
		h.graphError(rec, http.StatusFailedDependency, "failedDependency", "A request this one depends on failed.")
	case h.opts.Faults.BatchThrottleEvery > 0 && n%h.opts.Faults.BatchThrottleEvery == 0:
		h.route(req)
		h.throttle(rec, key)
	default:
		req.Host = outer.Host
		for k, v := range br.Headers {
			req.Header.Set(k, v)
		}
		h.serve(rec, req)
	}
	res := rec.Result()
	out := batchResponse{ID: br.ID, Status: res.StatusCode, Headers: map[string]string{}}
	for k, v := range res.Header {
		out.Headers[k] = strings.Join(v, ", ")
	}
	if b := rec.Body.Bytes(); len(b) > 0 {
		out.Body = b
	}
	return out
}

func headerValue(hs map[string]string, name string) string {
	for k, v := range hs {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func failedDependency(deps []string, status map[string]int) bool {
	for _, d := range deps {
		if s := status[d]; s < 200 || s > 299 {
			return true
		}
	}
	return false
}
