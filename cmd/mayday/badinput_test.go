package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/demo"
)

// Every bad input ends with a non-zero exit code and one line on stderr
// that says what was wrong and what to do.
func TestBadInput(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"unknown kind", []string{"--demo", "history", "pod/checkout"}, 2,
			[]string{`unknown kind "pod"`, "deployment (deploy), statefulset (sts) or daemonset (ds)", "mayday history --help"}},
		{"no name", []string{"--demo", "history", "deployment"}, 2, []string{"expected KIND/NAME"}},
		{"unknown workload", []string{"--demo", "history", "deployment/nope"}, 1,
			[]string{`deployment/nope not found in namespace "shop"`, "-n NAMESPACE"}},
		{"unknown command", []string{"--demo", "histroy", "deployment/checkout"}, 2,
			[]string{`unknown command "histroy"`, "did you mean history?"}},
		{"unknown flag", []string{"--demo", "history", "deployment/checkout", "--bogus"}, 2, []string{"unknown flag: --bogus"}},
		{"missing argument", []string{"--demo", "undo"}, 2, []string{"mayday undo takes 1 argument(s) (KIND/NAME), got 0"}},
		{"too many arguments", []string{"--demo", "diff", "deploy/checkout", "1", "2", "3"}, 2, []string{"takes 2 or 3 argument(s)"}},
		{"non-numeric revision", []string{"--demo", "diff", "deployment/checkout", "abc", "5"}, 2, []string{`invalid revision "abc"`, "whole number"}},
		{"negative revision argument", []string{"--demo", "diff", "deployment/checkout", "4", "-3"}, 2, []string{"invalid revision -3"}},
		{"zero revision in diff", []string{"--demo", "diff", "deployment/checkout", "0"}, 2, []string{"invalid revision 0", "from 1 up"}},
		{"negative --to-revision", []string{"--demo", "undo", "deployment/checkout", "--to-revision", "-3"}, 2, []string{"invalid --to-revision -3"}},
		{"non-numeric --to-revision", []string{"--demo", "undo", "deployment/checkout", "--to-revision=abc"}, 2, []string{`invalid --to-revision "abc"`}},
		{"non-numeric --revision", []string{"--demo", "history", "deployment/checkout", "--revision", "4x"}, 2, []string{`invalid --revision "4x"`}},
		{"bogus dry-run", []string{"--demo", "undo", "deployment/checkout", "--dry-run=bogus"}, 2,
			[]string{`invalid --dry-run "bogus"`, "none, client or server"}},
		{"bogus output", []string{"--demo", "history", "deployment/checkout", "-o", "xml"}, 2, []string{`unknown output format "xml"`}},
		{"demo and kubeconfig", []string{"--demo", "--kubeconfig", "/tmp/k", "history", "deployment/checkout"}, 2,
			[]string{"--demo and --kubeconfig conflict"}},
		{"demo and another context", []string{"--demo", "--context", "prod", "history", "deployment/checkout"}, 2,
			[]string{"--demo and --context prod conflict"}},
		{"timeout without watch", []string{"--demo", "status", "deployment/checkout", "--timeout", "1m"}, 2,
			[]string{"--timeout only applies with --watch"}},
		{"bad request timeout", []string{"--demo", "--request-timeout", "soon", "history", "deployment/checkout"}, 2,
			[]string{`invalid --request-timeout "soon"`}},
		{"bad watch timeout", []string{"--demo", "status", "deployment/checkout", "--watch", "--timeout", "later"}, 2,
			[]string{`invalid argument "later" for "--timeout" flag`}},
		{"multi-line reason", []string{"--demo", "undo", "deployment/checkout", "--reason", "a\nb", "--yes"}, 2, []string{"one line"}},
		{"missing revision", []string{"--demo", "diff", "deployment/checkout", "99"}, 1, []string{"unable to find specified revision 99 in history"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(tc.args...)
			r.wantCode(t, tc.code)
			r.wantOneLineError(t, tc.want...)
		})
	}
	if patches(c) != 0 {
		t.Error("a bad input reached the cluster with a patch")
	}
}

func writeKubeconfig(t *testing.T, server string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	data := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "` + server + `", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: abc}
contexts:
- name: staging
  context: {cluster: c, user: u, namespace: prod}
- name: dev
  context: {cluster: c, user: u}
current-context: staging
`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKubeconfigErrors(t *testing.T) {
	c := newCLI(t, nil)
	dir := t.TempDir()
	malformed := filepath.Join(dir, "bad")
	if err := os.WriteFile(malformed, []byte("apiVersion: v1\nclusters: [oops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeKubeconfig(t, "https://127.0.0.1:1")

	r := c.run("--kubeconfig", malformed, "history", "deployment/checkout")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "malformed kubeconfig", malformed, "fix the file")

	r = c.run("--kubeconfig", filepath.Join(dir, "missing"), "history", "deployment/checkout")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "kubeconfig not found", "missing")

	r = c.run("--kubeconfig", good, "--context", "nope", "history", "deployment/checkout")
	r.wantCode(t, 1)
	r.wantOneLineError(t, `context "nope" not found`, "available contexts: dev, staging", "--context")

	t.Setenv("KUBECONFIG", filepath.Join(dir, "none"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	r = c.run("history", "deployment/checkout")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "no Kubernetes configuration found", "--demo")
}

func TestUnreachableAPIServer(t *testing.T) {
	c := newCLI(t, nil)
	// A port nobody listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "https://" + l.Addr().String()
	l.Close()
	r := c.run("--kubeconfig", writeKubeconfig(t, refused), "history", "deployment/checkout")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "cannot reach the Kubernetes API server at "+refused, `context "staging"`, "connection refused")

	// A server that accepts connections and never answers: the request
	// timeout ends every command, none hangs.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	kc := writeKubeconfig(t, "https://"+silent.Addr().String())
	for _, args := range [][]string{
		{"history", "deployment/checkout"},
		{"undo", "deployment/checkout", "--yes"},
		{"status", "deployment/checkout", "--watch"},
	} {
		r := c.run(append([]string{"--kubeconfig", kc, "--request-timeout", "500ms"}, args...)...)
		r.wantCode(t, 1)
		r.wantOneLineError(t, "did not answer within --request-timeout=500ms")
	}
}

// The built binary: exit codes reach the shell, client-go's logs go to
// the log file and never to the terminal.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mayday")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	logFile := filepath.Join(dir, "mayday.log")
	runBin := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "MAYDAY_LOG_FILE="+logFile, "MAYDAY_DEBUG=1")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stdout.String(), stderr.String()
	}
	code, out, errOut := runBin("--demo", "history", "deployment/checkout")
	if code != 0 || !strings.Contains(out, "deployment/checkout in namespace shop") || errOut != "" {
		t.Errorf("history: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, _, errOut = runBin("--demo", "undo", "deployment/checkout", "--dry-run=bogus")
	if code != 2 || errOut != "error: invalid --dry-run \"bogus\": use none, client or server; see 'mayday undo --help'\n" {
		t.Errorf("bad dry-run: exit %d, stderr %q", code, errOut)
	}
	// A watch runs client-go's reflector, which logs (at debug level).
	code, _, errOut = runBin("--demo", "status", "deployment/checkout", "--watch", "--timeout", "300ms")
	if code != 3 || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "error: timed out") {
		t.Errorf("watch timeout: exit %d, stderr %q", code, errOut)
	}
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "reflector") {
		t.Errorf("client-go's logs are not in the log file:\n%s", log)
	}
}
