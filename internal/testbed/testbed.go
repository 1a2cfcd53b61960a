// Package testbed gives integration tests a real Kubernetes control plane on
// 127.0.0.1 (etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok, whose fake nodes make pods Running/Ready) and a real Prometheus
// scraping every second the demo shops (cmd/shopd) that tests start, all
// started by the scripts in scripts/testbed and shared by every test binary
// of a run.
//
// It is test-support code: only _test.go files import it.
//
// A test calls Require, which returns the running test bed, starting it when
// needed. When the test bed cannot be had, the test fails if the run requires
// it (CI=true or MAYDAY_REQUIRE_TESTBED=1, as scripts/test.sh sets) and is
// skipped, loudly, otherwise: a developer's plain `go test -tags integration`
// without the ≈ 28 min build must not look like a pass in CI.
package testbed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment variables the scripts and this package agree on.
const (
	// EnvDir overrides the state dir of the test bed.
	EnvDir = "MAYDAY_TESTBED_DIR"
	// EnvRequire makes an unavailable test bed a failure, as CI=true does.
	EnvRequire = "MAYDAY_REQUIRE_TESTBED"
	// EnvBuild lets Require build the binaries (≈ 28 min cold) when missing,
	// which it otherwise only does when the test bed is required.
	EnvBuild = "MAYDAY_TESTBED_BUILD"
)

// components are the servers start.sh records a PID for (run/<name>.pid).
func components() []string {
	return []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "prometheus"}
}

// exitNotBuilt is start.sh's exit code when the binaries are not built.
const exitNotBuilt = 3

// Env is a running test bed.
type Env struct {
	// Dir is the state dir: PKI, etcd data, logs, pid files, kubeconfigs.
	Dir string
	// Kubeconfig is the admin's kubeconfig (group system:masters).
	Kubeconfig string
	// ViewerKubeconfig is the kubeconfig of user "viewer", who may get, list
	// and watch workloads, pods, events, HPAs and namespaces but not change
	// anything.
	ViewerKubeconfig string
	// Kubectl is the kubectl built from the same Kubernetes version as the
	// servers, for comparisons with mayday.
	Kubectl string
	// BinDir holds all test bed binaries.
	BinDir string
	// Scripts is the folder of start.sh, stop.sh and ctl.sh.
	Scripts string

	// PrometheusURL is the test bed's Prometheus (http://127.0.0.1:9090 by
	// default). It scrapes and evaluates rules every second, keeps 30 days
	// and reloads on POST /-/reload.
	PrometheusURL string
	// PrometheusTargets is the folder of the file_sd files (*.json) of the
	// scrape job "shop"; StartShop writes one per shop.
	PrometheusTargets string
	// PrometheusRules is the folder of the rule files (*.yml) Prometheus
	// loads; it holds the shipped ShopHighErrorRatio alert.
	PrometheusRules string
	// PrometheusConfig is the generated prometheus.yml, for private
	// instances (StartPrivatePrometheus) that scrape the same targets.
	PrometheusConfig string
	// PrometheusBin is the prometheus binary.
	PrometheusBin string
	// Shopd is the demo shop's binary, built from this checkout.
	Shopd string
}

// Required reports whether this run must have the test bed (CI=true or
// MAYDAY_REQUIRE_TESTBED=1): then Require fails instead of skipping.
func Required() bool {
	return truthy(os.Getenv("CI")) || truthy(os.Getenv(EnvRequire))
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// StateDir is where the test bed keeps its state, as the scripts compute it.
func StateDir() string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "mayday-testbed")
	}
	return "/tmp/mayday-testbed"
}

// Require returns the running test bed, starting it through
// scripts/testbed/start.sh when it is not running or not healthy. start.sh
// holds a file lock and is idempotent, so parallel test binaries share one
// test bed. A test bed this call starts keeps running after the test binary
// exits, for the next one; scripts/test.sh stops it at the end of a run
// (by hand: scripts/testbed/stop.sh).
func Require(t testing.TB) *Env {
	t.Helper()
	env, err := ensure(t)
	if err == nil {
		return env
	}
	if Required() {
		t.Fatalf("the Kubernetes test bed is required here (CI=%q, %s=%q) but unavailable: %v",
			os.Getenv("CI"), EnvRequire, os.Getenv(EnvRequire), err)
	}
	t.Skipf("\n*** SKIPPED: INTEGRATION TEST WITHOUT ITS KUBERNETES TEST BED ***\n%v\n"+
		"Run scripts/test.sh (builds once, ≈ 28 min on 2 cores, then starts and stops the test bed),\n"+
		"or scripts/testbed/build.sh once and then eval \"$(scripts/testbed/start.sh)\".\n"+
		"Set %s=1 (or CI=true) to make this a failure.", err, EnvRequire)
	return nil
}

func ensure(t testing.TB) (*Env, error) {
	t.Helper()
	dir := StateDir()
	// This checkout's scripts win over those of whoever started the test bed.
	scripts := ""
	if root, err := repoRoot(); err == nil {
		scripts = filepath.Join(root, "scripts", "testbed")
	}
	env, err := load(dir, scripts)
	if err == nil {
		if err = env.check(); err == nil {
			return env, nil
		}
		t.Logf("testbed: the test bed in %s is not healthy (%v); starting what is missing", dir, err)
	}
	if scripts == "" && env != nil {
		scripts = env.Scripts
	}
	if scripts == "" {
		return nil, errors.New("cannot find scripts/testbed: not inside the mayday repository and no test bed is running")
	}
	if err := start(t, dir, scripts); err != nil {
		return nil, err
	}
	if env, err = load(dir, scripts); err != nil {
		return nil, err
	}
	if err = env.check(); err != nil {
		return nil, fmt.Errorf("started, but still not healthy: %w", err)
	}
	return env, nil
}

