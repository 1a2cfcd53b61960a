package rollback

import (
	"context"
	"errors"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func newCluster(t *testing.T) *fake.Clientset {
	t.Helper()
	c, err := demo.New(demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c.Client().(*fake.Clientset)
}

func count(cs *fake.Clientset, verb, resource string) int {
	n := 0
	for _, a := range cs.Actions() {
		if a.GetVerb() == verb && a.GetResource().Resource == resource {
			n++
		}
	}
	return n
}

func TestPrepareReadsOnceAndPlansWithTheActor(t *testing.T) {
	cs := newCluster(t)
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"}
	p, err := Prepare(context.Background(), cs, &action.Executor{Client: cs}, Request{Ref: ref, ToRevision: 4, Reason: "r", Incident: "INC-1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Actor != demo.User || p.Plan.Attribution.Actor != demo.User || p.Plan.ToRevision != 4 || p.Plan.FromRevision != 6 {
		t.Errorf("prepared %+v, plan %+v", p, p.Plan)
	}
	if p.History == nil || len(p.History.Revisions) != 6 || p.AccessErr != nil {
		t.Errorf("history %v, access %v", p.History, p.AccessErr)
	}
	// The plan is made twice (without and with the actor) but every read
	// goes to the API once.
	for _, r := range []struct{ verb, res string }{
		{"get", "deployments"}, {"list", "replicasets"}, {"list", "horizontalpodautoscalers"},
		{"create", "selfsubjectaccessreviews"}, {"create", "selfsubjectreviews"},
	} {
		if n := count(cs, r.verb, r.res); n != 1 {
			t.Errorf("%s %s: %d requests, want 1", r.verb, r.res, n)
		}
	}
}

func TestPrepareReadOnlyRefusesBeforeAnyRequest(t *testing.T) {
	cs := newCluster(t)
	cs.ClearActions()
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"}
	_, err := Prepare(context.Background(), cs, &action.Executor{Client: cs, ReadOnly: true}, Request{Ref: ref})
	if !errors.Is(err, action.ErrReadOnly) {
		t.Fatalf("err %v", err)
	}
	if n := len(cs.Actions()); n != 0 {
		t.Errorf("%d requests in read-only mode", n)
	}
	// A client dry run sends nothing, so read-only mode allows it.
	if _, err := Prepare(context.Background(), cs, &action.Executor{Client: cs, ReadOnly: true}, Request{Ref: ref, DryRun: action.DryRunClient}); err != nil {
		t.Errorf("client dry run in read-only mode: %v", err)
	}
}

func denyPatch(cs *fake.Clientset) {
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a clienttesting.Action) (bool, runtime.Object, error) {
		r := a.(clienttesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		r.Status.Allowed = false
		return true, r, nil
	})
}

func TestPrepareForbiddenWinsOverPlanErrors(t *testing.T) {
	cs := newCluster(t)
	denyPatch(cs)
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"}
	_, err := Prepare(context.Background(), cs, &action.Executor{Client: cs}, Request{Ref: ref, ToRevision: 99})
	var fe *kube.ForbiddenError
	if !errors.As(err, &fe) || fe.Permission.Verb != "patch" || fe.Permission.Resource != "deployments" || fe.Permission.Namespace != "shop" {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(err.Error(), "forbidden: "+demo.User+" cannot patch deployments.apps/checkout") {
		t.Errorf("the message does not name the user: %v", err)
	}
	// A client dry run still plans, and says a real undo would be refused.
	p, err := Prepare(context.Background(), cs, &action.Executor{Client: cs}, Request{Ref: ref, ToRevision: 4, DryRun: action.DryRunClient})
	if err != nil || !errors.As(p.AccessErr, &fe) {
		t.Errorf("client dry run: %v, access %v", err, p.AccessErr)
	}
}

func TestPreparePlanErrors(t *testing.T) {
	cs := newCluster(t)
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"}
	_, err := Prepare(context.Background(), cs, &action.Executor{Client: cs}, Request{Ref: ref, ToRevision: 99})
	var rnf *rollout.RevisionNotFoundError
	if !errors.As(err, &rnf) {
		t.Errorf("revision 99: %v", err)
	}
	ref.Name = "nope"
	_, err = Prepare(context.Background(), cs, &action.Executor{Client: cs}, Request{Ref: ref})
	var nf *rollout.NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("missing workload: %v", err)
	}
}

func TestExecuteWithoutReplanReturnsTheConflict(t *testing.T) {
	cs := newCluster(t)
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"}
	exec := &action.Executor{Client: cs}
	p, err := Prepare(context.Background(), cs, exec, Request{Ref: ref, ToRevision: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Someone else rolls back first: the template changed since planning.
	other, err := Prepare(context.Background(), cs, exec, Request{Ref: ref, ToRevision: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Execute(context.Background(), exec, other.Plan, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	asked := false
	_, err = Execute(context.Background(), exec, p.Plan, action.DryRunNone, func(*action.ConflictError) bool { asked = true; return false })
	var ce *action.ConflictError
	if !errors.As(err, &ce) || !asked || ce.New == nil || !strings.Contains(err.Error(), "changed after the plan was made") {
		t.Fatalf("err %v, asked %v", err, asked)
	}
	// With replan the same undo is applied on the new state.
	out, err := Execute(context.Background(), exec, p.Plan, action.DryRunNone, func(*action.ConflictError) bool { return true })
	if err != nil || out.Conflict == nil || out.Result.Outcome != action.OutcomeApplied || out.Result.Plan.Target.UID != p.Plan.Target.UID {
		t.Fatalf("replanned: %+v, %v", out, err)
	}
}

func TestNextRevision(t *testing.T) {
	h := &rollout.History{Revisions: []rollout.Revision{{Number: 3}, {Number: 9}, {Number: 4}}}
	if got := NextRevision(h); got != 10 {
		t.Errorf("NextRevision = %d", got)
	}
	if NextRevision(nil) != 0 || NextRevision(&rollout.History{}) != 0 {
		t.Error("empty history")
	}
}
