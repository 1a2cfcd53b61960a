package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
)

const (
	img213 = "registry.example.com/shop/checkout:2.13.0"
	img215 = "registry.example.com/shop/checkout:2.15.0"
)

func checkoutImage(c *cli) string {
	return c.deployment("checkout").Spec.Template.Spec.Containers[0].Image
}

func patches(c *cli) int {
	n := 0
	for _, a := range c.fake().Actions() {
		if a.GetVerb() == "patch" && a.GetResource().Resource == "deployments" {
			n++
		}
	}
	return n
}

func TestUndoDryRunServerChangesNothing(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4", "--dry-run=server")
	r.wantCode(t, 0)
	for _, want := range []string{
		"Plan: roll back deployment/checkout in namespace shop",
		"from  revision 6", "to    revision 4",
		"Changes from revision 6 to revision 4 (2):",
		"image  checkout: " + img215 + " → " + img213,
		`env    checkout PAYMENTS_CLIENT: removed "v2"`,
		"Warnings (",
		"server dry run: the API server accepted the change; nothing was persisted",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.stdout)
		}
	}
	if got := checkoutImage(c); got != img215 {
		t.Errorf("a server dry run changed the image to %s", got)
	}
	if patches(c) != 1 {
		t.Errorf("%d patches sent, want the one dry-run patch", patches(c))
	}
}

func TestUndoDryRunClientSendsNothing(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("--read-only", "undo", "deployment/checkout", "--dry-run=client")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "to    revision 5") || !strings.Contains(r.stdout, "client dry run: nothing was sent") {
		t.Errorf("client dry run (previous revision = 5):\n%s", r.stdout)
	}
	if patches(c) != 0 {
		t.Error("a client dry run sent a patch")
	}
}

// The undo really happens: the template changes, the rollback is
// attributed, and the controller turns revision 4 into a new revision.
func TestUndoYesRollsBackAndHistoryGainsTheRevision(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{}))
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4",
		"--reason", "INC-42 payment client regression", "--incident", "INC-42", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "✓ deployment/checkout rolled back to revision 4 (it becomes revision 7)") {
		t.Errorf("result line:\n%s", r.stdout)
	}
	// Another --demo process would not see this rollback: the hint says
	// how to follow it instead of pointing at a fresh demo cluster.
	if !strings.Contains(r.stdout, "run undo with --watch to follow the rollout") {
		t.Errorf("no hint to follow the rollout:\n%s", r.stdout)
	}
	d := c.deployment("checkout")
	if got := d.Spec.Template.Spec.Containers[0].Image; got != img213 {
		t.Fatalf("image %s after undo, want %s", got, img213)
	}
	ann := d.Annotations
	if ann[rollout.ChangeCauseAnnotation] != "mayday: rollback to revision 4: INC-42 payment client regression" ||
		ann[rollout.ActorAnnotation] != demo.User || ann[rollout.IncidentAnnotation] != "INC-42" || ann[rollout.RolledBackFromAnnotation] != "6" {
		t.Errorf("attribution annotations %v", ann)
	}

	waitFor(t, "the controller to renumber revision 4 to 7", func() (bool, string) {
		r := c.demoRun("history", "deployment/checkout", "-o", "json")
		var doc output.HistoryDoc
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			return false, r.stderr
		}
		last := doc.Revisions[len(doc.Revisions)-1]
		return doc.CurrentRevision == 7 && last.Revision == 7 && len(last.FormerRevisions) == 1 && last.FormerRevisions[0] == 4,
			fmt.Sprintf("current %d, last %+v", doc.CurrentRevision, last)
	})
	r = c.demoRun("history", "deployment/checkout")
	if !strings.Contains(r.stdout, "7 (was 4)") || !strings.Contains(r.stdout, "mayday: rollback to revision 4: INC-42") {
		t.Errorf("history after undo:\n%s", r.stdout)
	}

	// The rollout of the restored revision completes; status --watch says so.
	r = c.demoRun("status", "deployment/checkout", "--watch", "--timeout", "1m")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "✓ deployment \"checkout\" successfully rolled out") {
		t.Errorf("watch output:\n%s", r.stdout)
	}

	// Undoing to the revision that is now current is skipped, as kubectl does.
	r = c.demoRun("undo", "deployment/checkout", "--to-revision", "7", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "deployment/checkout skipped rollback (current template already matches revision 7)") {
		t.Errorf("skip:\n%s", r.stdout)
	}
}

