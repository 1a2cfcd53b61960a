//go:build integration

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// binary builds mayday once per test binary run.
type binary struct {
	once sync.Once
	path string
	err  error
}

func (b *binary) get(t *testing.T) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "mayday-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "mayday")
		cmd := exec.Command("go", "build", "-o", b.path, ".")
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = errors.New(string(out))
		}
	})
	if b.err != nil {
		t.Fatalf("go build: %v", b.err)
	}
	return b.path
}

type binRun struct {
	code           int
	stdout, stderr string
}

// mayday runs the built binary against the test bed. hangGuard only
// catches a hang; it is far above any request timeout used here.
func mayday(t *testing.T, bin *binary, kubeconfig string, args ...string) binRun {
	t.Helper()
	const hangGuard = 2 * time.Minute
	path := bin.get(t)
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	// Journals go to the test's own directory (shared by its calls), never
	// the runner's home.
	data := filepath.Join(os.TempDir(), "mayday-it-data", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()))
	t.Cleanup(func() { os.RemoveAll(data) })
	cmd.Env = append(os.Environ(), "MAYDAY_LOG_FILE="+filepath.Join(t.TempDir(), "mayday.log"), "XDG_DATA_HOME="+data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("mayday %v hung (killed after %s)\nstdout:\n%s\nstderr:\n%s", args, hangGuard, stdout.String(), stderr.String())
	}
	r := binRun{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r binRun) oneLineError(t *testing.T, code int, phrases ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "error: ") {
		t.Errorf("last stderr line is not an error: %q", r.stderr)
	}
	for _, p := range phrases {
		if !strings.Contains(last, p) {
			t.Errorf("error %q lacks %q", last, p)
		}
	}
}

func TestCLIOnTheTestBed(t *testing.T) {
	var bin binary
	env := testbed.Require(t)
	ns := env.Namespace(t)
	env.RunKubectl(t, "-n", ns, "create", "deployment", "web", "--image=registry.example/web:1.0", "--replicas=2")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "web=registry.example/web:2.0-bad")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")

	t.Run("history", func(t *testing.T) {
		r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "history", "deployment/web", "-o", "json")
		if r.code != 0 || !strings.Contains(r.stdout, `"registry.example/web:2.0-bad"`) {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("viewer is refused up front", func(t *testing.T) {
		r := mayday(t, &bin, env.ViewerKubeconfig, "-n", ns, "undo", "deployment/web", "--yes")
		r.oneLineError(t, 1, "viewer cannot patch deployments.apps/web", `namespace "`+ns+`"`)
		r = mayday(t, &bin, env.ViewerKubeconfig, "-n", ns, "history", "deployment/web")
		if r.code != 0 {
			t.Errorf("viewer history: exit %d: %s", r.code, r.stderr)
		}
	})
	t.Run("undo", func(t *testing.T) {
		r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "undo", "deployment/web", "--yes", "--reason", "INC-9 bad build", "--incident", "INC-9")
		if r.code != 0 {
			t.Fatalf("undo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		d, err := env.Clientset(t).AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example/web:1.0" {
			t.Errorf("image after undo = %s", img)
		}
		if cc := d.Annotations[rollout.ChangeCauseAnnotation]; cc != "mayday: rollback to revision 1: INC-9 bad build" {
			t.Errorf("change-cause = %q", cc)
		}
		if d.Annotations[rollout.IncidentAnnotation] != "INC-9" || d.Annotations[rollout.ActorAnnotation] == "" {
			t.Errorf("attribution = %v", d.Annotations)
		}
		r = mayday(t, &bin, env.Kubeconfig, "-n", ns, "status", "deployment/web", "--watch", "--timeout", "60s")
		if r.code != 0 {
			t.Errorf("status --watch: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("unknown workload", func(t *testing.T) {
		r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "history", "deployment/nope")
		r.oneLineError(t, 1, "deployment/nope not found")
	})
}

// The API server stops answering in the middle of a command: the command
// ends with a clear error, it does not hang.
func TestAPIServerGoesAwayMidCommand(t *testing.T) {
	var bin binary
	bin.get(t)
	env := testbed.Require(t)
	ns := env.Namespace(t)
	env.RunKubectl(t, "-n", ns, "create", "deployment", "web", "--image=registry.example/web:1.0", "--replicas=1")
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	// A rollout that cannot finish: watching it lasts until the server goes.
	env.RunKubectl(t, "-n", ns, "rollout", "pause", "deployment/web")
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "web=registry.example/web:2.0")

	t.Run("paused server during a watch", func(t *testing.T) {
		type out struct{ r binRun }
		done := make(chan out, 1)
		go func() {
			done <- out{mayday(t, &bin, env.Kubeconfig, "-n", ns, "--request-timeout", "2s", "status", "deployment/web", "--watch", "--timeout", "30s")}
		}()
		time.Sleep(time.Second) // let the watch start
		env.PauseAPIServer(t)   // SIGSTOP: connections stay open, nothing answers
		o := <-done
		env.StartAPIServer(t)
		if o.r.code == 0 {
			t.Fatalf("status --watch succeeded while the API server was frozen:\n%s", o.r.stdout)
		}
		if !strings.Contains(o.r.stderr, "error: ") && o.r.code != 3 {
			t.Errorf("exit %d without a clear message:\n%s", o.r.code, o.r.stderr)
		}
		t.Logf("exit %d: %s", o.r.code, strings.TrimSpace(o.r.stderr))
	})
	t.Run("frozen server", func(t *testing.T) {
		env.PauseAPIServer(t)
		r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "--request-timeout", "2s", "history", "deployment/web")
		env.StartAPIServer(t)
		r.oneLineError(t, 1, "did not answer within --request-timeout=2s")
	})
	t.Run("stopped server", func(t *testing.T) {
		env.StopAPIServer(t)
		r := mayday(t, &bin, env.Kubeconfig, "-n", ns, "--request-timeout", "2s", "undo", "deployment/web", "--yes")
		env.StartAPIServer(t)
		r.oneLineError(t, 1, "cannot reach the Kubernetes API server", "connection refused")
	})
}

// currentReplicaSet is the pod-template-hash and creation time of the
// ReplicaSet of a Deployment's current revision.
func currentReplicaSet(t *testing.T, cs kubernetes.Interface, ns, name string) (string, time.Time) {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rss, err := cs.AppsV1().ReplicaSets(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range rss.Items {
		if metav1.IsControlledBy(&rs, d) && rs.Annotations[rollout.RevisionAnnotation] == d.Annotations[rollout.RevisionAnnotation] {
			return rs.Labels["pod-template-hash"], rs.CreationTimestamp.Time
		}
	}
	t.Fatalf("no ReplicaSet of the current revision of deployment/%s", name)
	return "", time.Time{}
}
