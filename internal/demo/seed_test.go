package demo

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/rollout"
)

func TestSeedHasTheShop(t *testing.T) {
	c := newCluster(t)
	now := c.sim.now()
	want := []struct {
		kind rollout.Kind
		name string
	}{
		{rollout.Deployment, "frontend"}, {rollout.Deployment, "checkout"}, {rollout.Deployment, "payments"},
		{rollout.Deployment, "catalog"}, {rollout.StatefulSet, "ledger"}, {rollout.DaemonSet, "log-agent"},
	}
	for _, w := range want {
		h := history(t, c, w.kind, Namespace, w.name)
		if n := len(h.Revisions); n < 4 || n > 8 {
			t.Errorf("%s/%s has %d revisions, want 4-8", w.kind, w.name, n)
		}
		if got := h.Object.GetLabels()["app.kubernetes.io/part-of"]; got != "shop" {
			t.Errorf("%s/%s part-of label = %q", w.kind, w.name, got)
		}
		if got := h.Object.GetLabels()["app.kubernetes.io/name"]; got != w.name {
			t.Errorf("%s/%s name label = %q", w.kind, w.name, got)
		}
		var last time.Time
		currents := 0
		for _, r := range h.Revisions {
			if r.Current {
				currents++
			}
			if r.ChangeCause == "" {
				t.Errorf("%s/%s revision %d has no change-cause", w.kind, w.name, r.Number)
			}
			if len(r.Images) == 0 || !strings.Contains(r.Images[len(r.Images)-1].Image, ":") {
				t.Errorf("%s/%s revision %d has images %v", w.kind, w.name, r.Number, r.Images)
			}
			if r.Created.Before(now.Add(-15*day)) || r.Created.After(now) {
				t.Errorf("%s/%s revision %d created %s, not within the last two weeks of %s", w.kind, w.name, r.Number, r.Created, now)
			}
			if r.Created.After(last) {
				last = r.Created
			}
		}
		if currents != 1 || h.Current != h.Revisions[len(h.Revisions)-1].Number {
			t.Errorf("%s/%s: current revision %d (%d marked current), want the newest %d", w.kind, w.name, h.Current, currents, h.Revisions[len(h.Revisions)-1].Number)
		}
		if first := h.Revisions[0].Created; last.Sub(first) < 7*day {
			t.Errorf("%s/%s revisions span only %s", w.kind, w.name, last.Sub(first))
		}
		if w.name != "checkout" {
			if st := h.Status; st.Phase != rollout.PhaseComplete {
				t.Errorf("%s/%s status %+v, want complete", w.kind, w.name, st)
			}
		}
	}
	if h := history(t, c, rollout.Deployment, "kube-system", "coredns"); h.Status.Phase != rollout.PhaseComplete {
		t.Errorf("coredns: %+v", h.Status)
	}
}

func TestSeedCheckoutIsABadRolloutInProgress(t *testing.T) {
	c := newCluster(t)
	h := history(t, c, rollout.Deployment, Namespace, "checkout")
	if got := numbers(h); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("checkout revisions %v", got)
	}
	cur, prev := h.Revisions[5], h.Revisions[4]
	if !cur.Current || cur.Images[0].Image != "registry.example.com/shop/checkout:2.15.0" {
		t.Errorf("newest revision %+v, want current checkout:2.15.0", cur)
	}
	if cur.Desired != 2 || cur.Ready != 0 || prev.Desired != 3 || prev.Ready != 3 {
		t.Errorf("new revision %d/%d ready, previous %d/%d: want 0/2 and 3/3", cur.Ready, cur.Desired, prev.Ready, prev.Desired)
	}
	if h.Status.Phase != rollout.PhaseProgressing || h.Status.Updated != 2 || h.Status.Desired != 4 || h.Status.Available != 3 {
		t.Errorf("status %+v, want progressing with 2 of 4 updated and 3 available", h.Status)
	}
	d := getDeployment(t, c, "checkout")
	p := getCondition(d.Status, appsv1.DeploymentProgressing)
	if p == nil || p.Status != corev1.ConditionTrue || p.Reason != reasonRSUpdated {
		t.Errorf("Progressing condition %+v, want True/%s", p, reasonRSUpdated)
	}
	if age := c.sim.now().Sub(p.LastUpdateTime.Time); age <= 0 || age >= time.Duration(*d.Spec.ProgressDeadlineSeconds)*time.Second {
		t.Errorf("last progress %s ago: the seeded rollout must be within its deadline", age)
	}
	// The new pods crash: CrashLoopBackOff or restarting, with restarts.
	pods, err := c.Client().CoreV1().Pods(Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: rollout.PodTemplateHashKey + "=" + cur.Source.Hash})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("new pods: %v, %d", err, len(pods.Items))
	}
	for _, p := range pods.Items {
		if podReady(&p) {
			t.Errorf("new pod %s is ready", p.Name)
		}
		cs := p.Status.ContainerStatuses[0]
		if cs.Name != "checkout" || cs.RestartCount < 2 || cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode == 0 {
			t.Errorf("pod %s checkout container %+v, want a crash loop", p.Name, cs)
		}
		if cs.State.Waiting != nil && cs.State.Waiting.Reason != "CrashLoopBackOff" {
			t.Errorf("pod %s waiting reason %q", p.Name, cs.State.Waiting.Reason)
		}
	}
}