func TestUndoJSONResult(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("undo", "deployment/checkout", "--yes", "-o", "json")
	r.wantCode(t, 0)
	var doc output.UndoDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r.stdout)
	}
	if doc.Kind != "UndoResult" || doc.Outcome != "applied" || doc.Plan.ToRevision != 5 || doc.NewRevision != 7 || doc.Plan.Attribution.Actor != demo.User {
		t.Errorf("undo doc %+v", doc)
	}
	if !strings.Contains(r.stderr, "Plan: roll back deployment/checkout") {
		t.Errorf("with -o json the plan goes to stderr:\n%s", r.stderr)
	}
}

func TestUndoNeedsConfirmation(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "without confirmation", "stdin is not a terminal", "--yes")
	if !strings.Contains(r.stdout, "Plan: roll back") {
		t.Error("the plan is not printed before refusing")
	}
	if patches(c) != 0 || checkoutImage(c) != img215 {
		t.Fatal("changed without confirmation")
	}

	c.tty = true
	c.stdin = strings.NewReader("n\n")
	r = c.demoRun("undo", "deployment/checkout", "--to-revision", "4")
	r.wantCode(t, 1)
	r.afterPrompt(t).wantOneLineError(t, "not confirmed: nothing was changed")
	if patches(c) != 0 {
		t.Fatal("changed although the answer was no")
	}

	c.stdin = strings.NewReader("yes\n")
	r = c.demoRun("undo", "deployment/checkout", "--to-revision", "4")
	r.wantCode(t, 0)
	if !strings.Contains(r.stderr, "Roll back deployment/checkout in namespace shop from revision 6 to revision 4? [y/N]") {
		t.Errorf("prompt: %q", r.stderr)
	}
	if checkoutImage(c) != img213 {
		t.Error("not rolled back after yes")
	}
}

func TestUndoReadOnlyRefuses(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	for _, dry := range []string{"none", "server"} {
		r := c.demoRun("--read-only", "undo", "deployment/checkout", "--yes", "--dry-run="+dry)
		r.wantCode(t, 1)
		r.wantOneLineError(t, "read-only mode")
	}
	if patches(c) != 0 {
		t.Error("read-only mode sent a patch")
	}
}

// A user without patch permission learns which permission is missing,
// before anything is sent.
func TestUndoForbidden(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.fake().PrependReactor("create", "selfsubjectaccessreviews", func(a clienttesting.Action) (bool, runtime.Object, error) {
		review := a.(clienttesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		review.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: false, Reason: "no RBAC policy matched"}
		return true, review, nil
	})
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4", "--yes")
	r.wantCode(t, 1)
	r.wantOneLineError(t, `cannot patch deployments.apps/checkout in namespace "shop"`, "no RBAC policy matched", "ask a cluster admin")
	if patches(c) != 0 {
		t.Error("a patch was sent although permission is missing")
	}
	// History still works for this user.
	c.demoRun("history", "deployment/checkout").wantCode(t, 0)
}

// Someone changes the image while the engineer reads the plan: the write
// is refused, the concurrent change survives and is reported.
func TestUndoConflictWithoutYes(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	const hotfix = "registry.example.com/shop/checkout:2.15.1-hotfix"
	c.tty = true
	c.stdin = &concurrentAnswer{fn: func() { setCheckoutImage(t, c, hotfix) }, answer: "y\n"}
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4")
	r.wantCode(t, 1)
	r.afterPrompt(t).wantOneLineError(t, "deployment/checkout changed after the plan was made", "nothing was written",
		"changed meanwhile: image checkout: "+img215+" → "+hotfix, "--yes")
	if !strings.Contains(r.stdout, "Changed meanwhile by someone else (1):") {
		t.Errorf("concurrent change not shown:\n%s", r.stdout)
	}
	if got := checkoutImage(c); got != hotfix {
		t.Errorf("the concurrent change was overwritten: image %s", got)
	}
}

