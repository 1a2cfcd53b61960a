package rollout_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	. "github.com/mayday-tui/mayday/internal/rollout"
)

// threeRevisions is web at revision 3 (v3) with revisions 1 (v1) and 2 (v2).
func threeRevisions() (*appsv1.Deployment, []runtime.Object) {
	d := deployment(template("reg/web:v3"))
	return d, []runtime.Object{d,
		replicaSet(d, 1, template("reg/web:v1"), 0, nil),
		replicaSet(d, 2, template("reg/web:v2", "MODE", "fast"), 0, nil),
		replicaSet(d, 3, template("reg/web:v3"), 3, nil),
	}
}

func TestHistoryOfDeployment(t *testing.T) {
	d, objs := threeRevisions()
	// A ReplicaSet that matches the selector but belongs to another
	// controller, and one without a revision, are not history.
	foreign := replicaSet(d, 9, template("reg/other:v1"), 1, nil)
	foreign.OwnerReferences[0].UID = "someone-else"
	norev := replicaSet(d, 8, template("reg/web:v0"), 0, nil)
	norev.Name = "web-norev"
	norev.UID = "rs-norev"
	delete(norev.Annotations, RevisionAnnotationKey)
	renumbered := replicaSet(d, 4, template("reg/web:v1b"), 0, map[string]string{RevisionHistoryAnnotation: "1,2"})
	objs = append(objs, foreign, norev, renumbered)

	h, err := GetHistory(context.Background(), reader(objs...), Ref{Kind: Deployment, Namespace: "prod", Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range h.Revisions {
		got = append(got, r.Number)
	}
	if want := []int64{1, 2, 3, 4}; !equalInts(got, want) {
		t.Fatalf("revisions = %v, want %v", got, want)
	}
	if h.Current != 3 {
		t.Errorf("current = %d, want 3", h.Current)
	}
	r3, _ := h.Find(3)
	if !r3.Current || r3.Ready != 3 || r3.Desired != 3 || r3.Images[0].Image != "reg/web:v3" || r3.ChangeCause != "deploy 3" {
		t.Errorf("revision 3 = %+v", r3)
	}
	r4, _ := h.Find(4)
	if !equalInts(r4.FormerNumbers, []int64{1, 2}) {
		t.Errorf("former numbers of 4 = %v", r4.FormerNumbers)
	}
	if r4.Source.UID != "rs-h4" || r4.Source.Hash != "h4" {
		t.Errorf("source of 4 = %+v", r4.Source)
	}
}

func TestHistoryUnknownWorkload(t *testing.T) {
	_, err := GetHistory(context.Background(), reader(), Ref{Kind: Deployment, Namespace: "prod", Name: "nope"})
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), `deployment/nope not found in namespace "prod"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]Ref{
		"deployment/checkout": {Kind: Deployment, Namespace: "ns", Name: "checkout"},
		"deploy/checkout":     {Kind: Deployment, Namespace: "ns", Name: "checkout"},
		"sts/ledger":          {Kind: StatefulSet, Namespace: "ns", Name: "ledger"},
		"DaemonSet/log-agent": {Kind: DaemonSet, Namespace: "ns", Name: "log-agent"},
	} {
		got, err := ParseRef(in, "ns")
		if err != nil || got != want {
			t.Errorf("ParseRef(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"checkout", "pod/x", "deployment/", "/x", "deployment/a/b"} {
		if _, err := ParseRef(bad, "ns"); err == nil {
			t.Errorf("ParseRef(%q) accepted", bad)
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var _ = metav1.Now
