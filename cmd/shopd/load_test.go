package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestLoadSendsRequestsAndTalliesTheirCodes(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"load", "--target", srv.URL + "/checkout", "--rps", "100", "--duration", "300ms"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	m := regexp.MustCompile(`^sent (\d+): 200×(\d+) 500×(\d+), no answer 0, cancelled (\d+), skipped 0\n$`).FindStringSubmatch(stdout.String())
	if m == nil {
		t.Fatalf("summary %q, want sent N: 200×N 500×N, no answer 0, cancelled N, skipped 0", stdout.String())
	}
	sent, ok, failed, cancelled := atoi(m[1]), atoi(m[2]), atoi(m[3]), atoi(m[4])
	got := int(n.Load())
	// A request cancelled when the generator stops may or may not have
	// reached the server.
	if ok+failed+cancelled != sent || got < ok+failed || got > sent || ok == 0 || failed == 0 {
		t.Errorf("summary %q, but the server got %d requests (every second one failed)", stdout.String(), got)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func TestLoadCountsUnansweredRequests(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"load", "--target", url, "--rps", "50", "--duration", "200ms"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "connection refused") || strings.Contains(stdout.String(), "no answer 0,") {
		t.Errorf("summary %q, want unanswered requests with the reason", stdout.String())
	}
}

func TestLoadBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"load"}, "--target: missing"},
		{[]string{"load", "--target", "127.0.0.1:80"}, "not an http(s) URL"},
		{[]string{"load", "--target", "http://x", "--rps", "0"}, "--rps must be above 0"},
		{[]string{"load", "--target", "http://x", "--rps", "NaN"}, "--rps must be above 0"},
		{[]string{"load", "--target", "http://x", "--duration", "-1s"}, "--duration must not be negative"},
		{[]string{"load", "--target", "http://x", "extra"}, `unexpected argument "extra"`},
	} {
		var stdout, stderr strings.Builder
		code := run(t.Context(), c.args, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
