package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// buckets are client_golang's default buckets with a few more around the
// good version's p99 (150 ms) and the bad one's (1.8 s), so that
// histogram_quantile lands near the true values.
func buckets() []float64 {
	return []float64{.005, .01, .025, .05, .1, .15, .2, .25, .5, 1, 1.5, 2, 2.5, 5, 10}
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shopd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	version := fs.String("version", "good", "the shop's behaviour: good (≈0.2% errors, p99 150 ms) or bad (12% errors, p99 1.8 s)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, exitUsage, "unexpected argument %q (the load generator is \"shopd load\")", fs.Arg(0))
	}
	b, err := behaviourOf(*version)
	if err != nil {
		return fail(stderr, exitUsage, "--version: %v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(stderr, exitError, "%v", err)
	}
	fmt.Fprintf(stdout, "http://%s\n", ln.Addr())
	fmt.Fprintf(stderr, "shopd: version %s serving on http://%s (metrics on /metrics)\n", b.version, ln.Addr())

	srv := &http.Server{Handler: newMux(b, sleepCtx), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fail(stderr, exitError, "%v", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fail(stderr, exitError, "shutdown: %v", err)
	}
	return exitOK
}

// newMux serves the shop on every path but /metrics, instrumented the way
// client_golang's promhttp documents it.
func newMux(b behaviour, sleep func(context.Context, time.Duration) bool) *http.ServeMux {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests served, by status code and method.",
	}, []string{"code", "method"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time to serve an HTTP request, by status code and method.",
		Buckets: buckets(),
	}, []string{"code", "method"})
	reg.MustRegister(requests, duration)

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.Handle("/", promhttp.InstrumentHandlerDuration(duration,
		promhttp.InstrumentHandlerCounter(requests, &shop{behaviour: b, sleep: sleep})))
	return mux
}

type shop struct {
	behaviour behaviour
	sleep     func(context.Context, time.Duration) bool
	served    atomic.Uint64
}

func (s *shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	latency, fails := s.behaviour.outcome(s.served.Add(1) - 1)
	if !s.sleep(r.Context(), latency) {
		// The client went away; nobody reads the answer.
		w.WriteHeader(499)
		return
	}
	if fails {
		http.Error(w, "checkout failed: payment upstream timed out", http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "order placed (shop %s)\n", s.behaviour.version)
}

// sleepCtx waits d, or less when ctx ends first (then it returns false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
