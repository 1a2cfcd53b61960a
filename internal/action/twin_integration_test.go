//go:build integration

package action_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/testbed"
)

// twins are two identical workloads with the same name in two namespaces:
// kubectl rolls one back, mayday the other, and they must end up the same.
type twins struct {
	env       *testbed.Env
	cs        kubernetes.Interface
	kind      rollout.Kind
	name      string
	kubectlNS string
	maydayNS  string
}

func newTwins(t *testing.T, kind rollout.Kind, obj func(ns string) error) *twins {
	env := testbed.Require(t)
	tw := &twins{env: env, cs: env.Clientset(t), kind: kind, name: "web", kubectlNS: env.Namespace(t), maydayNS: env.Namespace(t)}
	for _, ns := range []string{tw.kubectlNS, tw.maydayNS} {
		if err := obj(ns); err != nil {
			t.Fatal(err)
		}
	}
	tw.waitComplete(t)
	return tw
}

func labels() map[string]string { return map[string]string{"app": "web"} }

func podTemplate(image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels()},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

func int32p(v int32) *int32 { return &v }

// kubectl runs the same kubectl command on both twins (changes that are
// not rollbacks, so both histories grow the same way).
func (tw *twins) both(t *testing.T, args ...string) {
	t.Helper()
	for _, ns := range []string{tw.kubectlNS, tw.maydayNS} {
		tw.env.RunKubectl(t, append([]string{"-n", ns}, args...)...)
	}
	tw.waitComplete(t)
}

func (tw *twins) ref(ns string) rollout.Ref {
	return rollout.Ref{Kind: tw.kind, Namespace: ns, Name: tw.name}
}

func (tw *twins) kindArg() string { return tw.kind.Short() + "/" + tw.name }

// undo rolls back both twins: kubectl `rollout undo` on one, mayday's plan
// and executor on the other.
func (tw *twins) undo(t *testing.T, to int64) {
	t.Helper()
	args := []string{"-n", tw.kubectlNS, "rollout", "undo", tw.kindArg()}
	if to > 0 {
		args = append(args, fmt.Sprintf("--to-revision=%d", to))
	}
	out := tw.env.RunKubectl(t, args...)
	t.Logf("kubectl: %s", strings.TrimSpace(out))
	ctx := context.Background()
	p, err := rollout.PlanUndo(ctx, kube.APIReader{Client: tw.cs}, tw.ref(tw.maydayNS), rollout.UndoOptions{
		ToRevision: to, Attribution: rollout.Attribution{Actor: "test", Reason: "twin", Incident: "INC-1"}})
	if err != nil {
		t.Fatalf("mayday plan: %v", err)
	}
	res, err := (&action.Executor{Client: tw.cs}).Undo(ctx, p, action.DryRunNone)
	if err != nil {
		t.Fatalf("mayday undo: %v", err)
	}
	t.Logf("mayday: %s (revision %d → %d)", res.Message, p.FromRevision, p.ToRevision)
	tw.waitComplete(t)
}

func (tw *twins) waitComplete(t *testing.T) {
	t.Helper()
	for _, ns := range []string{tw.kubectlNS, tw.maydayNS} {
		var last rollout.Status
		err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
			h, err := rollout.GetHistory(ctx, kube.APIReader{Client: tw.cs}, tw.ref(ns))
			if err != nil {
				return false, err
			}
			last = h.Status
			return h.Status.Phase == rollout.PhaseComplete && h.Current > 0, nil
		})
		if err != nil {
			t.Fatalf("%s in %s did not complete its rollout: %v (last status %+v)", tw.kindArg(), ns, err, last)
		}
	}
}

// mine reports annotations mayday writes that kubectl does not.
func mine(k string) bool {
	return strings.HasPrefix(k, rollout.AnnotationPrefix) || k == rollout.ChangeCauseAnnotation
}

type snapshot struct {
	template    corev1.PodTemplateSpec
	annotations map[string]string
	revisions   []string
}

func (tw *twins) snapshot(t *testing.T, ns string) snapshot {
	t.Helper()
	ctx := context.Background()
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: tw.cs}, tw.ref(ns))
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{template: *h.Template.DeepCopy(), annotations: map[string]string{}}
	maps.Copy(s.annotations, h.Object.GetAnnotations())
	maps.DeleteFunc(s.annotations, func(k, _ string) bool { return mine(k) })
	for _, r := range h.Revisions {
		s.revisions = append(s.revisions, fmt.Sprintf("%d%v:%s current=%v", r.Number, r.FormerNumbers, r.Images[0].Image, r.Current))
	}
	return s
}

