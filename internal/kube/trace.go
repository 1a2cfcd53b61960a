package kube

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// RequestTrace records every request a client sends, for `--trace-requests`
// and the side-by-side benchmarks (kubectl -v=6 shows the same).
type RequestTrace struct {
	mu      sync.Mutex
	entries []TracedRequest
}

// TracedRequest is one API request.
type TracedRequest struct {
	Method   string
	Path     string
	Status   int
	Duration time.Duration
	Err      error
}

// Wrap returns a transport that records into t; use it as rest.Config.WrapTransport.
func (t *RequestTrace) Wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := rt.RoundTrip(req)
		e := TracedRequest{Method: req.Method, Path: req.URL.RequestURI(), Duration: time.Since(start), Err: err}
		if resp != nil {
			e.Status = resp.StatusCode
		}
		t.mu.Lock()
		t.entries = append(t.entries, e)
		t.mu.Unlock()
		return resp, err
	})
}

// Requests returns the recorded requests in the order they finished.
func (t *RequestTrace) Requests() []TracedRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]TracedRequest(nil), t.entries...)
}

// Print writes one line per request and a count.
func (t *RequestTrace) Print(w io.Writer) {
	reqs := t.Requests()
	for _, r := range reqs {
		status := fmt.Sprint(r.Status)
		if r.Err != nil {
			status = "error: " + r.Err.Error()
		}
		fmt.Fprintf(w, "request: %s %s %s %s\n", r.Method, r.Path, status, r.Duration.Round(time.Microsecond))
	}
	fmt.Fprintf(w, "requests: %d\n", len(reqs))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
