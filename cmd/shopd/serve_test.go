package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func noSleep(context.Context, time.Duration) bool { return true }

// scrape reads /metrics the way Prometheus does.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Counter != nil:
				got[key] = m.GetCounter().GetValue()
			case m.Histogram != nil:
				got[key+",count"] = float64(m.GetHistogram().GetSampleCount())
				for _, b := range m.GetHistogram().GetBucket() {
					got[key+",le="+strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)] = float64(b.GetCumulativeCount())
				}
			}
		}
	}
	return got
}

func TestBadShopCountsItsErrorsAndLatencies(t *testing.T) {
	b, _ := behaviourOf("bad")
	srv := httptest.NewServer(newMux(b, noSleep))
	defer srv.Close()
	for i := 0; i < 1000; i++ {
		resp, err := http.Get(srv.URL + "/checkout")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	m := scrape(t, srv.URL)
	if got := m["http_requests_total,code=500,method=get"]; got != 120 {
		t.Errorf("500s = %v, want 120 of 1000", got)
	}
	if got := m["http_requests_total,code=200,method=get"]; got != 880 {
		t.Errorf("200s = %v, want 880 of 1000", got)
	}
	count := m["http_request_duration_seconds,code=200,method=get,count"] + m["http_request_duration_seconds,code=500,method=get,count"]
	if count != 1000 {
		t.Errorf("histogram count = %v, want 1000", count)
	}
	// Without sleeping, every request is fast: the histogram measures the
	// real time taken, not the planned latency.
	if fast := m["http_request_duration_seconds,code=200,method=get,le=0.1"]; fast != 880 {
		t.Errorf("200s under 100 ms = %v, want all 880 (no sleep in this test)", fast)
	}
}

func TestShopSleepsThePlannedLatency(t *testing.T) {
	b, _ := behaviourOf("good")
	var slept []time.Duration
	sleep := func(_ context.Context, d time.Duration) bool { slept = append(slept, d); return true }
	srv := httptest.NewServer(newMux(b, sleep))
	defer srv.Close()
	for i := 0; i < 3; i++ {
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for i, d := range slept {
		if want, _ := b.outcome(uint64(i)); d != want {
			t.Errorf("request %d slept %v, want %v", i, d, want)
		}
	}
	if len(slept) != 3 {
		t.Errorf("slept %d times, want 3 (once per request, never for /metrics)", len(slept))
	}
}

func TestServePrintsItsURLAndStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--version", "bad"}, outW, &stderr)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("first line: %v", err)
	}
	url := strings.TrimSpace(line)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("first line %q, want http://127.0.0.1:<port>", line)
	}
	for k := range scrape(t, url) {
		if strings.HasPrefix(k, "http_") {
			t.Errorf("metric %s before any request", k)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit code %d after cancel, want 0; stderr: %s", code, stderr.String())
	}
}

func TestServeBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--version", "ugly"}, exitUsage, `unknown version "ugly"`},
		{[]string{"--listen", "127.0.0.1:99999"}, exitError, "invalid port"},
		{[]string{"serve"}, exitUsage, `unexpected argument "serve"`},
		{[]string{"--nope"}, exitUsage, "flag provided but not defined"},
	} {
		var stdout, stderr strings.Builder
		code := run(t.Context(), c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
}