func TestSeedReplicaSetsAreWhatTheDeploymentControllerMakes(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	for _, name := range []string{"frontend", "checkout", "payments", "catalog"} {
		d := getDeployment(t, c, name)
		rss, err := c.Client().AppsV1().ReplicaSets(Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		hashes := map[string]bool{}
		scaled := 0
		for i := range rss.Items {
			rs := &rss.Items[i]
			if !metav1.IsControlledBy(rs, d) {
				continue
			}
			ref := metav1.GetControllerOf(rs)
			if ref.Kind != "Deployment" || ref.UID == "" || ref.UID != d.UID {
				t.Errorf("%s: owner %+v", rs.Name, ref)
			}
			hash := rs.Labels[rollout.PodTemplateHashKey]
			tmpl := rs.Spec.Template.DeepCopy()
			delete(tmpl.Labels, rollout.PodTemplateHashKey)
			if want := podTemplateHash(tmpl, nil); hash != want || rs.Name != d.Name+"-"+want || rs.Spec.Template.Labels[rollout.PodTemplateHashKey] != want || rs.Spec.Selector.MatchLabels[rollout.PodTemplateHashKey] != want {
				t.Errorf("%s: hash label %q, want %q everywhere", rs.Name, hash, want)
			}
			if hashes[hash] {
				t.Errorf("%s: duplicate hash %s", d.Name, hash)
			}
			hashes[hash] = true
			if rs.Annotations[rollout.RevisionAnnotation] == "" || rs.Annotations[rollout.DesiredReplicasAnnotation] == "" {
				t.Errorf("%s: annotations %v", rs.Name, rs.Annotations)
			}
			if _, ok := rs.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
				t.Errorf("%s carries last-applied-configuration: the controller does not copy it", rs.Name)
			}
			if *rs.Spec.Replicas > 0 {
				scaled++
			}
			pods, _ := c.Client().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: rollout.PodTemplateHashKey + "=" + hash})
			if int32(len(pods.Items)) != *rs.Spec.Replicas || rs.Status.Replicas != *rs.Spec.Replicas {
				t.Errorf("%s: %d pods, spec %d, status %d", rs.Name, len(pods.Items), *rs.Spec.Replicas, rs.Status.Replicas)
			}
			for _, p := range pods.Items {
				if !metav1.IsControlledBy(&p, rs) || p.Spec.NodeName == "" || p.Status.Phase != corev1.PodRunning {
					t.Errorf("pod %s: owner %v, node %q, phase %s", p.Name, metav1.GetControllerOf(&p), p.Spec.NodeName, p.Status.Phase)
				}
				if name != "checkout" && !podReady(&p) {
					t.Errorf("pod %s is not ready", p.Name)
				}
			}
		}
		want := 1
		if name == "checkout" {
			want = 2
		}
		if scaled != want {
			t.Errorf("%s: %d ReplicaSets scaled up, want %d", name, scaled, want)
		}
		if d.Annotations[rollout.RevisionAnnotation] != strconvI(history(t, c, rollout.Deployment, Namespace, name).Current) {
			t.Errorf("%s: deployment revision annotation %q", name, d.Annotations[rollout.RevisionAnnotation])
		}
	}
	if _, ok := getDeployment(t, c, "catalog").Annotations[corev1.LastAppliedConfigAnnotation]; !ok {
		t.Error("catalog should be managed with kubectl apply")
	}
}

