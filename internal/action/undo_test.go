package action_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

var web = rollout.Ref{Kind: rollout.Deployment, Namespace: "prod", Name: "web"}

func tmpl(image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

// cluster holds web at revision 2 (v2) with revision 1 (v1).
func cluster() *fake.Clientset {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod", UID: "dep", ResourceVersion: "10",
			Annotations: map[string]string{rollout.RevisionAnnotation: "2"}},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Template: tmpl("reg/web:v2")},
	}
	objs := []runtime.Object{d}
	for n, image := range []string{"reg/web:v1", "reg/web:v2"} {
		t := tmpl(image)
		t.Labels["pod-template-hash"] = fmt.Sprint("h", n+1)
		objs = append(objs, &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("web-h", n+1), Namespace: "prod", UID: types.UID(fmt.Sprint("rs", n+1)),
				Labels:          map[string]string{"app": "web"},
				Annotations:     map[string]string{rollout.RevisionAnnotation: strconv.Itoa(n + 1)},
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))}},
			Spec: appsv1.ReplicaSetSpec{Template: t},
		})
	}
	return fake.NewClientset(objs...)
}

func planFor(t *testing.T, c *fake.Clientset) *rollout.Plan {
	t.Helper()
	p, err := rollout.PlanUndo(context.Background(), kube.APIReader{Client: c}, web, rollout.UndoOptions{
		Attribution: rollout.Attribution{Actor: "alice", Reason: "bad client", Incident: "INC-7"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func image(t *testing.T, c *fake.Clientset) string {
	t.Helper()
	d, err := c.AppsV1().Deployments("prod").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Spec.Containers[0].Image
}

func TestUndoAppliesPlanAndRecordsEvent(t *testing.T) {
	c := cluster()
	p := planFor(t, c)
	res, err := (&action.Executor{Client: c, Host: "bastion-1"}).Undo(context.Background(), p, action.DryRunNone)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != action.OutcomeApplied || image(t, c) != "reg/web:v1" {
		t.Fatalf("outcome %s, image %s", res.Outcome, image(t, c))
	}
	d, _ := c.AppsV1().Deployments("prod").Get(context.Background(), "web", metav1.GetOptions{})
	if d.Annotations[rollout.ActorAnnotation] != "alice" || d.Annotations[rollout.IncidentAnnotation] != "INC-7" {
		t.Errorf("attribution annotations = %v", d.Annotations)
	}
	evs, _ := c.CoreV1().Events("prod").List(context.Background(), metav1.ListOptions{})
	if len(evs.Items) != 1 {
		t.Fatalf("events = %d, want 1", len(evs.Items))
	}
	ev := evs.Items[0]
	if ev.InvolvedObject.Name != "web" || ev.Reason != "RolledBack" || ev.Source.Host != "bastion-1" ||
		!strings.Contains(ev.Message, "alice rolled back deployment/web from revision 2 to revision 1: bad client (incident INC-7)") {
		t.Errorf("event = %+v", ev)
	}
}

func TestUndoDryRuns(t *testing.T) {
	c := cluster()
	p := planFor(t, c)
	var sawDryRun bool
	c.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pa := a.(k8stesting.PatchActionImpl)
		sawDryRun = len(pa.PatchOptions.DryRun) == 1 && pa.PatchOptions.DryRun[0] == metav1.DryRunAll
		return true, &appsv1.Deployment{}, nil // the server accepts and persists nothing
	})
	ex := &action.Executor{Client: c}
	res, err := ex.Undo(context.Background(), p, action.DryRunServer)
	if err != nil || res.Outcome != action.OutcomeDryRun || !sawDryRun {
		t.Fatalf("server dry run: %v %v dryRun=%v", res, err, sawDryRun)
	}
	sawDryRun = false
	res, err = ex.Undo(context.Background(), p, action.DryRunClient)
	if err != nil || res.Outcome != action.OutcomeDryRun || sawDryRun {
		t.Fatalf("client dry run sent a request or failed: %v %v", res, err)
	}
	if len(c.Actions()) == 0 || image(t, c) != "reg/web:v2" {
		t.Fatal("dry runs changed the deployment")
	}
}

func TestUndoRefusedInReadOnlyMode(t *testing.T) {
	c := cluster()
	p := planFor(t, c)
	ex := &action.Executor{Client: c, ReadOnly: true}
	if _, err := ex.Undo(context.Background(), p, action.DryRunNone); !errors.Is(err, action.ErrReadOnly) {
		t.Fatalf("err = %v", err)
	}
	if err := ex.CheckUndoAllowed(context.Background(), web); !errors.Is(err, action.ErrReadOnly) {
		t.Fatalf("check: %v", err)
	}
	if image(t, c) != "reg/web:v2" {
		t.Fatal("read-only executor changed the deployment")
	}
}

func TestCheckUndoAllowedNamesMissingPermission(t *testing.T) {
	c := cluster()
	c.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		r.Status.Allowed = false
		r.Status.Reason = "RBAC: no rule"
		return true, r, nil
	})
	err := (&action.Executor{Client: c}).CheckUndoAllowed(context.Background(), web)
	var fe *kube.ForbiddenError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `cannot patch deployments.apps/web in namespace "prod"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestUndoConflictReplansWithoutWriting(t *testing.T) {
	c := cluster()
	p := planFor(t, c)
	// Another writer changes the image after the plan; the API server
	// rejects the guarded patch.
	d, _ := c.AppsV1().Deployments("prod").Get(context.Background(), "web", metav1.GetOptions{})
	d.Spec.Template.Spec.Containers[0].Image = "reg/web:v3-hotfix"
	d.ResourceVersion = "11"
	if _, err := c.AppsV1().Deployments("prod").Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.PrependReactor("patch", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web", errors.New("the object has been modified"))
	})
	_, err := (&action.Executor{Client: c}).Undo(context.Background(), p, action.DryRunNone)
	var ce *action.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
	if ce.New == nil || ce.New.ResourceVersion != "11" || ce.New.ToRevision != 1 {
		t.Fatalf("new plan = %+v", ce.New)
	}
	if len(ce.Concurrent.Summary) != 1 || ce.Concurrent.Summary[0].To != "reg/web:v3-hotfix" {
		t.Errorf("concurrent change = %+v", ce.Concurrent.Summary)
	}
	if image(t, c) != "reg/web:v3-hotfix" {
		t.Error("the concurrent change did not survive")
	}
}

func TestUndoUnknownOutcomeIsReadBack(t *testing.T) {
	for _, applied := range []bool{true, false} {
		c := cluster()
		p := planFor(t, c)
		c.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
			if applied { // the write landed, the answer was lost
				d, _ := c.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("deployments"), "prod", "web")
				dd := d.(*appsv1.Deployment).DeepCopy()
				dd.Spec.Template = p.Template
				_ = c.Tracker().Update(appsv1.SchemeGroupVersion.WithResource("deployments"), dd, "prod")
			}
			return true, nil, apierrors.NewTimeoutError("request timed out", 1)
		})
		res, err := (&action.Executor{Client: c}).Undo(context.Background(), p, action.DryRunNone)
		if applied {
			if err != nil || res.Outcome != action.OutcomeApplied || !res.Unknown {
				t.Errorf("applied: %+v %v", res, err)
			}
		} else if err == nil || res.Outcome != action.OutcomeNotApplied || !strings.Contains(err.Error(), "NOT applied") {
			t.Errorf("not applied: %+v %v", res, err)
		}
	}
}

func TestParseDryRun(t *testing.T) {
	for _, ok := range []string{"", "none", "client", "server"} {
		if _, err := action.ParseDryRun(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if _, err := action.ParseDryRun("bogus"); err == nil || !strings.Contains(err.Error(), `invalid --dry-run "bogus"`) {
		t.Errorf("bogus: %v", err)
	}
}

func TestUndoReplansWhenOnlyStatusMoved(t *testing.T) {
	c := cluster()
	p := planFor(t, c)
	// The controller updated status (and the revision bookkeeping) after
	// the plan: the resourceVersion moved, nothing a person set did.
	d, _ := c.AppsV1().Deployments("prod").Get(context.Background(), "web", metav1.GetOptions{})
	d.ResourceVersion = "12"
	d.Status.ReadyReplicas = 2
	d.Annotations[rollout.RevisionAnnotation] = "2"
	if _, err := c.AppsV1().Deployments("prod").Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	conflicts := 0
	c.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if strings.Contains(string(a.(k8stesting.PatchActionImpl).Patch), `"value":"10"`) {
			conflicts++
			return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web", errors.New("modified"))
		}
		return false, nil, nil
	})
	res, err := (&action.Executor{Client: c}).Undo(context.Background(), p, action.DryRunNone)
	if err != nil {
		t.Fatal(err)
	}
	if conflicts != 1 || res.Replans != 1 || res.Plan.ResourceVersion != "12" || image(t, c) != "reg/web:v1" {
		t.Fatalf("conflicts %d, replans %d, rv %s, image %s", conflicts, res.Replans, res.Plan.ResourceVersion, image(t, c))
	}
}
