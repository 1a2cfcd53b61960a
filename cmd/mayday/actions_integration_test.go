//go:build integration

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// appDeployment creates a one-container Deployment labelled part of app.
func appDeployment(t *testing.T, cs kubernetes.Interface, ns, name, app, image string, mutate func(*appsv1.Deployment)) {
	t.Helper()
	sel := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{rollout.PartOfLabel: app}},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
			},
		},
	}
	if mutate != nil {
		mutate(d)
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func getDeployment(t *testing.T, cs kubernetes.Interface, ns, name string) *appsv1.Deployment {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// replicaSetWithImage is the deployment's ReplicaSet whose template runs
// image.
func replicaSetWithImage(t *testing.T, cs kubernetes.Interface, ns, name, image string) *appsv1.ReplicaSet {
	t.Helper()
	rss, err := cs.AppsV1().ReplicaSets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: labels.Set{"app": name}.String()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range rss.Items {
		if rss.Items[i].Spec.Template.Spec.Containers[0].Image == image {
			return &rss.Items[i]
		}
	}
	t.Fatalf("%s has no ReplicaSet with image %s", name, image)
	return nil
}

// twoRevisions deploys v1 of each component, notes a time while v1 is
// live everywhere, then deploys v2: the time returned is before every v2.
func twoRevisions(t *testing.T, env *testbed.Env, ns, app string, names ...string) time.Time {
	t.Helper()
	cs := env.Clientset(t)
	for _, n := range names {
		appDeployment(t, cs, ns, n, app, "registry.example/"+n+":1", nil)
	}
	for _, n := range names {
		env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/"+n, "--timeout=60s")
	}
	// Revision starts are whole seconds: keep a second clear on each side.
	time.Sleep(1100 * time.Millisecond)
	at := time.Now().Truncate(time.Second)
	time.Sleep(1100 * time.Millisecond)
	for _, n := range names {
		env.RunKubectl(t, "-n", ns, "set", "image", "deployment/"+n, "app=registry.example/"+n+":2")
	}
	for _, n := range names {
		env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/"+n, "--timeout=60s")
	}
	return at
}

func appRollbackByTime(t *testing.T, bin *binary, env *testbed.Env) {
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	names := []string{"cart", "orders", "search"}
	at := twoRevisions(t, env, ns, "store", names...)

	r := mayday(t, bin, env.Kubeconfig, "-n", ns, "undo", "app/store", "--to-time", at.Format(time.RFC3339),
		"--yes", "--bake", "0", "--timeout", "90s", "--reason", "INC-60 store regression", "--incident", "INC-60")
	if r.code != 0 {
		t.Fatalf("undo app: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, n := range names {
		d := getDeployment(t, cs, ns, n)
		rs := replicaSetWithImage(t, cs, ns, n, "registry.example/"+n+":1")
		if !rollout.EqualIgnoreHash(&d.Spec.Template, &rs.Spec.Template) {
			t.Errorf("%s's template is not revision 1's: %s", n, d.Spec.Template.Spec.Containers[0].Image)
		}
		if cc := d.Annotations[rollout.ChangeCauseAnnotation]; cc != "mayday: rollback to revision 1: INC-60 store regression" {
			t.Errorf("%s change-cause %q", n, cc)
		}
		if d.Annotations[rollout.IncidentAnnotation] != "INC-60" {
			t.Errorf("%s incident %v", n, d.Annotations)
		}
		if st := rollout.DeploymentStatus(d); st.Phase != rollout.PhaseComplete {
			t.Errorf("%s rollout %s after a verified undo", n, st.Message)
		}
		if !strings.Contains(r.stdout, "✓ verified: deployment/"+n+" rollout complete") {
			t.Errorf("no verification line for %s:\n%s", n, r.stdout)
		}
	}
}

func partialAppRollback(t *testing.T, bin *binary, env *testbed.Env) {
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	at := twoRevisions(t, env, ns, "store", "cart", "orders", "search")
	untouched := map[string]int64{}
	for _, n := range []string{"orders", "search"} {
		untouched[n] = getDeployment(t, cs, ns, n).Generation
	}

	// An unknown component: nothing is sent.
	r := mayday(t, bin, env.Kubeconfig, "-n", ns, "undo", "app/store", "--only", "cart,payments", "--yes")
	r.oneLineError(t, 1, `unknown component "payments"`, "cart, orders, search")
	if img := getDeployment(t, cs, ns, "cart").Spec.Template.Spec.Containers[0].Image; img != "registry.example/cart:2" {
		t.Fatalf("bad input changed cart to %s", img)
	}
	// Before any history: nothing is sent.
	r = mayday(t, bin, env.Kubeconfig, "-n", ns, "undo", "app/store", "--to-time", "48h", "--yes")
	r.oneLineError(t, 1, "has no revision live at", "its oldest revision started at")

	r = mayday(t, bin, env.Kubeconfig, "-n", ns, "undo", "app/store", "--to-time", at.Format(time.RFC3339), "--only", "cart",
		"--yes", "--bake", "0", "--timeout", "90s")
	if r.code != 0 {
		t.Fatalf("partial undo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	d := getDeployment(t, cs, ns, "cart")
	if !rollout.EqualIgnoreHash(&d.Spec.Template, &replicaSetWithImage(t, cs, ns, "cart", "registry.example/cart:1").Spec.Template) {
		t.Errorf("cart runs %s", d.Spec.Template.Spec.Containers[0].Image)
	}
	for n, gen := range untouched {
		d := getDeployment(t, cs, ns, n)
		if d.Generation != gen || d.Spec.Template.Spec.Containers[0].Image != "registry.example/"+n+":2" {
			t.Errorf("%s was changed by a rollback of cart only: generation %d → %d, image %s", n, gen, d.Generation, d.Spec.Template.Spec.Containers[0].Image)
		}
	}
}

func rollforward(t *testing.T, bin *binary, env *testbed.Env) {
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	appDeployment(t, cs, ns, "web", "site", "registry.example/web:1", nil)
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")

	r := mayday(t, bin, env.Kubeconfig, "-n", ns, "set-image", "deployment/web", "app=registry.example/web:1.1",
		"--reason", "INC-61 fix forward", "--yes", "--watch", "--bake", "0", "--timeout", "90s")
	if r.code != 0 {
		t.Fatalf("set-image: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	d := getDeployment(t, cs, ns, "web")
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example/web:1.1" {
		t.Errorf("image %s", img)
	}
	if cc := d.Annotations[rollout.ChangeCauseAnnotation]; cc != "mayday: set image app=registry.example/web:1.1: INC-61 fix forward" {
		t.Errorf("change-cause %q", cc)
	}
	if st := rollout.DeploymentStatus(d); st.Phase != rollout.PhaseComplete {
		t.Errorf("rollout %s", st.Message)
	}
	evs, err := cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs.Items {
		found = found || (e.Reason == "RolledForward" && e.InvolvedObject.Name == "web")
	}
	if !found {
		t.Error("no RolledForward Event")
	}

	// Bad input on a real server: nothing changes.
	r = mayday(t, bin, env.Kubeconfig, "-n", ns, "set-image", "deployment/web", "nope=registry.example/web:2", "--yes")
	r.oneLineError(t, 1, `deployment/web has no container "nope": its containers are app`)
	r = mayday(t, bin, env.ViewerKubeconfig, "-n", ns, "set-image", "deployment/web", "app=registry.example/web:2", "--yes")
	r.oneLineError(t, 1, "cannot patch deployments.apps/web")
	if img := getDeployment(t, cs, ns, "web").Spec.Template.Spec.Containers[0].Image; img != "registry.example/web:1.1" {
		t.Errorf("bad input changed the image to %s", img)
	}
}

// A rollforward whose new pod can never be scheduled (required
// anti-affinity against the old pod on the single node) misses its
// progress deadline; --fallback=rollback puts the previous template back.
func rollforwardFallsBack(t *testing.T, bin *binary, env *testbed.Env) {
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	appDeployment(t, cs, ns, "api", "site", "registry.example/api:1", func(d *appsv1.Deployment) {
		d.Spec.ProgressDeadlineSeconds = new(int32(3))
		d.Spec.Template.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
				TopologyKey:   corev1.LabelHostname,
			}},
		}}
	})
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/api", "--timeout=60s")
	before := getDeployment(t, cs, ns, "api").Spec.Template

	r := mayday(t, bin, env.Kubeconfig, "-n", ns, "set-image", "deployment/api", "app=registry.example/api:2",
		"--reason", "INC-62", "--yes", "--fallback=rollback", "--bake", "0", "--timeout", "90s")
	if r.code != 1 {
		t.Fatalf("set-image with a failing rollout: exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r.oneLineError(t, 1, "rollforward of deployment/api failed (the rollout failed); rolled back to revision 1 (verified)")
	if !strings.Contains(r.stdout, "exceeded its progress deadline") {
		t.Errorf("no failed rollout in the output:\n%s", r.stdout)
	}
	d := getDeployment(t, cs, ns, "api")
	if !rollout.EqualIgnoreHash(&d.Spec.Template, &before) {
		t.Errorf("after the fallback api runs %s", d.Spec.Template.Spec.Containers[0].Image)
	}
	if cc := d.Annotations[rollout.ChangeCauseAnnotation]; !strings.HasPrefix(cc, "mayday: rollback to revision 1: rollforward failed") {
		t.Errorf("change-cause %q", cc)
	}
}

func pauseResume(t *testing.T, bin *binary, env *testbed.Env) {
	ns := env.Namespace(t)
	cs := env.Clientset(t)
	appDeployment(t, cs, ns, "web", "site", "registry.example/web:1", nil)
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")

	r := mayday(t, bin, env.Kubeconfig, "-n", ns, "pause", "deployment/web", "--reason", "INC-63 hold", "--yes")
	if r.code != 0 {
		t.Fatalf("pause: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	d := getDeployment(t, cs, ns, "web")
	if !d.Spec.Paused || d.Annotations[action.PauseReasonAnnotation] != "INC-63 hold" || d.Annotations[rollout.ActorAnnotation] == "" {
		t.Fatalf("after pause: paused %v, annotations %v", d.Spec.Paused, d.Annotations)
	}
	// A paused deployment does not roll out a new image.
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "app=registry.example/web:2")
	time.Sleep(time.Second)
	rss, err := cs.AppsV1().ReplicaSets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil || len(rss.Items) != 1 {
		t.Errorf("a paused deployment rolled out: %d ReplicaSets, %v", len(rss.Items), err)
	}
	r = mayday(t, bin, env.Kubeconfig, "-n", ns, "resume", "deployment/web", "--yes")
	if r.code != 0 {
		t.Fatalf("resume: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if d := getDeployment(t, cs, ns, "web"); d.Spec.Paused || d.Annotations[action.PauseReasonAnnotation] != "" {
		t.Errorf("after resume: paused %v, annotations %v", d.Spec.Paused, d.Annotations)
	}
	env.RunKubectl(t, "-n", ns, "rollout", "status", "deployment/web", "--timeout=60s")
	r = mayday(t, bin, env.Kubeconfig, "-n", ns, "resume", "deployment/web", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "is not paused: nothing to resume") {
		t.Errorf("resume twice: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = mayday(t, bin, env.ViewerKubeconfig, "-n", ns, "pause", "deployment/web", "--yes")
	r.oneLineError(t, 1, "cannot patch deployments.apps/web")
	if getDeployment(t, cs, ns, "web").Spec.Paused {
		t.Error("the viewer paused it")
	}
}

// The actions against real objects; one binary for all of them.
func TestActionsOnTheTestBed(t *testing.T) {
	var bin binary
	env := testbed.Require(t)
	bin.get(t)
	t.Run("application rollback by time", func(t *testing.T) { appRollbackByTime(t, &bin, env) })
	t.Run("partial application rollback", func(t *testing.T) { partialAppRollback(t, &bin, env) })
	t.Run("rollforward", func(t *testing.T) { rollforward(t, &bin, env) })
	t.Run("rollforward falls back", func(t *testing.T) { rollforwardFallsBack(t, &bin, env) })
	t.Run("pause and resume", func(t *testing.T) { pauseResume(t, &bin, env) })
}