func strconvI(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestSeedPaymentsWasRenumberedByAnEarlierRollback(t *testing.T) {
	c := newCluster(t)
	h := history(t, c, rollout.Deployment, Namespace, "payments")
	if got := numbers(h); !slices.Equal(got, []int64{1, 2, 3, 5, 6}) {
		t.Fatalf("payments revisions %v, want 1 2 3 5 6 (4 became 6)", got)
	}
	r6, _ := h.Find(6)
	if !slices.Equal(r6.FormerNumbers, []int64{4}) || !r6.Current {
		t.Errorf("revision 6 former %v current %v", r6.FormerNumbers, r6.Current)
	}
	if !strings.HasPrefix(r6.ChangeCause, "mayday: rollback to revision 4") || r6.Annotations[rollout.ActorAnnotation] == "" {
		t.Errorf("revision 6 change-cause %q annotations %v", r6.ChangeCause, r6.Annotations)
	}
	if r6.Annotations[rollout.RevisionHistoryAnnotation] != "4" {
		t.Errorf("revision-history %q", r6.Annotations[rollout.RevisionHistoryAnnotation])
	}
	r5, _ := h.Find(5)
	if !r6.Created.Before(r5.Created) {
		t.Error("the reused ReplicaSet keeps its original creation time, older than revision 5")
	}
}

func TestSeedControllerRevisionsAreTheControllersPatches(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	set, err := c.Client().AppsV1().StatefulSets(Namespace).Get(ctx, "ledger", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := c.Client().AppsV1().DaemonSets(Namespace).Get(ctx, "log-agent", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []struct {
		kind  rollout.Kind
		owner metav1.Object
		obj   any
	}{{rollout.StatefulSet, set, set}, {rollout.DaemonSet, ds, ds}} {
		h := history(t, c, w.kind, Namespace, w.owner.GetName())
		for i, r := range h.Revisions {
			if r.Number != int64(i+1) {
				t.Errorf("%s revisions %v", w.kind, numbers(h))
			}
			// Data is the controller's patch of the template it records.
			var probe map[string]any
			if err := json.Unmarshal(r.Data, &probe); err != nil || !strings.Contains(string(r.Data), `"$patch":"replace"`) {
				t.Errorf("%s revision %d data %s", w.kind, r.Number, r.Data)
			}
			switch o := w.obj.(type) {
			case *appsv1.StatefulSet:
				c := o.DeepCopy()
				c.Spec.Template = *r.Template
				want, _ := templatePatch(c)
				if string(want) != string(r.Data) {
					t.Errorf("sts revision %d: data is not templatePatch of its template", r.Number)
				}
				if r.Source.Name != o.Name+"-"+controllerRevisionHash(r.Data, new(int32(0))) {
					t.Errorf("sts revision %d named %s", r.Number, r.Source.Name)
				}
			case *appsv1.DaemonSet:
				c := o.DeepCopy()
				c.Spec.Template = *r.Template
				want, _ := templatePatch(c)
				if string(want) != string(r.Data) {
					t.Errorf("ds revision %d: data is not templatePatch of its template", r.Number)
				}
				if r.Source.Name != o.Name+"-"+podTemplateHash(r.Template, nil) || r.Source.Hash != podTemplateHash(r.Template, nil) {
					t.Errorf("ds revision %d named %s hash %s", r.Number, r.Source.Name, r.Source.Hash)
				}
			}
		}
		cur := h.Revisions[len(h.Revisions)-1]
		if cur.Ready != 3 || cur.Desired != 3 {
			t.Errorf("%s current revision has %d/%d pods", w.kind, cur.Ready, cur.Desired)
		}
	}
	if set.Status.CurrentRevision == "" || set.Status.CurrentRevision != set.Status.UpdateRevision {
		t.Errorf("ledger status revisions %q/%q", set.Status.CurrentRevision, set.Status.UpdateRevision)
	}
	pods, _ := c.Client().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=ledger"})
	for _, p := range pods.Items {
		if p.Labels[rollout.ControllerRevisionHashKey] != set.Status.UpdateRevision || !metav1.IsControlledBy(&p, set) || !podReady(&p) {
			t.Errorf("ledger pod %s labels %v", p.Name, p.Labels)
		}
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	dump := func() string {
		c := newCluster(t)
		ctx := context.Background()
		var out []any
		d, _ := c.Client().AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
		rs, _ := c.Client().AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{})
		p, _ := c.Client().CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		cr, _ := c.Client().AppsV1().ControllerRevisions("").List(ctx, metav1.ListOptions{})
		out = append(out, d.Items, rs.Items, p.Items, cr.Items)
		b, _ := json.Marshal(out)
		return string(b)
	}
	if a, b := dump(), dump(); a != b {
		t.Error("two clusters seeded at the same time differ")
	}
}

// The seed is a state the controllers would keep: a pass over it, with
// the clock standing still, changes nothing.
func TestSeedIsAFixedPointOfTheControllers(t *testing.T) {
	c := newCluster(t)
	if c.sim.pass(context.Background()) {
		t.Error("the first controller pass over the seed changed something")
	}
	if c.sim.errs != 0 {
		t.Errorf("%d failed writes", c.sim.errs)
	}
}

func TestNewIsCheapAndRejectsBadSpeed(t *testing.T) {
	if _, err := New(Options{Speed: -1}); err == nil {
		t.Error("negative speed accepted")
	}
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Seeding writes objects straight into the store: no request was made.
	if n := len(c.cs.Actions()); n != 0 {
		t.Errorf("seeding made %d requests", n)
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