func (tw *twins) compare(t *testing.T, step string) {
	t.Helper()
	a, b := tw.snapshot(t, tw.kubectlNS), tw.snapshot(t, tw.maydayNS)
	if !rollout.EqualIgnoreHash(&a.template, &b.template) {
		t.Errorf("%s: templates differ:\n%s", step, rollout.DiffTemplatesLabeled(&a.template, &b.template, "kubectl", "mayday").Unified)
	}
	if !maps.Equal(a.annotations, b.annotations) {
		t.Errorf("%s: annotations differ:\nkubectl %v\nmayday  %v", step, a.annotations, b.annotations)
	}
	if strings.Join(a.revisions, "\n") != strings.Join(b.revisions, "\n") {
		t.Errorf("%s: histories differ:\nkubectl:\n%s\nmayday:\n%s", step, strings.Join(a.revisions, "\n"), strings.Join(b.revisions, "\n"))
	}
	t.Logf("%s: %s", step, strings.Join(b.revisions, " | "))
}

// script is the shared history: deploy, change image, change env, undo,
// undo to an explicit revision, undo again.
func (tw *twins) script(t *testing.T) {
	tw.compare(t, "deployed")
	tw.both(t, "set", "image", tw.kindArg(), "app=registry.example/web:1.1")
	tw.compare(t, "image changed")
	tw.both(t, "set", "env", tw.kindArg(), "MODE=fast")
	tw.compare(t, "env changed")
	tw.undo(t, 0)
	tw.compare(t, "undo")
	tw.undo(t, 1)
	tw.compare(t, "undo --to-revision=1")
	tw.undo(t, 0)
	tw.compare(t, "undo again")
}

func TestTwinDeploymentMatchesKubectl(t *testing.T) {
	tw := newTwins(t, rollout.Deployment, func(ns string) error {
		_, err := testbed.Require(t).Clientset(t).AppsV1().Deployments(ns).Create(context.Background(), &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{"team": "payments"}},
			Spec: appsv1.DeploymentSpec{Replicas: int32p(3), Selector: &metav1.LabelSelector{MatchLabels: labels()},
				Template: podTemplate("registry.example/web:1.0")},
		}, metav1.CreateOptions{})
		return err
	})
	tw.script(t)
	// The controller renumbered the reused ReplicaSet: mayday's history
	// shows the former numbers, as kubectl's annotations record them.
	h, err := rollout.GetHistory(context.Background(), kube.APIReader{Client: tw.cs}, tw.ref(tw.maydayNS))
	if err != nil {
		t.Fatal(err)
	}
	renumbered := 0
	for _, r := range h.Revisions {
		renumbered += len(r.FormerNumbers)
	}
	if renumbered == 0 {
		t.Errorf("no revision carries former numbers after three undos: %+v", h.Revisions)
	}
	d := h.Object.(*appsv1.Deployment)
	if d.Annotations[rollout.ActorAnnotation] != "test" || d.Annotations[rollout.IncidentAnnotation] != "INC-1" ||
		!strings.HasPrefix(d.Annotations[rollout.ChangeCauseAnnotation], "mayday: rollback to revision") {
		t.Errorf("attribution annotations = %v", d.Annotations)
	}
	evs, err := tw.cs.CoreV1().Events(tw.maydayNS).List(context.Background(), metav1.ListOptions{FieldSelector: "reason=RolledBack"})
	if err != nil || len(evs.Items) != 3 {
		t.Errorf("RolledBack events = %d (%v), want 3", len(evs.Items), err)
	}
}

func TestTwinStatefulSetMatchesKubectl(t *testing.T) {
	tw := newTwins(t, rollout.StatefulSet, func(ns string) error {
		_, err := testbed.Require(t).Clientset(t).AppsV1().StatefulSets(ns).Create(context.Background(), &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: appsv1.StatefulSetSpec{Replicas: int32p(2), Selector: &metav1.LabelSelector{MatchLabels: labels()},
				ServiceName: "web", Template: podTemplate("registry.example/web:1.0")},
		}, metav1.CreateOptions{})
		return err
	})
	tw.script(t)
}

