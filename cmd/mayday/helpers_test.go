package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/internal/demo"
)

// cli runs mayday in-process against one demo cluster, so that a command
// sees what an earlier one changed.
type cli struct {
	t       *testing.T
	cluster *demo.Cluster
	// tty makes stdin and stdout terminals; width is the terminal's.
	tty   bool
	width int
	stdin io.Reader
	// out and errOut replace the captured buffers when set (for triggers).
	out io.Writer
	ctx context.Context
	env map[string]string
	// paths locate the config file: an empty directory unless a test
	// writes one.
	paths config.Paths
}

type result struct {
	code           int
	stdout, stderr string
}

// newDemo seeds a cluster; started clusters run their controllers until
// the test ends, fast.
func newDemo(t *testing.T, started bool, opts demo.Options) *demo.Cluster {
	t.Helper()
	if opts.Speed == 0 {
		opts.Speed = 100
	}
	c, err := demo.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if started {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(func() {
			cancel()
			<-c.Done()
		})
		c.Start(ctx)
	}
	return c
}

func newCLI(t *testing.T, c *demo.Cluster) *cli {
	dir := t.TempDir()
	// Journals go under the test's directory, never the real home.
	return &cli{t: t, cluster: c, env: map[string]string{"XDG_DATA_HOME": filepath.Join(dir, "data")},
		paths: config.Paths{ConfigDir: dir, StateDir: dir}}
}

func (c *cli) run(args ...string) result {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	var out io.Writer = &stdout
	if c.out != nil {
		out = io.MultiWriter(&stdout, c.out)
	}
	in := c.stdin
	if in == nil {
		in = strings.NewReader("")
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	code := run(ctx, args, &environment{
		in: in, out: out, errOut: &stderr,
		stdinTTY: c.tty, stdoutTTY: c.tty, width: c.width,
		getenv:  func(k string) string { return c.env[k] },
		newDemo: func() (*demo.Cluster, error) { return c.cluster, nil },
		paths:   &c.paths,
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// demoRun runs a command with --demo prepended.
func (c *cli) demoRun(args ...string) result {
	c.t.Helper()
	return c.run(append([]string{"--demo"}, args...)...)
}

func (r result) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// wantOneLineError checks the error contract: exactly one line on stderr,
// "error: ...", containing each of the given phrases.
func (r result) wantOneLineError(t *testing.T, phrases ...string) {
	t.Helper()
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "error: ") {
		t.Fatalf("stderr is not one error line:\n%q", r.stderr)
	}
	for _, p := range phrases {
		if !strings.Contains(r.stderr, p) {
			t.Errorf("stderr %q does not mention %q", r.stderr, p)
		}
	}
	for _, bad := range []string{"goroutine ", "panic", "Usage:", "Flags:"} {
		if strings.Contains(r.stderr+r.stdout, bad) {
			t.Errorf("output contains %q:\nstdout:\n%s\nstderr:\n%s", bad, r.stdout, r.stderr)
		}
	}
}

func (c *cli) deployment(name string) *appsv1.Deployment {
	c.t.Helper()
	d, err := c.cluster.Client().AppsV1().Deployments(demo.Namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return d
}

func (c *cli) fake() *fake.Clientset {
	c.t.Helper()
	f, ok := c.cluster.Client().(*fake.Clientset)
	if !ok {
		c.t.Fatalf("demo client is %T, not a fake clientset", c.cluster.Client())
	}
	return f
}

// waitFor polls cond until it holds; the deadline only bounds a broken
// test, it asserts nothing about speed.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last state: %s", what, last)
}

// triggerWriter calls fn the first time the text written so far contains
// trigger: a hook at a known point of a command's output (after the plan
// is printed, before the write is sent).
type triggerWriter struct {
	mu      sync.Mutex
	buf     strings.Builder
	trigger string
	fn      func()
	fired   bool
}

func (w *triggerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	fire := !w.fired && strings.Contains(w.buf.String(), w.trigger)
	if fire {
		w.fired = true
	}
	w.mu.Unlock()
	if fire {
		w.fn()
	}
	return len(p), nil
}

// testClock is a settable clock for the demo cluster.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
