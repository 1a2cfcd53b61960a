package testbed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ShopOptions says which demo shop (cmd/shopd) StartShop runs and how
// Prometheus labels its metrics.
type ShopOptions struct {
	// Namespace and Pod become the labels namespace and pod of every
	// series scraped from the shop, as a Kubernetes service discovery
	// would set them. Pick Pod like a real Deployment's pod
	// (web-<pod-template-hash>-<suffix>): mayday finds a workload's series
	// and their revisions by pod name. Both are required.
	Namespace, Pod string
	// Version is "good" (≈0.2 % errors, p99 150 ms; the default) or "bad"
	// (12 % errors, p99 1.8 s).
	Version string
	// RPS is the load generator's rate (default 50 requests/s).
	RPS float64
}

// Shop is a running demo shop with its load generator, scraped by the test
// bed's Prometheus.
type Shop struct {
	ShopOptions
	// URL is where the shop serves (http://127.0.0.1:<port>).
	URL string
	// TargetFile is the file_sd file that makes Prometheus scrape it.
	TargetFile string

	stopOnce sync.Once
	shop     *child
	load     *child
}

// labelValue is what StartShop accepts as a namespace or pod: the DNS-1123
// names Kubernetes gives them.
var labelValue = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// StartShop starts a demo shop on a free loopback port and its load
// generator, and writes the file_sd target file through which Prometheus
// starts scraping it (labelled with o.Namespace and o.Pod) within a few
// seconds; WaitPrometheusTarget waits for that. Everything is undone when
// the test ends, or earlier with Stop (a pod going away in a rollout).
func (e *Env) StartShop(t testing.TB, o ShopOptions) *Shop {
	t.Helper()
	o, err := o.withDefaults()
	if err != nil {
		t.Fatalf("testbed: StartShop: %v", err)
	}
	bin := e.shopd(t)
	logDir := filepath.Join(e.Dir, "logs", "shops")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	name := o.Namespace + "_" + o.Pod
	s := &Shop{ShopOptions: o, TargetFile: filepath.Join(e.PrometheusTargets, name+".json")}
	if _, err := os.Stat(s.TargetFile); err == nil {
		t.Fatalf("testbed: a shop for pod %s/%s is already scraped (%s); pick another pod name", o.Namespace, o.Pod, s.TargetFile)
	}
	t.Cleanup(func() { s.Stop(t) })

	logPath := filepath.Join(logDir, name+".log")
	s.shop, err = startChild(logPath, bin, "--listen", "127.0.0.1:0", "--version", o.Version)
	if err != nil {
		t.Fatalf("testbed: start shop: %v", err)
	}
	s.URL, err = s.shop.firstLine(30 * time.Second)
	if err != nil {
		t.Fatalf("testbed: shop %s/%s did not say where it listens: %v\n%s", o.Namespace, o.Pod, err, tail(logPath, 10))
	}
	s.load, err = startChild(logPath, bin, "load", "--target", s.URL+"/checkout", "--rps", strconv.FormatFloat(o.RPS, 'g', -1, 64))
	if err != nil {
		t.Fatalf("testbed: start load generator: %v", err)
	}
	target, err := targetFile(strings.TrimPrefix(s.URL, "http://"), o.Namespace, o.Pod)
	if err != nil {
		t.Fatalf("testbed: %v", err)
	}
	if err := writeFileAtomic(s.TargetFile, target); err != nil {
		t.Fatalf("testbed: %v", err)
	}
	return s
}

func (o ShopOptions) withDefaults() (ShopOptions, error) {
	if !labelValue.MatchString(o.Namespace) || len(o.Namespace) > 63 {
		return o, fmt.Errorf("namespace %q is not a Kubernetes name", o.Namespace)
	}
	if !labelValue.MatchString(o.Pod) || len(o.Pod) > 253 {
		return o, fmt.Errorf("pod %q is not a Kubernetes pod name (like web-5d4f8b7c9-x2x7k)", o.Pod)
	}
	switch o.Version {
	case "":
		o.Version = "good"
	case "good", "bad":
	default:
		return o, fmt.Errorf("version %q: want good or bad", o.Version)
	}
	if o.RPS == 0 {
		o.RPS = 50
	}
	if !(o.RPS > 0 && o.RPS <= 1000) {
		return o, fmt.Errorf("RPS %v: want above 0 and at most 1000", o.RPS)
	}
	return o, nil
}

