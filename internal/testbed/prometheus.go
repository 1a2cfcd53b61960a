package testbed

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// The Prometheus controls below are for tests of what mayday does when
// Prometheus goes away. Stopping the shared Prometheus disturbs every test
// that runs at the same time, so prefer StartPrivatePrometheus for that; a
// test that does stop the shared one must not run in parallel, and it gets
// Prometheus back at cleanup.

// StopPrometheus stops the test bed's Prometheus (SIGTERM, SIGKILL after
// 5 s) and starts it again when the test ends.
func (e *Env) StopPrometheus(t testing.TB) {
	t.Helper()
	t.Cleanup(func() { e.StartPrometheus(t) })
	e.ctl(t, "stop-prometheus")
}

// StartPrometheus starts (or resumes) the test bed's Prometheus and returns
// once /-/ready answers. It does nothing when Prometheus is running.
func (e *Env) StartPrometheus(t testing.TB) {
	t.Helper()
	e.ctl(t, "start-prometheus")
}

// AddPrometheusRules writes a rule file (YAML, Prometheus' rule file format)
// into the rules folder and has Prometheus reload; a file Prometheus
// rejects fails the test with its message. The file goes away, with
// another reload, when the test ends. name must be unique among the
// parallel tests: the namespace is a good start.
func (e *Env) AddPrometheusRules(t testing.TB, name, rules string) {
	t.Helper()
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		t.Fatalf("testbed: rule file name %q: want a plain file name", name)
	}
	path := filepath.Join(e.PrometheusRules, name+".yml")
	if err := writeFileAtomic(path, []byte(rules)); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	t.Cleanup(func() {
		_ = os.Remove(path)
		if err := reloadPrometheus(e.PrometheusURL); err != nil {
			t.Logf("testbed: reload after removing %s: %v", path, err)
		}
	})
	if err := reloadPrometheus(e.PrometheusURL); err != nil {
		t.Fatalf("testbed: Prometheus rejected %s: %v", path, err)
	}
}

// WaitPrometheusTarget waits until the test bed's Prometheus has scraped
// the target labelled with namespace and pod successfully (health "up"):
// from then on its samples can be queried. Prometheus takes up to ≈ 6 s to
// pick up a new target file.
func (e *Env) WaitPrometheusTarget(t testing.TB, namespace, pod string) {
	t.Helper()
	waitTarget(t, e.PrometheusURL, namespace, pod)
}

// A Prometheus is a private Prometheus instance started by
// StartPrivatePrometheus.
type Prometheus struct {
	// URL is where it listens (http://127.0.0.1:<free port>).
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

// StartPrivatePrometheus starts a Prometheus of this test's own with the
// test bed's configuration (the same shops, the same rules, every second)
// on a free port and storage in a temporary folder, and returns once it is
// ready. It is stopped when the test ends, or earlier with Stop: that is
// how a test takes Prometheus away without disturbing the others.
func (e *Env) StartPrivatePrometheus(t testing.TB) *Prometheus {
	t.Helper()
	dir := t.TempDir()
	var last error
	// The free port can be taken between our check and Prometheus' bind.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("testbed: %v", err)
		}
		p, err := startPrometheus(e.PrometheusBin, e.PrometheusConfig, dir, port)
		if err == nil {
			t.Cleanup(func() { p.Stop(t) })
			return p
		}
		last = err
	}
	t.Fatalf("testbed: private Prometheus: %v", last)
	return nil
}

func startPrometheus(bin, config, dir string, port int) (*Prometheus, error) {
	data := filepath.Join(dir, fmt.Sprintf("data-%d", port))
	logPath := filepath.Join(dir, fmt.Sprintf("prometheus-%d.log", port))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin,
		"--config.file="+config,
		"--storage.tsdb.path="+data,
		"--web.listen-address="+addr,
		"--web.enable-lifecycle")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Prometheus{URL: "http://" + addr, cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() { _ = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := prometheusReady(ctx, p.URL)
		cancel()
		if err == nil {
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("prometheus exited at start: %s", tail(logPath, 10))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("prometheus on %s not ready after a minute: %s", addr, tail(logPath, 10))
		}
	}
}

// Stop stops the private Prometheus (SIGTERM, SIGKILL after 10 s) and
// returns once it has exited: from then on connections to URL are refused.
// Stopping twice is fine.
func (p *Prometheus) Stop(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Logf("testbed: private Prometheus did not stop in 10 s; killing it")
		p.kill()
	}
}

func (p *Prometheus) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// WaitTarget is WaitPrometheusTarget for this instance.
func (p *Prometheus) WaitTarget(t testing.TB, namespace, pod string) {
	t.Helper()
	waitTarget(t, p.URL, namespace, pod)
}

// targetWait is how long a target may take to be scraped: Prometheus
// forwards discovered targets every 5 s, and a loaded CI machine is slow.
const targetWait = time.Minute

func waitTarget(t testing.TB, url, namespace, pod string) {
	t.Helper()
	client, err := api.NewClient(api.Config{Address: url})
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	prom := v1.NewAPI(client)
	deadline := time.Now().Add(targetWait)
	seen := "no such target"
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := prom.Targets(ctx)
		cancel()
		if err != nil {
			seen = err.Error()
		}
		for _, at := range res.Active {
			if string(at.Labels["namespace"]) != namespace || string(at.Labels["pod"]) != pod {
				continue
			}
			if at.Health == v1.HealthGood {
				return
			}
			seen = fmt.Sprintf("health %s, last error %q", at.Health, at.LastError)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("testbed: Prometheus %s did not scrape the target namespace=%q pod=%q within %v: %s",
		url, namespace, pod, targetWait, seen)
}

func prometheusReady(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
	if err != nil {
		return fmt.Errorf("prometheus %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("prometheus /-/ready: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("prometheus /-/ready: %s", resp.Status)
	}
	return nil
}

// reloadPrometheus has Prometheus reread its configuration and rule files;
// a rejected file comes back as the error with Prometheus' message.
func reloadPrometheus(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/-/reload", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("no free port on 127.0.0.1: %w", err)
	}
	defer ln.Close()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		return 0, fmt.Errorf("unexpected listener address %v", ln.Addr())
	}
	return addr.Port, nil
}
