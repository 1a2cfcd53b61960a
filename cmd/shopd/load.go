package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxInFlight bounds the requests the load generator has open: a shop that
// stops answering must not make it pile up goroutines without end. Ticks
// that find no free slot are counted as skipped.
const maxInFlight = 2000

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("shopd load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "URL to send requests to (required), e.g. http://127.0.0.1:8080/checkout")
	rps := fs.Float64("rps", 50, "requests per second, spread evenly")
	duration := fs.Duration("duration", 0, "stop after this long (0: until interrupted)")
	timeout := fs.Duration("timeout", 10*time.Second, "per-request timeout")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		return fail(stderr, exitUsage, "load: unexpected argument %q", fs.Arg(0))
	}
	if err := checkTarget(*target); err != nil {
		return fail(stderr, exitUsage, "load: --target: %v", err)
	}
	if !(*rps > 0 && *rps <= 10000) {
		return fail(stderr, exitUsage, "load: --rps must be above 0 and at most 10000, got %v", *rps)
	}
	if *duration < 0 || *timeout <= 0 {
		return fail(stderr, exitUsage, "load: --duration must not be negative and --timeout must be positive")
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	fmt.Fprintf(stderr, "shopd load: %v requests/s to %s\n", *rps, *target)
	tally := generate(ctx, *target, *rps, *timeout)
	fmt.Fprintln(stdout, tally)
	return exitOK
}

func checkTarget(target string) error {
	if target == "" {
		return fmt.Errorf("missing")
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL with a host", target)
	}
	return nil
}

// generate sends GET requests to target at rps until ctx ends, then waits
// for the ones in flight (they are cancelled with ctx).
func generate(ctx context.Context, target string, rps float64, timeout time.Duration) *tally {
	client := &http.Client{
		Timeout: timeout,
		// One connection per concurrent request, kept: a slow shop has many
		// requests open, and new connections for each would churn ports.
		Transport: &http.Transport{MaxIdleConnsPerHost: 512, DisableCompression: true},
	}
	defer client.CloseIdleConnections()
	t := &tally{codes: map[int]int{}}
	slots := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Duration(float64(time.Second) / rps))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return t
		case <-tick.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			t.skip()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			code, err := send(ctx, client, target)
			t.add(code, err, ctx.Err() != nil)
		})
	}
}

func send(ctx context.Context, client *http.Client, target string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// tally counts answers by status code, and failures to get one.
type tally struct {
	mu        sync.Mutex
	codes     map[int]int
	failed    int
	cancelled int // still open when the generator stopped
	skipped   int
	lastFail  string
}

func (t *tally) add(code int, err error, stopping bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case err != nil && stopping:
		t.cancelled++
	case err != nil:
		t.failed++
		t.lastFail = err.Error()
	default:
		t.codes[code]++
	}
}

func (t *tally) skip() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.skipped++
}

// String is the summary line, e.g.
// "sent 120: 200×110 500×10, no answer 0, cancelled 0, skipped 0".
func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	codes := make([]int, 0, len(t.codes))
	answered := 0
	for c, n := range t.codes {
		codes = append(codes, c)
		answered += n
	}
	sort.Ints(codes)
	var b strings.Builder
	fmt.Fprintf(&b, "sent %d:", answered+t.failed+t.cancelled)
	for _, c := range codes {
		fmt.Fprintf(&b, " %d×%d", c, t.codes[c])
	}
	fmt.Fprintf(&b, ", no answer %d, cancelled %d, skipped %d", t.failed, t.cancelled, t.skipped)
	if t.lastFail != "" {
		fmt.Fprintf(&b, " (last: %s)", t.lastFail)
	}
	return b.String()
}
