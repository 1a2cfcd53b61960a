package actionlog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

var web = rollout.Ref{Kind: rollout.Deployment, Namespace: "prod", Name: "web"}

// cluster holds web at revision 2 (v2) with revision 1 (v1).
func cluster() *fake.Clientset {
	tmpl := func(image string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}
	}
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

func plan(t *testing.T, c *fake.Clientset) *rollout.Plan {
	t.Helper()
	p, err := rollout.PlanUndo(context.Background(), kube.APIReader{Client: c}, web, rollout.UndoOptions{
		Attribution: rollout.Attribution{Actor: "alice", Reason: "bad client"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func patches(c *fake.Clientset) int {
	n := 0
	for _, a := range c.Actions() {
		if a.GetVerb() == "patch" {
			n++
		}
	}
	return n
}

func TestFirstActionOpensAnIncidentAndBracketsTheWrite(t *testing.T) {
	dir := t.TempDir()
	c := cluster()
	k := &Keeper{Dir: dir, Opts: incident.Options{Actor: "alice"}}
	defer k.Close()
	// The intent must be durable before the patch reaches the API server.
	var seenAtPatch []incident.Record
	c.PrependReactor("patch", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		_, recs, _, err := incident.Read(k.Journal().File())
		if err != nil {
			t.Errorf("reading the journal at the write: %v", err)
		}
		seenAtPatch = recs
		return false, nil, nil
	})
	k.Record(action.Event{Action: "undo", Namespace: "prod", Workload: "deployment/web", Phase: action.PhasePlanned, Actor: "alice"})
	if k.Journal() != nil {
		t.Fatal("a plan alone opened an incident")
	}
	e := &action.Executor{Client: c, Ledger: k}
	if _, err := e.Undo(context.Background(), plan(t, c), action.DryRunNone); err != nil {
		t.Fatal(err)
	}
	j := k.Journal()
	if j == nil || !k.Opened() {
		t.Fatal("the first action opened no incident")
	}
	if len(seenAtPatch) == 0 || seenAtPatch[len(seenAtPatch)-1].Type != incident.TypeIntent {
		t.Fatalf("at the write the journal ended with %v, want the intent", recordTypes(seenAtPatch))
	}
	got := recordTypes(j.Records())
	want := []incident.Type{incident.TypeOpened, incident.TypePlanned, incident.TypeIntent, incident.TypeResult}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("records %v, want %v", got, want)
	}
	res := j.Records()[3].Payload.(incident.Outcome)
	if res.Status != incident.OutcomeSucceeded || res.Intent != j.Records()[2].Seq {
		t.Fatalf("result %+v", res)
	}
	inc := j.Incident()
	if inc.Title != "undo deployment/web" || inc.Actions != 1 || len(inc.Workloads) != 1 || inc.Workloads[0].Name != "deployment/web" {
		t.Fatalf("incident %+v", inc)
	}
	d, err := c.AppsV1().Deployments("prod").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Annotations[rollout.IncidentAnnotation] != inc.ID {
		t.Fatalf("workload annotation %q, want %q", d.Annotations[rollout.IncidentAnnotation], inc.ID)
	}
	evs, _ := c.CoreV1().Events("prod").List(context.Background(), metav1.ListOptions{})
	if len(evs.Items) != 1 || evs.Items[0].Annotations[rollout.IncidentAnnotation] != inc.ID {
		t.Fatalf("events %+v", evs.Items)
	}
}

func TestUnwritableJournalRefusesTheAction(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := cluster()
	k := &Keeper{Dir: dir, Opts: incident.Options{Actor: "alice"}}
	_, err := (&action.Executor{Client: c, Ledger: k}).Undo(context.Background(), plan(t, c), action.DryRunNone)
	var je *action.JournalError
	if !errors.As(err, &je) {
		t.Fatalf("err = %v, want a journal error", err)
	}
	if patches(c) != 0 {
		t.Fatal("the workload was patched without a record")
	}
}

func TestActionJoinsTheOpenIncidentAboutItsWorkload(t *testing.T) {
	dir := t.TempDir()
	w := incident.Workload{Namespace: "prod", Name: "deployment/web"}
	other, err := incident.Open(dir, incident.Opened{Title: "api latency", Workloads: []incident.Workload{{Namespace: "prod", Name: "deployment/api"}}}, incident.Options{Actor: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	other.Close()
	mine, err := incident.Open(dir, incident.Opened{ID: "INC-web", Title: "web errors", Workloads: []incident.Workload{w}}, incident.Options{Actor: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	mine.Close()
	c := cluster()
	k := &Keeper{Dir: dir, Opts: incident.Options{Actor: "alice"}}
	defer k.Close()
	if _, err := (&action.Executor{Client: c, Ledger: k}).Undo(context.Background(), plan(t, c), action.DryRunNone); err != nil {
		t.Fatal(err)
	}
	if k.Journal().ID() != "INC-web" || k.Opened() {
		t.Fatalf("recorded in %s (opened %v), want INC-web joined", k.Journal().ID(), k.Opened())
	}
}

func TestNamedIncidentIsOpenedWhenMissing(t *testing.T) {
	dir := t.TempDir()
	c := cluster()
	k := &Keeper{Dir: dir, ID: "INC-42", Severity: "SEV2", Opts: incident.Options{Actor: "alice"}}
	defer k.Close()
	if _, err := (&action.Executor{Client: c, Ledger: k}).Undo(context.Background(), plan(t, c), action.DryRunNone); err != nil {
		t.Fatal(err)
	}
	inc, recs, _, err := incident.Read(incident.Path(dir, "INC-42"))
	if err != nil {
		t.Fatal(err)
	}
	if inc.Severity != "SEV2" || inc.Actions != 1 || len(incident.Pending(recs)) != 0 {
		t.Fatalf("incident %+v", inc)
	}
}

func TestWriteOutcomesAreClassified(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want incident.OutcomeStatus
	}{
		// The API server answered with a refusal: nothing changed.
		{"forbidden", apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web", errors.New("policy")), incident.OutcomeFailed},
		// No answer from the API server: the change may or may not have
		// landed, and reading back failed too.
		{"transport", errors.New("connection reset by peer"), incident.OutcomeUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster()
			c.PrependReactor("patch", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, tc.err
			})
			k := &Keeper{Dir: t.TempDir(), Opts: incident.Options{Actor: "alice"}}
			defer k.Close()
			if _, err := (&action.Executor{Client: c, Ledger: k}).Undo(context.Background(), plan(t, c), action.DryRunNone); err == nil {
				t.Fatal("the refused write succeeded")
			}
			recs := k.Journal().Records()
			o, ok := recs[len(recs)-1].Payload.(incident.Outcome)
			if !ok || o.Status != tc.want || o.Error == "" {
				t.Fatalf("last record %+v, want outcome %s", recs[len(recs)-1], tc.want)
			}
		})
	}
}

func TestDryRunsAndSkipsOpenNoIncident(t *testing.T) {
	dir := t.TempDir()
	c := cluster()
	k := &Keeper{Dir: dir, Opts: incident.Options{Actor: "alice"}}
	if _, err := (&action.Executor{Client: c, Ledger: k}).Undo(context.Background(), plan(t, c), action.DryRunServer); err != nil {
		t.Fatal(err)
	}
	if k.Journal() != nil {
		t.Fatal("a dry run opened an incident")
	}
	if list, _ := incident.List(dir); len(list) != 0 {
		t.Fatalf("%d journals", len(list))
	}
}

func recordTypes(recs []incident.Record) []incident.Type {
	out := make([]incident.Type, len(recs))
	for i, r := range recs {
		out[i] = r.Type
	}
	return out
}