func TestTwinDaemonSetMatchesKubectl(t *testing.T) {
	tw := newTwins(t, rollout.DaemonSet, func(ns string) error {
		_, err := testbed.Require(t).Clientset(t).AppsV1().DaemonSets(ns).Create(context.Background(), &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels()},
				Template: podTemplate("registry.example/web:1.0")},
		}, metav1.CreateOptions{})
		return err
	})
	tw.script(t)
}

// kubectlErr runs kubectl expecting failure and returns its error output.
func kubectlErr(t *testing.T, env *testbed.Env, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := env.KubectlCmd(ctx, env.Kubeconfig, args...).CombinedOutput()
	if err == nil {
		return "(success) " + string(out)
	}
	return string(out)
}

func TestUndoEdgeCasesMatchKubectl(t *testing.T) {
	env := testbed.Require(t)
	cs := env.Clientset(t)
	ns := env.Namespace(t)
	ctx := context.Background()
	create := func(name string) {
		t.Helper()
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: appsv1.DeploymentSpec{Replicas: int32p(1), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/x:1"}}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	plan := func(name string, to int64) (*rollout.Plan, error) {
		return rollout.PlanUndo(ctx, kube.APIReader{Client: cs}, rollout.Ref{Kind: rollout.Deployment, Namespace: ns, Name: name},
			rollout.UndoOptions{ToRevision: to, Attribution: rollout.Attribution{Actor: "test"}})
	}
	waitRevision := func(name string, n int) {
		t.Helper()
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			rs, err := cs.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
			return err == nil && len(rs.Items) >= n, err
		})
		if err != nil {
			t.Fatalf("%s never had %d ReplicaSets: %v", name, n, err)
		}
	}

	// Revision 0 with a single revision: kubectl and mayday both say no history.
	create("single")
	waitRevision("single", 1)
	_, err := plan("single", 0)
	if want := `no rollout history found for deployment "single"`; err == nil || err.Error() != want {
		t.Errorf("single revision: mayday says %v, want %q", err, want)
	}
	if out := kubectlErr(t, env, "-n", ns, "rollout", "undo", "deployment/single"); !strings.Contains(out, `no rollout history found for deployment "single"`) {
		t.Errorf("kubectl says %q", out)
	}
	// A missing revision.
	_, err = plan("single", 7)
	if want := "unable to find specified revision 7 in history"; err == nil || err.Error() != want {
		t.Errorf("missing revision: mayday says %v", err)
	}
	if out := kubectlErr(t, env, "-n", ns, "rollout", "undo", "deployment/single", "--to-revision=7"); !strings.Contains(out, "unable to find specified revision 7 in history") {
		t.Errorf("kubectl says %q", out)
	}
	// Skip when equal: the current revision is the target.
	p, err := plan("single", 1)
	if err != nil || !p.Skip || p.SkipReason != "current template already matches revision 1" {
		t.Errorf("skip: %+v %v", p, err)
	}
	if out := env.RunKubectl(t, "-n", ns, "rollout", "undo", "deployment/single", "--to-revision=1"); !strings.Contains(out, "skipped rollback (current template already matches revision 1)") {
		t.Errorf("kubectl says %q", out)
	}
	// Paused: refused by both.
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/single", "app=registry.example/x:2")
	waitRevision("single", 2)
	env.RunKubectl(t, "-n", ns, "rollout", "pause", "deployment/single")
	var pe *rollout.PausedError
	if _, err := plan("single", 1); !errors.As(err, &pe) {
		t.Errorf("paused: mayday says %v", err)
	}
	if out := kubectlErr(t, env, "-n", ns, "rollout", "undo", "deployment/single"); !strings.Contains(out, "resume it first") {
		t.Errorf("kubectl says %q", out)
	}
}