// With --yes the undo is planned again once, the changes of the plan are
// shown, and the new plan is applied.
func TestUndoConflictWithYesReplansOnce(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	const hotfix = "registry.example.com/shop/checkout:2.15.1-hotfix"
	c.out = &triggerWriter{trigger: "Records:", fn: func() { setCheckoutImage(t, c, hotfix) }}
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4", "--yes")
	r.wantCode(t, 0)
	for _, want := range []string{
		"! conflict: deployment/checkout changed after the plan was made",
		"Changed meanwhile by someone else (1):",
		"Planned again (--yes); what changed in the plan:",
		"new change: image checkout: " + hotfix + " → " + img213,
		"rolled back to revision 4",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if got := checkoutImage(c); got != img213 {
		t.Errorf("image %s, want the re-planned rollback to %s", got, img213)
	}
}

func TestUndoSecondConflictFails(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	first := &triggerWriter{trigger: "Records:", fn: func() { setCheckoutImage(t, c, "registry.example.com/shop/checkout:2.15.1") }}
	second := &triggerWriter{trigger: "Planned again", fn: func() { setCheckoutImage(t, c, "registry.example.com/shop/checkout:2.15.2") }}
	c.out = multiTrigger{first, second}
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4", "--yes")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "changed after the plan was made", "changed again")
	if got := checkoutImage(c); got != "registry.example.com/shop/checkout:2.15.2" {
		t.Errorf("image %s: the second concurrent change was overwritten", got)
	}
}

// The API does not answer the write: mayday reads the workload back and
// reports what happened.
func TestUndoUnknownOutcome(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.fake().PrependReactor("patch", "deployments", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewTimeoutError("request timed out", 1)
	})
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4", "--yes")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "did not answer the write", "NOT applied")
	if !strings.Contains(r.stdout, "✗ outcome was unknown:") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestUndoPlanErrors(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"undo", "deployment/checkout", "--to-revision", "99", "--yes"}, "unable to find specified revision 99 in history"},
		{[]string{"undo", "deployment/nope", "--yes"}, `deployment/nope not found in namespace "shop"`},
		{[]string{"undo", "deployment/checkout", "-n", "nowhere", "--yes"}, `not found in namespace "nowhere"`},
	}
	for _, tc := range cases {
		r := c.demoRun(tc.args...)
		r.wantCode(t, 1)
		r.wantOneLineError(t, tc.want)
	}
}

func TestUndoPausedDeploymentRefused(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	d := c.deployment("catalog")
	d.Spec.Paused = true
	if _, err := c.cluster.Client().AppsV1().Deployments(demo.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := c.demoRun("undo", "deployment/catalog", "--yes")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "paused", "resume it first")
}

// Ctrl-C during a watch ends it cleanly with exit code 130.
func TestStatusWatchInterrupted(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{Now: (&testClock{now: time.Now()}).Now}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.ctx = ctx
	c.out = &triggerWriter{trigger: "updated ", fn: cancel}
	r := c.demoRun("status", "deployment/checkout", "--watch")
	r.wantCode(t, exitInterrupted)
	r.wantOneLineError(t, "interrupted")
}

func TestStatusWatchTimeout(t *testing.T) {
	// A frozen clock freezes the rollout: checkout stays stuck.
	c := newCLI(t, newDemo(t, true, demo.Options{Now: (&testClock{now: time.Now()}).Now}))
	r := c.demoRun("status", "deployment/checkout", "--watch", "--timeout", "300ms")
	r.wantCode(t, exitTimeout)
	r.wantOneLineError(t, "timed out after 300ms waiting for the rollout of deployment/checkout", "2 out of 4 new replicas")
	if !strings.Contains(r.stdout, "updated 2/4  ready 3/4  available 3/4") {
		t.Errorf("no progress line:\n%s", r.stdout)
	}
}

func TestStatusFailedRollout(t *testing.T) {
	clock := &testClock{now: time.Now()}
	c := newCLI(t, newDemo(t, true, demo.Options{Now: clock.Now}))
	clock.Advance(11 * time.Minute) // past checkout's progress deadline
	waitFor(t, "checkout to exceed its progress deadline", func() (bool, string) {
		st := rollout.DeploymentStatus(c.deployment("checkout"))
		return st.Phase == rollout.PhaseFailed, st.Message
	})
	r := c.demoRun("status", "deployment/checkout")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "exceeded its progress deadline")
	r = c.demoRun("status", "deployment/checkout", "--watch", "-o", "json")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "rollout of deployment/checkout failed")
	var doc output.RolloutStatusDoc
	if err := json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &doc); err != nil || doc.Phase != "failed" {
		t.Errorf("watch JSON line %q: %v", r.stdout, err)
	}
}

