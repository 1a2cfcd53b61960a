package testbed

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// NamespaceLabel marks the namespaces Namespace creates, so leftovers of a
// crashed run can be found (kubectl get ns -l mayday.dev/testbed-test).
const NamespaceLabel = "mayday.dev/testbed-test"

func restConfig(kubeconfig string) (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", kubeconfig, err)
	}
	// Tests create and poll many objects quickly; client-go's default of 5
	// requests/s would make them slow, not more realistic.
	cfg.QPS, cfg.Burst = 100, 200
	return cfg, nil
}

func newClientset(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := restConfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// RESTConfig is the admin's client configuration (a fresh copy each call).
func (e *Env) RESTConfig(t testing.TB) *rest.Config {
	t.Helper()
	cfg, err := restConfig(e.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// ViewerRESTConfig is the read-only user's client configuration.
func (e *Env) ViewerRESTConfig(t testing.TB) *rest.Config {
	t.Helper()
	cfg, err := restConfig(e.ViewerKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Clientset is a client acting as the admin.
func (e *Env) Clientset(t testing.TB) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(e.RESTConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// ViewerClientset is a client acting as the read-only user "viewer".
func (e *Env) ViewerClientset(t testing.TB) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(e.ViewerRESTConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Namespace creates a namespace unique to this test and deletes it when the
// test ends. It returns once the namespace's default ServiceAccount exists,
// because until then the apiserver refuses pods there.
func (e *Env) Namespace(t testing.TB) string {
	t.Helper()
	cs := e.Clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   namespaceName(t.Name(), rand.Text()),
		Labels: map[string]string{NamespaceLabel: "true"},
	}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("testbed: create namespace %s: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := cs.CoreV1().Namespaces().Delete(ctx, ns.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Logf("testbed: delete namespace %s: %v", ns.Name, err)
		}
	})
	err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("testbed: the default ServiceAccount of namespace %s did not appear (is kube-controller-manager running?): %v", ns.Name, err)
	}
	return ns.Name
}

// namespaceName makes a valid, unique namespace name (a DNS-1123 label of at
// most 63 characters) that still says which test it belongs to.
func namespaceName(testName, random string) string {
	var b strings.Builder
	dash := true // no leading dash, no double dashes
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimRight(b.String(), "-")
	if len(name) > 48 {
		name = strings.TrimRight(name[:48], "-")
	}
	suffix := strings.ToLower(random)
	if len(suffix) > 8 {
		suffix = suffix[:8]
	}
	if name == "" {
		return "t-" + suffix
	}
	return "t-" + name + "-" + suffix
}

// KubectlCmd returns a command running the test bed's kubectl with the given
// kubeconfig (Kubeconfig or ViewerKubeconfig). It ignores the caller's
// KUBECONFIG, which may point at a real cluster.
func (e *Env) KubectlCmd(ctx context.Context, kubeconfig string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, e.Kubectl, append([]string{"--kubeconfig=" + kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	return cmd
}

// RunKubectl runs kubectl as the admin and returns its standard output; a
// failure fails the test with kubectl's error output.
func (e *Env) RunKubectl(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := e.KubectlCmd(ctx, e.Kubeconfig, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}
