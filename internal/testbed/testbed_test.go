package testbed

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestParseEnv(t *testing.T) {
	got := parseEnv("export KUBECONFIG='/tmp/tb/admin.kubeconfig'\n" +
		"export MAYDAY_TESTBED_KUBECTL='/c/bin/kubectl'\n" +
		"# comment\n" +
		"garbage\n" +
		"export EMPTY=''\n")
	want := map[string]string{
		"KUBECONFIG":             "/tmp/tb/admin.kubeconfig",
		"MAYDAY_TESTBED_KUBECTL": "/c/bin/kubectl",
		"EMPTY":                  "",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestNamespaceName(t *testing.T) {
	label := regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	for _, name := range []string{
		"TestUndo",
		"TestUndo/kubectl_twin#01",
		"Test__Weird--Name__",
		"///",
		strings.Repeat("TestVeryLongName", 10),
	} {
		got := namespaceName(name, "ABCDEFGHIJKLMNOP")
		if len(got) > 63 || !label.MatchString(got) {
			t.Errorf("namespaceName(%q) = %q: not a DNS-1123 label", name, got)
		}
		if !strings.HasSuffix(got, "-abcdefgh") {
			t.Errorf("namespaceName(%q) = %q: want the random suffix", name, got)
		}
	}
	if got := namespaceName("TestUndo/kubectl_twin", "xyz"); got != "t-testundo-kubectl-twin-xyz" {
		t.Errorf("got %q", got)
	}
}

func TestRequired(t *testing.T) {
	for _, c := range []struct {
		ci, req string
		want    bool
	}{
		{"", "", false},
		{"true", "", true},
		{"1", "", true},
		{"false", "", false},
		{"", "1", true},
		{"", "0", false},
	} {
		t.Setenv("CI", c.ci)
		t.Setenv(EnvRequire, c.req)
		if got := Required(); got != c.want {
			t.Errorf("CI=%q %s=%q: Required() = %v, want %v", c.ci, EnvRequire, c.req, got, c.want)
		}
	}
}

func TestStateDir(t *testing.T) {
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_RUNTIME_DIR", "")
	if got := StateDir(); got != "/tmp/mayday-testbed" {
		t.Errorf("got %q", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if got := StateDir(); got != "/run/user/1000/mayday-testbed" {
		t.Errorf("got %q", got)
	}
	t.Setenv(EnvDir, "/x")
	if got := StateDir(); got != "/x" {
		t.Errorf("got %q", got)
	}
}

func TestLoadIncomplete(t *testing.T) {
	dir := t.TempDir()
	if _, err := load(dir, ""); err == nil {
		t.Fatal("want an error without an env file")
	}
	if err := os.WriteFile(filepath.Join(dir, "env"), []byte("export KUBECONFIG='/a'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(dir, ""); err == nil {
		t.Fatal("want an error for an incomplete env file")
	}
}

func TestRepoRoot(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "testbed", "start.sh")); err != nil {
		t.Errorf("repo root %s has no scripts/testbed/start.sh: %v", root, err)
	}
}

func TestProcessAliveRejectsForeignPID(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("no /proc: the PID's program cannot be checked here")
	}
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "etcd.pid")
	// Our own PID is alive but does not run etcd: a recycled PID.
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := processAlive(pidFile, "etcd"); err == nil {
		t.Error("want an error for a PID that runs another program")
	}
	if err := processAlive(filepath.Join(dir, "missing.pid"), "etcd"); err == nil {
		t.Error("want an error for a missing pid file")
	}
}