// afterPrompt drops the confirmation prompt from stderr: on a terminal the
// answer's echoed newline ends the prompt's line.
func (r result) afterPrompt(t *testing.T) result {
	t.Helper()
	_, rest, ok := strings.Cut(r.stderr, "[y/N] ")
	if !ok {
		t.Fatalf("no prompt on stderr: %q", r.stderr)
	}
	r.stderr = rest
	return r
}

func setCheckoutImage(t *testing.T, c *cli, image string) {
	t.Helper()
	d := c.deployment("checkout")
	d.Spec.Template.Spec.Containers[0].Image = image
	if _, err := c.cluster.Client().AppsV1().Deployments(demo.Namespace).Update(context.Background(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("concurrent writer: %v", err)
	}
}

// concurrentAnswer is a terminal where the engineer answers after someone
// else changed the workload.
type concurrentAnswer struct {
	fn     func()
	answer string
	done   bool
}

func (a *concurrentAnswer) Read(p []byte) (int, error) {
	if a.done {
		return 0, fmt.Errorf("EOF")
	}
	a.done = true
	a.fn()
	return copy(p, a.answer), nil
}

type multiTrigger []*triggerWriter

func (m multiTrigger) Write(p []byte) (int, error) {
	for _, w := range m {
		_, _ = w.Write(p)
	}
	return len(p), nil
}

// undo --watch follows the rollout it started to its end, in the same
// process: the way to see a rollback land on the demo cluster.
func TestUndoWatchFollowsTheRollout(t *testing.T) {
	c := newCLI(t, newDemo(t, true, demo.Options{}))
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4", "--yes", "--watch", "--timeout", "5m")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "rolled back to revision 4") || !strings.Contains(r.stdout, `deployment "checkout" successfully rolled out`) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "watch the rollout:") {
		t.Errorf("--watch still prints the hint to watch:\n%s", r.stdout)
	}
	if got := checkoutImage(c); got != img213 {
		t.Errorf("image = %s, want %s", got, img213)
	}
}

func TestUndoWatchFlagsMisused(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("undo", "deployment/checkout", "--yes", "--timeout", "1m")
	r.wantCode(t, 2)
	r.wantOneLineError(t, "--timeout only applies with --watch")
	r = c.demoRun("undo", "deployment/checkout", "--watch", "--dry-run=server")
	r.wantCode(t, 2)
	r.wantOneLineError(t, "--watch follows a rollback")
	if patches(c) != 0 {
		t.Error("a misused flag still sent a patch")
	}
}

// A progress deadline left over from the bad rollout is not the
// rollback's failure: status reads the timed-out ReplicaSet and, since it
// is not the deployment's template any more, reports progress.
func TestStatusIgnoresATimeoutFromBeforeTheRollback(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	ctx := context.Background()
	h, err := rollout.GetHistory(ctx, kube.APIReader{Client: c.cluster.Client()}, rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := h.Find(h.Current)
	good, _ := h.Find(h.Current - 1)
	timeOut := func(d *appsv1.Deployment) {
		d.Status.ObservedGeneration = d.Generation
		d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Status: "False",
			Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "` + bad.Source.Name + `" has timed out progressing.`}}
	}
	gvr := appsv1.SchemeGroupVersion.WithResource("deployments")
	d := c.deployment("checkout")
	timeOut(d)
	if err := c.fake().Tracker().Update(gvr, d, demo.Namespace); err != nil {
		t.Fatal(err)
	}
	r := c.demoRun("status", "deployment/checkout")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "exceeded its progress deadline")

	// The rollback is written and observed; the condition still names the
	// bad ReplicaSet until the controller makes progress.
	d = c.deployment("checkout")
	d.Spec.Template = *good.Template.DeepCopy()
	delete(d.Spec.Template.Labels, rollout.PodTemplateHashKey)
	timeOut(d)
	if err := c.fake().Tracker().Update(gvr, d, demo.Namespace); err != nil {
		t.Fatal(err)
	}
	r = c.demoRun("status", "deployment/checkout")
	r.wantCode(t, 0)
	if strings.Contains(r.stdout, "exceeded") {
		t.Errorf("a stale timeout shown as this rollout's failure:\n%s", r.stdout)
	}
}