// start runs start.sh, with --build when this run may spend the time.
func start(t testing.TB, dir, scripts string) error {
	t.Helper()
	args := []string{filepath.Join(scripts, "start.sh")}
	timeout := 3 * time.Minute
	if Required() || truthy(os.Getenv(EnvBuild)) {
		args = append(args, "--build")
		timeout = 60 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", args...)
	cmd.Env = append(os.Environ(), EnvDir+"="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The servers write to their own log files; should one ever inherit our
	// pipes, do not wait for it forever.
	cmd.WaitDelay = 10 * time.Second
	began := time.Now()
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == exitNotBuilt:
		return fmt.Errorf("its binaries are not built (scripts/testbed/build.sh, ≈ 28 min on 2 cores the first time; or set %s=1): %s",
			EnvBuild, lastLines(stderr.String(), 3))
	case err != nil:
		return fmt.Errorf("%s failed: %v\n%s", strings.Join(args, " "), err, lastLines(stderr.String(), 40))
	}
	t.Logf("testbed: started in %s (%.1f s); it keeps running for later test binaries: stop it with %s",
		dir, time.Since(began).Seconds(), filepath.Join(scripts, "stop.sh"))
	return nil
}

// load reads the env file start.sh writes into the state dir; scripts, when
// not empty, replaces the scripts folder recorded there.
func load(dir, scripts string) (*Env, error) {
	data, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		return nil, fmt.Errorf("no test bed in %s: %w", dir, err)
	}
	vars := parseEnv(string(data))
	env := &Env{
		Dir:              dir,
		Kubeconfig:       vars["MAYDAY_TESTBED_KUBECONFIG"],
		ViewerKubeconfig: vars["MAYDAY_TESTBED_VIEWER_KUBECONFIG"],
		Kubectl:          vars["MAYDAY_TESTBED_KUBECTL"],
		BinDir:           vars["MAYDAY_TESTBED_BIN"],
		Scripts:          vars["MAYDAY_TESTBED_SCRIPTS"],

		PrometheusURL:     vars["MAYDAY_TESTBED_PROMETHEUS_URL"],
		PrometheusTargets: vars["MAYDAY_TESTBED_PROMETHEUS_TARGETS"],
		PrometheusRules:   vars["MAYDAY_TESTBED_PROMETHEUS_RULES"],
		PrometheusConfig:  vars["MAYDAY_TESTBED_PROMETHEUS_CONFIG"],
		PrometheusBin:     vars["MAYDAY_TESTBED_PROMETHEUS"],
		Shopd:             vars["MAYDAY_TESTBED_SHOPD"],
	}
	if scripts != "" {
		env.Scripts = scripts
	}
	// A test bed started before Prometheus was part of it lacks the
	// Prometheus lines; start.sh adds Prometheus and rewrites the file.
	for _, v := range []string{env.Kubeconfig, env.ViewerKubeconfig, env.Kubectl,
		env.PrometheusURL, env.PrometheusTargets, env.PrometheusRules, env.PrometheusConfig, env.PrometheusBin, env.Shopd} {
		if v == "" {
			return env, fmt.Errorf("%s/env is incomplete", dir)
		}
	}
	return env, nil
}

// parseEnv reads the `export NAME='value'` lines start.sh prints. start.sh
// refuses paths holding a single quote, so no other quoting occurs.
func parseEnv(s string) map[string]string {
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line, ok := strings.CutPrefix(line, "export ")
		if !ok {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
			value = value[1 : len(value)-1]
		}
		vars[name] = value
	}
	return vars
}

// check is the cheap health check run on every Require: every recorded
// server alive, the apiserver's /readyz and Prometheus' /-/ready. A dead
// kwok or controller manager would not show in /readyz, but tests would
// hang waiting for pods.
func (e *Env) check() error {
	for _, c := range components() {
		if err := processAlive(filepath.Join(e.Dir, "run", c+".pid"), c); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	cs, err := newClientset(e.Kubeconfig)
	if err != nil {
		return err
	}
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		return fmt.Errorf("kube-apiserver /readyz: %w", err)
	}
	if err := prometheusReady(ctx, e.PrometheusURL); err != nil {
		return err
	}
	if _, err := os.Stat(e.Shopd); err != nil {
		return fmt.Errorf("the demo shop is not built: %w", err)
	}
	return nil
}

func processAlive(pidFile, name string) error {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return fmt.Errorf("%s is not running: %w", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return fmt.Errorf("%s: bad pid file %s", name, pidFile)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		return fmt.Errorf("%s (pid %d) is not running: %w", name, pid, err)
	}
	// A zombie or a recycled PID does not run our binary any more.
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err == nil {
		exe, _, _ := bytes.Cut(cmdline, []byte{0})
		if filepath.Base(string(exe)) != name {
			return fmt.Errorf("%s (pid %d) is not running", name, pid)
		}
	}
	return nil
}

// repoRoot walks up from the working directory (a test runs in its package
// folder) to the mayday module's go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module github.com/mayday-tui/mayday\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod of github.com/mayday-tui/mayday not found above the working directory")
		}
		dir = parent
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
