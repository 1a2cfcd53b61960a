package history

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/diff"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
	"github.com/mayday-tui/mayday/tui/workload"
)

var checkout = rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}

func open(t *testing.T, d *tuitest.Demo, c *common.Common) common.Screen {
	t.Helper()
	s, cmd := New(d.Deps, c, checkout)
	var sc common.Screen = s.SetSize(c.Width, c.Height-2)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	return sc
}

func view(s common.Screen) string { return ansi.Strip(s.View()) }

func TestHistoryListsRevisionsAndOpensDiffAndRollback(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	s := open(t, d, tuitest.Common(120, 40))
	v := view(s)
	for _, want := range []string{"6 revisions, current 6", "◀ current", "● progressing", "checkout:2.15.0 envoy:1.31.2",
		"deploy checkout 2.15.0: payments client v2 (CHG-2417)", "▸ 6", "registry.example.com/shop/checkout:2.15.0"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	s, _ = tuitest.Drive(t, s, tuitest.Key("down"))
	if r := s.(Screen).Selected(); r == nil || r.Number != 5 {
		t.Fatalf("selected %+v", r)
	}
	_, root := tuitest.Drive(t, s, tuitest.Key("d"))
	if len(root) != 1 {
		t.Fatalf("d sent %v", root)
	}
	push, ok := root[0].(common.PushScreenMsg)
	if _, isDiff := push.Screen.(diff.Screen); !ok || !isDiff || push.Cmd == nil {
		t.Fatalf("d sent %#v", root[0])
	}
	_, root = tuitest.Drive(t, s, tuitest.Key("r"))
	if push, ok := root[0].(common.PushScreenMsg); !ok {
		t.Fatalf("r sent %#v", root)
	} else if _, isRB := push.Screen.(rollback.Screen); !isRB {
		t.Fatalf("r pushed %T", push.Screen)
	}
	_, root = tuitest.Drive(t, s, tuitest.Key("esc"))
	if _, ok := root[0].(common.BackMsg); !ok {
		t.Fatalf("esc sent %#v", root)
	}
}

// A revision started elsewhere appears as soon as the cache reports it,
// and the selection stays on the revision it was on.
func TestHistoryIsLive(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Speed: 100}, true)
	s := open(t, d, tuitest.Common(120, 40))
	s, _ = tuitest.Drive(t, s, tuitest.Key("down"))
	ctx := context.Background()
	dep, err := d.Cluster.Client().AppsV1().Deployments("shop").Get(ctx, "checkout", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dep.Spec.Template.Spec.Containers[0].Image = "registry.example.com/shop/checkout:2.16.0"
	if _, err := d.Cluster.Client().AppsV1().Deployments("shop").Update(ctx, dep, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(view(s), "checkout:2.16.0") {
		s, _ = tuitest.Drive(t, s, d.WaitForChange(t))
	}
	v := view(s)
	if !strings.Contains(v, "7 revisions, current 7") {
		t.Errorf("new revision not current:\n%s", v)
	}
	if r := s.(Screen).Selected(); r == nil || r.Number != 5 {
		t.Errorf("selection moved to %+v", r)
	}
	// Changes to other workloads do not make it read again.
	_, cmd := s.Update(common.ClusterChangedMsg{Changes: []workload.Change{{Kind: "Deployment", Namespace: "shop", Name: "cart"}}})
	if cmd != nil {
		t.Error("an unrelated change caused a read")
	}
}

func TestForbiddenUserSeesRollbackDisabledWithTheReason(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	fake := d.Cluster.Client().(clienttesting.FakeClient)
	fake.PrependReactor("create", "selfsubjectaccessreviews", func(a clienttesting.Action) (bool, runtime.Object, error) {
		review := a.(clienttesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview).DeepCopy()
		review.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: false, Reason: "no RBAC policy matched"}
		return true, review, nil
	})
	s := open(t, d, tuitest.Common(120, 40))
	hs := s.(Screen)
	if hs.Keys().Rollback.Enabled() {
		t.Fatal("rollback enabled for a forbidden user")
	}
	dis := hs.DisabledKeys()
	if len(dis) != 1 || !strings.Contains(dis[0].Reason, "cannot patch deployments.apps/checkout") {
		t.Errorf("disabled = %+v", dis)
	}
	if _, root := tuitest.Drive(t, s, tuitest.Key("r")); len(root) != 0 {
		t.Errorf("r did something: %v", root)
	}
	for _, c := range hs.Commands() {
		if strings.Contains(c.Title, "Roll back") {
			t.Error("the palette offers rollback")
		}
	}
}

func TestReadOnlyDisablesRollback(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	c := tuitest.Common(80, 24)
	c.ReadOnly = true
	c.Keys.SetReadOnly("read-only mode (--read-only)")
	s := open(t, d, c)
	if _, root := tuitest.Drive(t, s, tuitest.Key("r")); len(root) != 0 {
		t.Errorf("r did something in read-only mode: %v", root)
	}
	// Help lists it once, from the key map, not again from the screen.
	if dis := s.(Screen).DisabledKeys(); len(dis) != 0 {
		t.Errorf("disabled twice: %+v", dis)
	}
}

func TestHistoryEscapesClusterText(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	ctx := context.Background()
	rss, err := d.Cluster.Client().AppsV1().ReplicaSets("shop").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range rss.Items {
		if strings.HasPrefix(rs.Name, "checkout-") && rs.Annotations[rollout.RevisionAnnotation] == "6" {
			rs.Annotations[rollout.ChangeCauseAnnotation] = "evil\x1b[2J\x07cause"
			if _, err := d.Cluster.Client().AppsV1().ReplicaSets("shop").Update(ctx, &rs, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for {
		s := open(t, d, tuitest.Common(120, 40))
		if r := s.(Screen).Selected(); r != nil && strings.HasPrefix(r.ChangeCause, "evil") {
			if v := s.View(); strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x07") || !strings.Contains(v, `evil\x1b[2J\x07cause`) {
				t.Errorf("not escaped: %q", v)
			}
			return
		}
		tuitest.Drive(t, s, d.WaitForChange(t))
	}
}

func TestHistoryGoldens(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := tuitest.Common(size[0], size[1])
		s := open(t, d, c)
		s, _ = tuitest.Drive(t, s, tuitest.Key("down"))
		tuitest.Golden(t, "history_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(s.View()))
	}
}

func TestSmallSizesDoNotPanic(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	s := open(t, d, tuitest.Common(80, 24))
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {20, 5}, {10, 3}, {200, 60}, {30, 8}} {
		v := s.SetSize(sz[0], sz[1]).View()
		if sz[1] > 0 && sz[0] > 0 && strings.Count(v, "\n") != sz[1]-1 {
			t.Errorf("%v: %d lines", sz, strings.Count(v, "\n")+1)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