// Stop takes the shop away as a deleted pod goes: first out of
// Prometheus' targets, then its load generator and the shop itself.
// Stopping twice is fine.
func (s *Shop) Stop(t testing.TB) {
	t.Helper()
	s.stopOnce.Do(func() {
		if err := os.Remove(s.TargetFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("testbed: %v", err)
		}
		for _, c := range []*child{s.load, s.shop} {
			if c != nil {
				c.stop()
			}
		}
	})
}

// targetFile is a file_sd file: one target with its labels.
func targetFile(hostPort, namespace, pod string) ([]byte, error) {
	type group struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	return json.Marshal([]group{{
		Targets: []string{hostPort},
		Labels:  map[string]string{"namespace": namespace, "pod": pod},
	}})
}

// shopd returns the demo shop's binary, rebuilt (under the test bed's
// lock, by ctl.sh) when its sources in this checkout are newer.
func (e *Env) shopd(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err == nil && newerThan(filepath.Join(root, "cmd", "shopd"), e.Shopd) {
		e.ctl(t, "build-shop")
	}
	if _, err := os.Stat(e.Shopd); err != nil {
		t.Fatalf("testbed: the demo shop is not built (scripts/testbed/ctl.sh build-shop): %v", err)
	}
	return e.Shopd
}

// newerThan reports whether a .go file in dir was changed after target
// was written (or target is missing).
func newerThan(dir, target string) bool {
	built, err := os.Stat(target)
	if err != nil {
		return true
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.ModTime().After(built.ModTime()) {
			return true
		}
	}
	return false
}

// writeFileAtomic writes by rename, so Prometheus never reads half a file
// (the temporary name does not match *.json or *.yml).
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// child is a process a test started, with its output in a log file.
type child struct {
	cmd   *exec.Cmd
	done  chan struct{}
	first chan string
}

func startChild(logPath, bin string, args ...string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	c := &child{done: make(chan struct{}), first: make(chan string, 1)}
	c.cmd = exec.Command(bin, args...)
	c.cmd.Stdout = &firstLineTee{w: logFile, first: c.first}
	c.cmd.Stderr = logFile
	c.cmd.SysProcAttr = childProcAttr()
	if err := c.cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() {
		_ = c.cmd.Wait()
		logFile.Close()
		close(c.done)
	}()
	return c, nil
}

// firstLineTee writes a process's standard output to w and hands its first
// line to first.
type firstLineTee struct {
	w     io.Writer
	first chan<- string
	line  []byte
	sent  bool
}

func (f *firstLineTee) Write(p []byte) (int, error) {
	if !f.sent {
		f.line = append(f.line, p...)
		if i := bytes.IndexByte(f.line, '\n'); i >= 0 {
			f.first <- strings.TrimSpace(string(f.line[:i]))
			f.sent, f.line = true, nil
		}
	}
	return f.w.Write(p)
}

// firstLine is the first line the process prints, within timeout.
func (c *child) firstLine(timeout time.Duration) (string, error) {
	select {
	case line := <-c.first:
		return line, nil
	case <-c.done:
		select {
		case line := <-c.first:
			return line, nil
		default:
			return "", fmt.Errorf("exited (%v) without a line", c.cmd.ProcessState)
		}
	case <-time.After(timeout):
		return "", fmt.Errorf("nothing after %v", timeout)
	}
}

// stop sends SIGTERM and waits for the exit; SIGKILL after 10 s.
func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// tail is the end of a log file, for failure messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return lastLines(string(data), n)
}
