package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

func TestParseRequestTimeout(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0": 0, "10s": 10 * time.Second, "1m": time.Minute, "5": 5 * time.Second} {
		if got, err := ParseRequestTimeout(in); err != nil || got != want {
			t.Errorf("ParseRequestTimeout(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"soon", "-1", "-5s"} {
		if _, err := ParseRequestTimeout(bad); err == nil {
			t.Errorf("ParseRequestTimeout(%q) accepted", bad)
		}
	}
}

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://10.0.0.1:6443"}
users:
- name: u
  user: {token: abc}
contexts:
- name: staging
  context: {cluster: c, user: u, namespace: prod}
current-context: staging
`

func TestConnect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	f := NewConfigFlags()
	*f.KubeConfig = path
	c, err := Connect(f, "mayday/test")
	if err != nil {
		t.Fatal(err)
	}
	if c.Namespace != "prod" || c.Context != "staging" || c.Server != "https://10.0.0.1:6443" || c.Timeout != 10*time.Second {
		t.Errorf("connection %+v", c)
	}
	if c.Config.UserAgent != "mayday/test" || c.Client == nil || c.WatchClient == nil {
		t.Errorf("clients %+v", c)
	}
	*f.Namespace, *f.Timeout = "other", "3s"
	if c, err = Connect(f, ""); err != nil || c.Namespace != "other" || c.Timeout != 3*time.Second {
		t.Errorf("overrides: %+v, %v", c, err)
	}
	*f.Context = "nope"
	_, err = Connect(f, "")
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), `context "nope" not found`) || !strings.Contains(err.Error(), "available contexts: staging") {
		t.Errorf("unknown context: %v", err)
	}
}

func TestConnectFlagsAreTrimmed(t *testing.T) {
	f := NewConfigFlags()
	if f.CertFile != nil || f.APIServer != nil || f.CacheDir != nil || *f.Timeout != "10s" {
		t.Error("NewConfigFlags registers flags mayday does not document, or the wrong timeout")
	}
}

func TestDescribe(t *testing.T) {
	c := &Connection{Server: "https://k8s.example:6443", Context: "prod", Timeout: 10 * time.Second}
	refused := &url.Error{Op: "Get", URL: "https://k8s.example:6443/api", Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
	cases := []struct {
		err  error
		want string
	}{
		{refused, `cannot reach the Kubernetes API server at https://k8s.example:6443 (context "prod"): connection refused`},
		{fmt.Errorf("reading: %w", context.DeadlineExceeded), "did not answer within --request-timeout=10s"},
		{apierrors.NewUnauthorized("no"), "rejected the credentials (401 Unauthorized)"},
		{&url.Error{Op: "Get", URL: "x", Err: &net.DNSError{Err: "no such host", Name: "k8s.example"}}, "cannot resolve the host"},
		{errors.New("something else\nsecond line"), "something else; second line"},
	}
	for _, tc := range cases {
		if got := Describe(tc.err, c); !strings.Contains(got, tc.want) {
			t.Errorf("Describe(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if !IsConnectionError(refused) || IsConnectionError(apierrors.NewNotFound(appsv1.Resource("deployments"), "x")) {
		t.Error("IsConnectionError")
	}
}

// Concurrent readers of the same object share one request, and later
// reads are answered from memory.
func TestMemoReaderSharesReads(t *testing.T) {
	cs := fake.NewSimpleClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}})
	release := make(chan struct{})
	var once sync.Once
	cs.PrependReactor("get", "deployments", func(clienttesting.Action) (bool, runtime.Object, error) {
		once.Do(func() { <-release }) // hold the first request until all callers wait
		return false, nil, nil
	})
	m := NewMemoReader(APIReader{Client: cs})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Go(func() {
			d, err := m.Deployment(ctx, "ns", "web")
			if err == nil && d.Name != "web" {
				err = fmt.Errorf("got %s", d.Name)
			}
			errs <- err
		})
	}
	time.Sleep(20 * time.Millisecond) // let the callers pile up; correctness does not depend on it
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := m.Deployment(ctx, "ns", "web"); err != nil {
		t.Fatal(err)
	}
	gets := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == "get" {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("%d GET requests for one object, want 1", gets)
	}
	// Errors are remembered too, and a missing object is still NotFound.
	if _, err := m.Deployment(ctx, "ns", "nope"); !apierrors.IsNotFound(err) {
		t.Errorf("missing deployment: %v", err)
	}
}