// A concurrent writer changes the image between mayday's plan and its
// write: mayday detects it and the concurrent change survives. kubectl's
// patch (the same without the resourceVersion) overwrites it.
func TestConcurrentWriterSurvives(t *testing.T) {
	env := testbed.Require(t)
	cs := env.Clientset(t)
	ns := env.Namespace(t)
	ctx := context.Background()
	ref := createWeb(t, cs, ns, 2)
	waitHistory(t, cs, ref, 1)
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "app=registry.example/web:2.0-bad")
	waitHistory(t, cs, ref, 2)

	p, err := rollout.PlanUndo(ctx, kube.APIReader{Client: cs}, ref, rollout.UndoOptions{Attribution: rollout.Attribution{Actor: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	// The concurrent writer: a hotfix lands after the plan.
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "app=registry.example/web:2.1-hotfix")

	_, err = (&action.Executor{Client: cs}).Undo(ctx, p, action.DryRunNone)
	var ce *action.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("mayday did not detect the concurrent change: %v", err)
	}
	if got := liveImage(t, cs, ns); got != "registry.example/web:2.1-hotfix" {
		t.Fatalf("the hotfix did not survive: image is %s", got)
	}
	if ce.New == nil || len(ce.Concurrent.Summary) == 0 || ce.Concurrent.Summary[0].To != "registry.example/web:2.1-hotfix" {
		t.Fatalf("conflict report: new plan %v, concurrent %+v", ce.New != nil, ce.Concurrent.Summary)
	}
	// The re-planned undo (what --yes does once) applies on the new state.
	if _, err := (&action.Executor{Client: cs}).Undo(ctx, ce.New, action.DryRunNone); err != nil {
		t.Fatalf("re-planned undo: %v", err)
	}
	if got := liveImage(t, cs, ns); got != "registry.example/web:1.0" {
		t.Fatalf("after the re-planned undo the image is %s", got)
	}

	// kubectl's patch has no precondition: replaying it after a concurrent
	// change silently overwrites that change.
	p2, err := rollout.PlanUndo(ctx, kube.APIReader{Client: cs}, ref, rollout.UndoOptions{Attribution: rollout.Attribution{Actor: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	env.RunKubectl(t, "-n", ns, "set", "image", "deployment/web", "app=registry.example/web:3.0-hotfix")
	var ops []map[string]any
	if err := json.Unmarshal(p2.Patch, &ops); err != nil {
		t.Fatal(err)
	}
	kubectlPatch, _ := json.Marshal(ops[:2]) // kubectl's two operations, no resourceVersion
	env.RunKubectl(t, "-n", ns, "patch", "deployment/web", "--type=json", "-p", string(kubectlPatch))
	if got := liveImage(t, cs, ns); got == "registry.example/web:3.0-hotfix" {
		t.Fatalf("kubectl's unguarded patch kept the concurrent change; expected it to be overwritten")
	}
}

func waitHistory(t *testing.T, cs kubernetes.Interface, ref rollout.Ref, n int) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		h, err := rollout.GetHistory(ctx, kube.APIReader{Client: cs}, ref)
		return err == nil && len(h.Revisions) >= n && h.Current > 0, nil
	})
	if err != nil {
		t.Fatalf("%s never reached %d revisions", ref, n)
	}
}

func liveImage(t *testing.T, cs kubernetes.Interface, ns string) string {
	t.Helper()
	d, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

// The read-only user reads history but is refused an undo up front, with
// the missing permission named.
func TestViewerHistoryButNoUndo(t *testing.T) {
	env := testbed.Require(t)
	cs := env.Clientset(t)
	ns := env.Namespace(t)
	ctx := context.Background()
	ref := createWeb(t, cs, ns, 1)
	viewer := env.ViewerClientset(t)
	waitHistory(t, viewer, ref, 1)
	err := (&action.Executor{Client: viewer}).CheckUndoAllowed(ctx, ref)
	var fe *kube.ForbiddenError
	if !errors.As(err, &fe) {
		t.Fatalf("viewer allowed to undo: %v", err)
	}
	want := fmt.Sprintf(`cannot patch deployments.apps/web in namespace %q`, ns)
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %q", err, want)
	}
	if actor := kube.Actor(ctx, viewer); actor != "viewer" {
		t.Errorf("actor = %q, want viewer", actor)
	}
}

// createWeb creates Deployment web (image registry.example/web:1.0) and
// returns its reference.
func createWeb(t *testing.T, cs kubernetes.Interface, ns string, replicas int32) rollout.Ref {
	t.Helper()
	_, err := cs.AppsV1().Deployments(ns).Create(context.Background(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Replicas: int32p(replicas), Selector: &metav1.LabelSelector{MatchLabels: labels()},
			Template: podTemplate("registry.example/web:1.0")},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rollout.Ref{Kind: rollout.Deployment, Namespace: ns, Name: "web"}
}
