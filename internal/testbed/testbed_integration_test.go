//go:build integration

package testbed_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/mayday-tui/mayday/internal/testbed"
)

func deployment(name string, replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "app",
					Image: image,
				}}},
			},
		},
	}
}

// waitAvailable waits for the rollout to complete the way kubectl rollout
// status decides it: observed generation current, all replicas updated and
// available.
func waitAvailable(ctx context.Context, t *testing.T, env *testbed.Env, ns, name string) *appsv1.Deployment {
	t.Helper()
	cs := env.Clientset(t)
	var d *appsv1.Deployment
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var err error
		d, err = cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		want := *d.Spec.Replicas
		s := d.Status
		return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want &&
			s.Replicas == want && s.AvailableReplicas == want, nil
	})
	if err != nil {
		t.Fatalf("deployment %s/%s not available: %v (status %+v)", ns, name, err, d.Status)
	}
	return d
}

func TestDeploymentBecomesAvailable(t *testing.T) {
	env := testbed.Require(t)
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	ctx := t.Context()

	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, deployment("web", 3, "registry.example/web:1.0.0"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	d := waitAvailable(ctx, t, env, ns, "web")
	t.Logf("3 replicas available after %v", time.Since(began).Round(time.Millisecond))
	if rev := d.Annotations["deployment.kubernetes.io/revision"]; rev != "1" {
		t.Errorf("revision annotation = %q, want 1 (kube-controller-manager runs the deployment controller)", rev)
	}

	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 3 {
		t.Fatalf("%d pods, want 3", len(pods.Items))
	}
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || p.Status.Phase != corev1.PodRunning || !podReady(&p) {
			t.Errorf("pod %s: node %q phase %s ready %v; want scheduled, Running and Ready through kwok",
				p.Name, p.Spec.NodeName, p.Status.Phase, podReady(&p))
		}
	}

	// A template change is a real rolling update with a second revision.
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.example/web:1.1.0"}]}}}}`)
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, "web", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	d = waitAvailable(ctx, t, env, ns, "web")
	if rev := d.Annotations["deployment.kubernetes.io/revision"]; rev != "2" {
		t.Errorf("after set image, revision = %q, want 2", rev)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func TestViewerMayReadButNotPatch(t *testing.T) {
	env := testbed.Require(t)
	ns := env.Namespace(t)
	ctx := t.Context()
	if _, err := env.Clientset(t).AppsV1().Deployments(ns).Create(ctx, deployment("api", 1, "registry.example/api:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	viewer := env.ViewerClientset(t)

	list, err := viewer.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("viewer list deployments: %v", err)
	}
	if len(list.Items) != 1 {
		t.Errorf("viewer sees %d deployments, want 1", len(list.Items))
	}
	for _, list := range []func() error{
		func() error { _, err := viewer.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{}); return err },
		func() error {
			_, err := viewer.AppsV1().ControllerRevisions(ns).List(ctx, metav1.ListOptions{})
			return err
		},
		func() error { _, err := viewer.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); return err },
		func() error { _, err := viewer.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); return err },
		func() error { _, err := viewer.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); return err },
	} {
		if err := list(); err != nil {
			t.Errorf("viewer read: %v", err)
		}
	}

	patch := []byte(`{"metadata":{"annotations":{"x":"y"}}}`)
	_, err = viewer.AppsV1().Deployments(ns).Patch(ctx, "api", types.MergePatchType, patch, metav1.PatchOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("viewer patch deployment: err = %v, want Forbidden", err)
	}

	review, err := viewer.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
		Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authzv1.ResourceAttributes{
			Namespace: ns, Verb: "patch", Group: "apps", Resource: "deployments", Name: "api",
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("viewer SelfSubjectAccessReview: %v", err)
	}
	if review.Status.Allowed {
		t.Error("SelfSubjectAccessReview says the viewer may patch deployments")
	}

	who, err := viewer.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("viewer SelfSubjectReview: %v", err)
	}
	if got := who.Status.UserInfo.Username; got != "viewer" {
		t.Errorf("viewer's username = %q, want viewer", got)
	}

	// The same refusal through the kubectl of the same version.
	out, err := env.KubectlCmd(ctx, env.ViewerKubeconfig, "-n", ns, "annotate", "deployment/api", "x=y").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "forbidden") {
		t.Errorf("kubectl annotate as viewer: err = %v, output %q; want forbidden", err, out)
	}
}

func TestKubectlMatchesServerVersion(t *testing.T) {
	env := testbed.Require(t)
	var v struct {
		ClientVersion struct{ GitVersion string } `json:"clientVersion"`
		ServerVersion struct{ GitVersion string } `json:"serverVersion"`
	}
	if err := json.Unmarshal([]byte(env.RunKubectl(t, "version", "-o", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.ClientVersion.GitVersion == "" || v.ClientVersion.GitVersion != v.ServerVersion.GitVersion {
		t.Errorf("kubectl %q, apiserver %q: want the same version", v.ClientVersion.GitVersion, v.ServerVersion.GitVersion)
	}
}

// TestAPIServerControls shows the helpers that tests of "the API server went
// away mid-command" rely on. Not parallel: it takes the shared apiserver away.
func TestAPIServerControls(t *testing.T) {
	env := testbed.Require(t)
	cs := env.Clientset(t)
	get := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_, err := cs.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
		return err
	}

	env.PauseAPIServer(t)
	began := time.Now()
	err := get(time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("paused apiserver: err = %v, want a deadline exceeded", err)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Errorf("paused apiserver: the request took %v despite its 1 s deadline", d)
	}

	env.StopAPIServer(t)
	if err := get(5 * time.Second); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("stopped apiserver: err = %v, want connection refused", err)
	}

	env.StartAPIServer(t)
	if err := get(5 * time.Second); err != nil {
		t.Errorf("restarted apiserver: %v", err)
	}
}
