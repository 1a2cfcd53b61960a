package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// history builds a history from revisions (number, image, created, former
// numbers); current names the current one. The workload carries ann.
func history(current int64, ann map[string]string, revs ...rollout.Revision) *rollout.History {
	h := &rollout.History{Workload: checkout, Current: current,
		Object: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: ns, Annotations: ann}}}
	for _, r := range revs {
		r.Current = r.Number == current
		h.Revisions = append(h.Revisions, r)
	}
	return h
}

func rev(n int64, image string, created time.Time, former ...int64) rollout.Revision {
	t := podTemplate(image, "512Mi")
	return rollout.Revision{Number: n, Template: &t, Created: created, FormerNumbers: former, Annotations: map[string]string{}}
}

func TestPickRevisions(t *testing.T) {
	at := func(h int) time.Time { return goodSince.Add(time.Duration(h) * time.Hour) }
	now := at(10)
	tests := []struct {
		name      string
		h         *rollout.History
		req       Request
		bad, good int64
		err       string
	}{
		{"no rollback yet: the current revision is the suspect",
			history(3, nil, rev(1, "a:1", at(0)), rev(2, "a:2", at(1)), rev(3, "a:3", at(2))), Request{}, 3, 2, ""},
		{"a rollback the controller renumbered (kubectl or mayday)",
			history(4, nil, rev(1, "a:1", at(0)), rev(3, "a:3", at(2)), rev(4, "a:2", at(1), 2)), Request{}, 3, 4, ""},
		{"the rolled-back-from annotation names the suspect, not the newest",
			history(5, map[string]string{rollout.RolledBackFromAnnotation: "3", rollout.RolledBackAtAnnotation: at(4).Format(time.RFC3339)},
				rev(3, "a:3", at(2)), rev(4, "a:4", at(3)), rev(5, "a:2", at(1), 2)), Request{}, 3, 5, ""},
		{"a stale annotation from before the current deploy is ignored",
			history(4, map[string]string{rollout.RolledBackFromAnnotation: "1", rollout.RolledBackAtAnnotation: at(1).Format(time.RFC3339)},
				rev(1, "a:1", at(0)), rev(3, "a:3", at(2)), rev(4, "a:4", at(3))), Request{}, 4, 3, ""},
		{"an older revision equal to the suspect is skipped for the good one",
			history(3, nil, rev(1, "a:1", at(0)), rev(2, "a:3", at(1)), rev(3, "a:3", at(2))), Request{}, 3, 1, ""},
		{"bad named: good is the current revision",
			history(4, nil, rev(2, "a:2", at(1)), rev(3, "a:3", at(2)), rev(4, "a:4", at(3))), Request{Bad: 2}, 2, 4, ""},
		{"bad named and current: good is the one before",
			history(4, nil, rev(2, "a:2", at(1)), rev(3, "a:3", at(2)), rev(4, "a:4", at(3))), Request{Bad: 4}, 4, 3, ""},
		{"good named: bad is the newest that differs",
			history(4, nil, rev(2, "a:2", at(1)), rev(3, "a:3", at(2)), rev(4, "a:4", at(3))), Request{Good: 2}, 4, 2, ""},
		{"both named", history(4, nil, rev(2, "a:2", at(1)), rev(3, "a:3", at(2)), rev(4, "a:4", at(3))), Request{Bad: 3, Good: 2}, 3, 2, ""},
		{"a missing revision", history(2, nil, rev(1, "a:1", at(0)), rev(2, "a:2", at(1))), Request{Bad: 7}, 0, 0,
			"the bad revision: unable to find specified revision 7 in history"},
		{"one revision", history(1, nil, rev(1, "a:1", at(0))), Request{}, 0, 0, "nothing to compare it with"},
		{"the same revision twice", history(2, nil, rev(1, "a:1", at(0)), rev(2, "a:2", at(1))), Request{Bad: 2, Good: 2}, 0, 0, "both 2"},
		{"no history", history(0, nil), Request{}, 0, 0, "no rollout history found"},
	}
	for _, tt := range tests {
		bad, good, err := pickRevisions(tt.h, tt.req, now)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case bad.Number != tt.bad || good.Number != tt.good:
			t.Errorf("%s: bad %d good %d, want %d and %d", tt.name, bad.Number, good.Number, tt.bad, tt.good)
		}
	}
	var notFound *rollout.RevisionNotFoundError
	if _, _, err := pickRevisions(history(1, nil, rev(1, "a:1", at(0))), Request{Good: 9}, now); !errors.As(err, &notFound) {
		t.Errorf("a missing good revision: %v, want a RevisionNotFoundError", err)
	}
}

// A StatefulSet's pod names carry no revision: its pods' events count
// while the suspect revision was live, and its present pods by their
// controller-revision-hash.
func TestStatefulSetPodsAndEvents(t *testing.T) {
	ledger := rollout.Ref{Kind: rollout.StatefulSet, Namespace: ns, Name: "ledger"}
	s := subject{ref: ledger, deployed: deployedAt, recovered: recoverAt,
		bad: &rollout.Revision{Number: 3, Source: rollout.ObjectID{Kind: "ControllerRevision", Name: "ledger-5b9c", Hash: "5b9c"}}}
	p := func(name, hash string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{rollout.ControllerRevisionHashKey: hash}}}
	}
	if !ofRevision(p("ledger-0", "ledger-5b9c"), s) || !ofRevision(p("ledger-1", "5b9c"), s) || ofRevision(p("ledger-2", "ledger-77aa"), s) {
		t.Error("the pods of a revision are those with its controller-revision-hash")
	}
	for name, want := range map[string]bool{"ledger-0": true, "ledger-12": true, "ledger-canary-0": false, "ledger-x": false, "payments-0": false} {
		if workloadPod(ledger, name) != want {
			t.Errorf("workloadPod(%q) = %v", name, !want)
		}
	}
}

func TestStatefulSetEventsWhileLive(t *testing.T) {
	ledger := rollout.Ref{Kind: rollout.StatefulSet, Namespace: ns, Name: "ledger"}
	s := subject{ref: ledger, deployed: deployedAt, recovered: recoverAt,
		bad: &rollout.Revision{Number: 3, Source: rollout.ObjectID{Kind: "ControllerRevision", Name: "ledger-5b9c", Hash: "5b9c"}}}
	client := fake.NewClientset(
		event("before", "Pod", "ledger-0", corev1.EventTypeWarning, "Unhealthy", "probe failed", deployedAt.Add(-time.Minute), 1),
		event("during", "Pod", "ledger-1", corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container", deployedAt.Add(time.Minute), 2),
		event("after", "Pod", "ledger-1", corev1.EventTypeWarning, "Unhealthy", "probe failed", recoverAt.Add(time.Minute), 1),
		event("other", "Pod", "ledger-canary-0", corev1.EventTypeWarning, "BackOff", "Back-off", deployedAt.Add(time.Minute), 1),
		// A present pod of the revision is matched by its UID at any time.
		event("present", "Pod", "ledger-2", corev1.EventTypeWarning, "Unhealthy", "probe failed", recoverAt.Add(time.Hour), 1),
	)
	g := &Gatherer{Client: client}
	events, err := g.revisionEvents(context.Background(), s, map[types.UID]bool{"pod-ledger-2": true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
	}
	if strings.Join(names, ",") != "during,present" {
		t.Errorf("events %v, want those while revision 3 was live and those of its present pods", names)
	}
}
