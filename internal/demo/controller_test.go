package demo

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/mayday-tui/mayday/internal/rollout"
)

const fast = 100 // Speed for tests on the real clock: pods ready in tens of ms

func setImage(t *testing.T, c *Cluster, kind rollout.Kind, name, container, img string) {
	t.Helper()
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{"kubernetes.io/change-cause":"set image %s"}},"spec":{"template":{"spec":{"containers":[{"name":%q,"image":%q}]}}}}`, img, container, img))
	ctx := context.Background()
	var err error
	switch kind {
	case rollout.Deployment:
		_, err = c.Client().AppsV1().Deployments(Namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	case rollout.StatefulSet:
		_, err = c.Client().AppsV1().StatefulSets(Namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	case rollout.DaemonSet:
		_, err = c.Client().AppsV1().DaemonSets(Namespace).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// waitComplete waits until the workload's rollout is complete as mayday
// judges it, with the spec observed and every pod on the current revision.
func waitComplete(t *testing.T, c *Cluster, kind rollout.Kind, name string) *rollout.History {
	t.Helper()
	var h *rollout.History
	waitFor(t, fmt.Sprintf("%s/%s to roll out", kind, name), func() (bool, string) {
		h = history(t, c, kind, Namespace, name)
		state := fmt.Sprintf("%+v revisions %v", h.Status, numbers(h))
		if h.Status.Phase != rollout.PhaseComplete {
			return false, state
		}
		cur, ok := h.Find(h.Current)
		if !ok {
			return false, state
		}
		// No pods left on other revisions, all pods of the current one ready.
		for _, r := range h.Revisions {
			if r.Number != h.Current && r.Desired != 0 {
				return false, state + fmt.Sprintf("; revision %d still has %d pods", r.Number, r.Desired)
			}
		}
		if cur.Ready != cur.Desired || cur.Desired == 0 {
			return false, state + fmt.Sprintf("; current revision %d has %d/%d ready", cur.Number, cur.Ready, cur.Desired)
		}
		switch o := h.Object.(type) {
		case *appsv1.StatefulSet:
			if o.Status.CurrentRevision != o.Status.UpdateRevision {
				return false, state + "; current revision is not the update revision yet"
			}
		case *appsv1.DaemonSet:
			if o.Status.UpdatedNumberScheduled != o.Status.DesiredNumberScheduled || o.Status.NumberAvailable != o.Status.DesiredNumberScheduled {
				return false, state
			}
		}
		return true, state
	})
	return h
}

func TestDeploymentRollsOutANewTemplate(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	before := history(t, c, rollout.Deployment, Namespace, "frontend")
	setImage(t, c, rollout.Deployment, "frontend", "frontend", "registry.example.com/shop/frontend:3.12.0")
	h := waitComplete(t, c, rollout.Deployment, "frontend")
	if got, want := numbers(h), append(numbers(before), 6); !slices.Equal(got, want) {
		t.Fatalf("revisions %v, want %v", got, want)
	}
	cur, _ := h.Find(6)
	if !cur.Current || cur.Images[0].Image != "registry.example.com/shop/frontend:3.12.0" || cur.Desired != 3 || cur.Ready != 3 {
		t.Errorf("new revision %+v", cur)
	}
	if cur.ChangeCause != "set image registry.example.com/shop/frontend:3.12.0" {
		t.Errorf("the new ReplicaSet did not take the deployment's change-cause: %q", cur.ChangeCause)
	}
	tmpl := cur.Template.DeepCopy()
	delete(tmpl.Labels, rollout.PodTemplateHashKey)
	if cur.Source.Hash != podTemplateHash(tmpl, nil) || cur.Source.Name != "frontend-"+cur.Source.Hash {
		t.Errorf("new ReplicaSet %s hash %s", cur.Source.Name, cur.Source.Hash)
	}
	d := getDeployment(t, c, "frontend")
	if d.Annotations[rollout.RevisionAnnotation] != "6" || d.Status.ObservedGeneration != d.Generation {
		t.Errorf("deployment revision %q observed %d of %d", d.Annotations[rollout.RevisionAnnotation], d.Status.ObservedGeneration, d.Generation)
	}
	if p := getCondition(d.Status, appsv1.DeploymentProgressing); p == nil || p.Reason != reasonNewRSAvail {
		t.Errorf("Progressing %+v", p)
	}
	pods, _ := c.Client().CoreV1().Pods(Namespace).List(context.Background(), metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=frontend"})
	if len(pods.Items) != 3 {
		t.Errorf("%d frontend pods", len(pods.Items))
	}
	for _, p := range pods.Items {
		if p.Labels[rollout.PodTemplateHashKey] != cur.Source.Hash || !podReady(&p) {
			t.Errorf("pod %s hash %s ready %v", p.Name, p.Labels[rollout.PodTemplateHashKey], podReady(&p))
		}
	}
}

// The end-to-end undo: plan with rollout.PlanUndo, send the plan's guarded
// JSON patch, and watch the controller renumber the reused ReplicaSet.
func TestUndoCheckoutEndToEnd(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	ctx := context.Background()
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: Namespace, Name: "checkout"}
	before := history(t, c, rollout.Deployment, Namespace, "checkout")
	opts := rollout.UndoOptions{Attribution: rollout.Attribution{Actor: User, Reason: "INC-42 payment client regression", Incident: "INC-42"}}
	plan, err := rollout.PlanUndo(ctx, reader{c.Client()}, ref, opts)
	if err != nil {
		t.Fatal(err)
	}
	if plan.FromRevision != 6 || plan.ToRevision != 5 || plan.Skip || plan.PatchType != types.JSONPatchType {
		t.Fatalf("plan from %d to %d skip %v type %s", plan.FromRevision, plan.ToRevision, plan.Skip, plan.PatchType)
	}
	// A dry run, as mayday does first, persists nothing.
	dry, err := c.Client().AppsV1().Deployments(Namespace).Patch(ctx, "checkout", plan.PatchType, plan.Patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil && !apierrors.IsConflict(err) {
		t.Fatal(err)
	}
	if err == nil && dry.Spec.Template.Spec.Containers[0].Image != "registry.example.com/shop/checkout:2.14.0" {
		t.Errorf("dry run answered image %s", dry.Spec.Template.Spec.Containers[0].Image)
	}
	if img := getDeployment(t, c, "checkout").Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/shop/checkout:2.15.0" {
		t.Fatalf("the dry run changed the image to %s", img)
	}
	plan, out := undo(t, c, ref, opts)
	if out.Generation <= before.Generation {
		t.Errorf("generation %d after the undo, was %d", out.Generation, before.Generation)
	}

	h := waitComplete(t, c, rollout.Deployment, "checkout")
	if got := numbers(h); !slices.Equal(got, []int64{1, 2, 3, 4, 6, 7}) {
		t.Fatalf("revisions after undo %v, want 1 2 3 4 6 7", got)
	}
	r7, _ := h.Find(7)
	if !r7.Current || r7.Source.UID != plan.Target.UID || !slices.Equal(r7.FormerNumbers, []int64{5}) {
		t.Errorf("revision 7: current %v source %s (want %s) former %v (want [5])", r7.Current, r7.Source.UID, plan.Target.UID, r7.FormerNumbers)
	}
	if r7.Annotations[rollout.RevisionHistoryAnnotation] != "5" || r7.ChangeCause != plan.ChangeCause() {
		t.Errorf("revision 7 annotations %v", r7.Annotations)
	}
	if r7.Images[0].Image != "registry.example.com/shop/checkout:2.14.0" || r7.Ready != 4 {
		t.Errorf("revision 7 images %v ready %d", r7.Images, r7.Ready)
	}
	if len(h.Revisions) != len(before.Revisions) {
		t.Errorf("the undo created a ReplicaSet: %d revisions, had %d", len(h.Revisions), len(before.Revisions))
	}
	d := getDeployment(t, c, "checkout")
	if d.Annotations[rollout.RevisionAnnotation] != "7" || d.Annotations[rollout.ActorAnnotation] != User || d.Annotations[rollout.RolledBackFromAnnotation] != "6" {
		t.Errorf("deployment annotations %v", d.Annotations)
	}
	// Undo again: back to the bad revision 6, which becomes 8.
	if plan, _ = undo(t, c, ref, rollout.UndoOptions{Attribution: rollout.Attribution{Actor: User}}); plan.ToRevision != 6 {
		t.Fatalf("second undo went to %d", plan.ToRevision)
	}
	waitFor(t, "revision 8", func() (bool, string) {
		h := history(t, c, rollout.Deployment, Namespace, "checkout")
		r8, ok := h.Find(8)
		return ok && r8.Current && slices.Equal(r8.FormerNumbers, []int64{6}) && h.Status.Updated > 0, fmt.Sprint(numbers(h))
	})
}

// undo plans and sends an undo as mayday does; a conflict (the controller
// wrote the deployment between plan and patch) means planning again.
func undo(t *testing.T, c *Cluster, ref rollout.Ref, opts rollout.UndoOptions) (*rollout.Plan, *appsv1.Deployment) {
	t.Helper()
	ctx := context.Background()
	for range 10 {
		plan, err := rollout.PlanUndo(ctx, reader{c.Client()}, ref, opts)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Client().AppsV1().Deployments(ref.Namespace).Patch(ctx, ref.Name, plan.PatchType, plan.Patch, metav1.PatchOptions{})
		if err == nil {
			return plan, out
		}
		if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatal("ten conflicts in a row")
	return nil, nil
}

func TestStalePlanConflictsAndTheConcurrentChangeSurvives(t *testing.T) {
	c := newCluster(t) // no controllers: only the two writers
	ctx := context.Background()
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: Namespace, Name: "checkout"}
	plan, err := rollout.PlanUndo(ctx, reader{c.Client()}, ref, rollout.UndoOptions{ToRevision: 4, Attribution: rollout.Attribution{Actor: User}})
	if err != nil {
		t.Fatal(err)
	}
	concurrent := "registry.example.com/shop/checkout:2.15.1"
	if _, err := c.Client().AppsV1().Deployments(Namespace).Patch(ctx, "checkout", types.StrategicMergePatchType,
		[]byte(fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"checkout","image":%q}]}}}}`, concurrent)), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Client().AppsV1().Deployments(Namespace).Patch(ctx, "checkout", plan.PatchType, plan.Patch, metav1.PatchOptions{})
	if !apierrors.IsConflict(err) {
		t.Fatalf("the stale plan: %v, want a conflict", err)
	}
	if img := getDeployment(t, c, "checkout").Spec.Template.Spec.Containers[0].Image; img != concurrent {
		t.Errorf("image %s: the concurrent change was overwritten", img)
	}
}

func TestPausedDeploymentWaitsForResume(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	ctx := context.Background()
	deploys := c.Client().AppsV1().Deployments(Namespace)
	before := history(t, c, rollout.Deployment, Namespace, "catalog")
	if _, err := deploys.Patch(ctx, "catalog", types.StrategicMergePatchType, []byte(`{"spec":{"paused":true,"template":{"spec":{"containers":[{"name":"catalog","image":"registry.example.com/shop/catalog:1.23.0"}]}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the paused deployment to be observed", func() (bool, string) {
		d := getDeployment(t, c, "catalog")
		p := getCondition(d.Status, appsv1.DeploymentProgressing)
		return d.Status.ObservedGeneration == d.Generation && p != nil && p.Reason == reasonPaused, fmt.Sprintf("%+v", d.Status)
	})
	// The controller observed the paused spec in a sync that creates no
	// ReplicaSet for a paused deployment.
	h := history(t, c, rollout.Deployment, Namespace, "catalog")
	if !slices.Equal(numbers(h), numbers(before)) || h.Status.Phase != rollout.PhasePaused {
		t.Fatalf("paused: revisions %v status %+v", numbers(h), h.Status)
	}
	if _, err := rollout.PlanUndo(ctx, reader{c.Client()}, rollout.Ref{Kind: rollout.Deployment, Namespace: Namespace, Name: "catalog"}, rollout.UndoOptions{}); err == nil {
		t.Error("mayday plans an undo of a paused deployment")
	}
	if _, err := deploys.Patch(ctx, "catalog", types.MergePatchType, []byte(`{"spec":{"paused":false}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	h = waitComplete(t, c, rollout.Deployment, "catalog")
	if got := numbers(h); len(got) != len(numbers(before))+1 || h.Current != 5 {
		t.Errorf("after resume: revisions %v current %d", got, h.Current)
	}
}

func TestOldReplicaSetsBeyondTheHistoryLimitAreDeleted(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	if _, err := c.Client().AppsV1().Deployments(Namespace).Patch(context.Background(), "frontend", types.StrategicMergePatchType,
		[]byte(`{"spec":{"revisionHistoryLimit":2,"template":{"spec":{"containers":[{"name":"frontend","image":"registry.example.com/shop/frontend:3.12.0"}]}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitComplete(t, c, rollout.Deployment, "frontend")
	waitFor(t, "old ReplicaSets to be cleaned up", func() (bool, string) {
		got := numbers(history(t, c, rollout.Deployment, Namespace, "frontend"))
		return slices.Equal(got, []int64{4, 5, 6}), fmt.Sprint(got)
	})
}

func TestRecreateStrategy(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	if _, err := c.Client().AppsV1().Deployments(Namespace).Patch(context.Background(), "catalog", types.MergePatchType,
		[]byte(`{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	setImage(t, c, rollout.Deployment, "catalog", "catalog", "registry.example.com/shop/catalog:1.23.0")
	h := waitComplete(t, c, rollout.Deployment, "catalog")
	if h.Current != 5 {
		t.Errorf("current revision %d", h.Current)
	}
}

func TestStatefulSetRollsOutAndUndoes(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	ctx := context.Background()
	before := history(t, c, rollout.StatefulSet, Namespace, "ledger")
	setImage(t, c, rollout.StatefulSet, "ledger", "ledger", "registry.example.com/shop/ledger:1.9.1")
	h := waitComplete(t, c, rollout.StatefulSet, "ledger")
	if got := numbers(h); !slices.Equal(got, []int64{1, 2, 3, 4, 5}) || h.Current != 5 {
		t.Fatalf("revisions %v current %d", got, h.Current)
	}
	r5, _ := h.Find(5)
	set := h.Object.(*appsv1.StatefulSet)
	if r5.Source.Name != set.Status.UpdateRevision || r5.Images[0].Image != "registry.example.com/shop/ledger:1.9.1" || r5.Ready != 3 {
		t.Errorf("revision 5 %+v, update revision %s", r5, set.Status.UpdateRevision)
	}
	if r5.Source.Name != "ledger-"+controllerRevisionHash(r5.Data, new(int32(0))) {
		t.Errorf("revision 5 named %s", r5.Source.Name)
	}

	ref := rollout.Ref{Kind: rollout.StatefulSet, Namespace: Namespace, Name: "ledger"}
	plan, err := rollout.PlanUndo(ctx, reader{c.Client()}, ref, rollout.UndoOptions{Attribution: rollout.Attribution{Actor: User, Reason: "ledger 1.9.1 slow commits"}})
	if err != nil || plan.ToRevision != 4 || plan.PatchType != types.StrategicMergePatchType {
		t.Fatalf("plan %v: to %d type %s", err, plan.ToRevision, plan.PatchType)
	}
	if _, err := c.Client().AppsV1().StatefulSets(Namespace).Patch(ctx, "ledger", plan.PatchType, plan.Patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	h = waitComplete(t, c, rollout.StatefulSet, "ledger")
	if got := numbers(h); !slices.Equal(got, []int64{1, 2, 3, 5, 6}) || h.Current != 6 {
		t.Fatalf("revisions after undo %v current %d, want 1 2 3 5 6 with 6 current", got, h.Current)
	}
	r6, _ := h.Find(6)
	if r6.Source.UID != plan.Target.UID || len(h.Revisions) != len(before.Revisions)+1 {
		t.Errorf("revision 6 is %s, want the reused %s; %d revisions", r6.Source.UID, plan.Target.UID, len(h.Revisions))
	}
	if r6.Images[0].Image != "registry.example.com/shop/ledger:1.9.0" {
		t.Errorf("revision 6 image %v", r6.Images)
	}
}

func TestDaemonSetRollsOutAndUndoes(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	ctx := context.Background()
	setImage(t, c, rollout.DaemonSet, "log-agent", "log-agent", "cr.fluentbit.io/fluent/fluent-bit:3.2.3")
	h := waitComplete(t, c, rollout.DaemonSet, "log-agent")
	if got := numbers(h); !slices.Equal(got, []int64{1, 2, 3, 4, 5, 6}) || h.Current != 6 {
		t.Fatalf("revisions %v current %d", got, h.Current)
	}
	r6, _ := h.Find(6)
	if r6.Source.Hash != podTemplateHash(r6.Template, nil) || r6.Desired != 3 || r6.Ready != 3 {
		t.Errorf("revision 6 %+v", r6)
	}
	ref := rollout.Ref{Kind: rollout.DaemonSet, Namespace: Namespace, Name: "log-agent"}
	plan, err := rollout.PlanUndo(ctx, reader{c.Client()}, ref, rollout.UndoOptions{Attribution: rollout.Attribution{Actor: User}})
	if err != nil || plan.ToRevision != 5 {
		t.Fatalf("plan %v to %d", err, plan.ToRevision)
	}
	if _, err := c.Client().AppsV1().DaemonSets(Namespace).Patch(ctx, "log-agent", plan.PatchType, plan.Patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	h = waitComplete(t, c, rollout.DaemonSet, "log-agent")
	if got := numbers(h); !slices.Equal(got, []int64{1, 2, 3, 4, 6, 7}) || h.Current != 7 {
		t.Fatalf("revisions after undo %v current %d, want 1 2 3 4 6 7", got, h.Current)
	}
	if r7, _ := h.Find(7); r7.Source.UID != plan.Target.UID {
		t.Errorf("revision 7 is not the reused revision")
	}
}

// With a test clock, rollouts move only when the clock does.
func TestRolloutsFollowTheClock(t *testing.T) {
	clock := newTestClock()
	c := startCluster(t, Options{Now: clock.Now})
	setImage(t, c, rollout.Deployment, "payments", "payments", pinned(repo+"payments", "4.2.1"))
	waitFor(t, "the new ReplicaSet's first pods", func() (bool, string) {
		h := history(t, c, rollout.Deployment, Namespace, "payments")
		cur, ok := h.Find(h.Current)
		return ok && h.Current == 7 && cur.Desired > 0, fmt.Sprintf("%v %+v", numbers(h), h.Status)
	})
	// The clock stands still: the new pods cannot be ready.
	h := history(t, c, rollout.Deployment, Namespace, "payments")
	if cur, _ := h.Find(7); cur.Ready != 0 || h.Status.Phase != rollout.PhaseProgressing {
		t.Fatalf("with a frozen clock: revision 7 %d ready, status %+v", cur.Ready, h.Status)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
				clock.Advance(100 * time.Millisecond)
			}
		}
	}()
	waitComplete(t, c, rollout.Deployment, "payments")
	// maxSurge 1 and maxUnavailable 0 of 3: the controller scales one pod
	// at a time, up then down, three times; each step is an event, even
	// those recorded while the clock stood still.
	evs, err := c.Client().CoreV1().Events(Namespace).List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=payments,reason=ScalingReplicaSet"})
	if err != nil || len(evs.Items) != 6 {
		var msgs []string
		for _, e := range evs.Items {
			msgs = append(msgs, e.Message)
		}
		t.Errorf("scaling events: %v %q, want 6", err, msgs)
	}
}

func TestCheckoutMissesItsProgressDeadline(t *testing.T) {
	clock := newTestClock()
	c := startCluster(t, Options{Now: clock.Now})
	clock.Advance(11 * time.Minute)
	waitFor(t, "checkout to fail", func() (bool, string) {
		d := getDeployment(t, c, "checkout")
		st := rollout.DeploymentStatus(d)
		return st.Phase == rollout.PhaseFailed, fmt.Sprintf("%+v", st)
	})
	p := getCondition(getDeployment(t, c, "checkout").Status, appsv1.DeploymentProgressing)
	if p.Status != corev1.ConditionFalse || p.Reason != reasonTimedOut {
		t.Errorf("Progressing %+v", p)
	}
}

// Shared informers over the demo client list, watch and follow a rollout,
// as the console's cache does.
func TestInformersFollowARollout(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := informers.NewSharedInformerFactoryWithOptions(c.Client(), 0, informers.WithNamespace(Namespace))
	rsInf := f.Apps().V1().ReplicaSets().Informer()
	podInf := f.Core().V1().Pods().Informer()
	dInf := f.Apps().V1().Deployments().Informer()
	f.Start(ctx.Done())
	defer func() {
		cancel() // Shutdown waits for the informers, which stop with ctx
		f.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), rsInf.HasSynced, podInf.HasSynced, dInf.HasSynced) {
		t.Fatal("informers did not sync")
	}
	setImage(t, c, rollout.Deployment, "frontend", "frontend", "registry.example.com/shop/frontend:3.12.0")
	waitFor(t, "the informer cache to see the rollout complete", func() (bool, string) {
		obj, ok, _ := dInf.GetStore().GetByKey(Namespace + "/frontend")
		if !ok {
			return false, "no deployment"
		}
		d := obj.(*appsv1.Deployment)
		st := rollout.DeploymentStatus(d)
		if st.Phase != rollout.PhaseComplete || d.Annotations[rollout.RevisionAnnotation] != "6" {
			return false, fmt.Sprintf("%+v", st)
		}
		ready := 0
		for _, o := range podInf.GetStore().List() {
			p := o.(*corev1.Pod)
			if p.Labels["app.kubernetes.io/name"] == "frontend" && podReady(p) && p.Spec.Containers[0].Image == "registry.example.com/shop/frontend:3.12.0" {
				ready++
			}
		}
		return ready == 3, fmt.Sprintf("%d new ready pods in the cache", ready)
	})
	// Once the rollout settles, the cache holds what the API holds.
	waitFor(t, "the ReplicaSet cache to agree with the API", func() (bool, string) {
		live, err := c.Client().AppsV1().ReplicaSets(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=frontend"})
		if err != nil {
			return false, err.Error()
		}
		for _, rs := range live.Items {
			o, ok, _ := rsInf.GetStore().GetByKey(Namespace + "/" + rs.Name)
			if !ok || o.(*appsv1.ReplicaSet).ResourceVersion != rs.ResourceVersion {
				return false, rs.Name + " differs"
			}
		}
		return len(live.Items) == 6, fmt.Sprintf("%d frontend ReplicaSets", len(live.Items))
	})
}

func TestStartTwiceIsHarmless(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	c.Start(context.Background()) // ignored: the first Start's context rules
	setImage(t, c, rollout.Deployment, "frontend", "frontend", "registry.example.com/shop/frontend:3.12.0")
	waitComplete(t, c, rollout.Deployment, "frontend")
}

// A partitioned update replaces only the ordinals at or above the
// partition; a pod below it comes back from the current revision.
func TestStatefulSetPartition(t *testing.T) {
	c := startCluster(t, Options{Speed: fast})
	ctx := context.Background()
	if _, err := c.Client().AppsV1().StatefulSets(Namespace).Patch(ctx, "ledger", types.StrategicMergePatchType,
		[]byte(`{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}},"template":{"spec":{"containers":[{"name":"ledger","image":"registry.example.com/shop/ledger:1.9.1"}]}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	images := func() (map[string]string, string) {
		pods, _ := c.Client().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=ledger"})
		out := map[string]string{}
		for _, p := range pods.Items {
			if podReady(&p) {
				out[p.Name] = p.Spec.Containers[0].Image
			}
		}
		return out, fmt.Sprint(out)
	}
	waitFor(t, "ledger-2 to be updated", func() (bool, string) {
		got, state := images()
		h := history(t, c, rollout.StatefulSet, Namespace, "ledger")
		return len(got) == 3 && got["ledger-2"] == "registry.example.com/shop/ledger:1.9.1" && h.Status.Phase == rollout.PhaseComplete, state + fmt.Sprintf(" %+v", h.Status)
	})
	got, _ := images()
	for _, name := range []string{"ledger-0", "ledger-1"} {
		if got[name] != "registry.example.com/shop/ledger:1.9.0" {
			t.Errorf("%s runs %s below the partition", name, got[name])
		}
	}
	if err := c.Client().CoreV1().Pods(Namespace).Delete(ctx, "ledger-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	set, _ := c.Client().AppsV1().StatefulSets(Namespace).Get(ctx, "ledger", metav1.GetOptions{})
	waitFor(t, "ledger-0 to come back from the current revision", func() (bool, string) {
		p, err := c.Client().CoreV1().Pods(Namespace).Get(ctx, "ledger-0", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return podReady(p) && p.Spec.Containers[0].Image == "registry.example.com/shop/ledger:1.9.0" &&
			p.Labels[rollout.ControllerRevisionHashKey] == set.Status.CurrentRevision, fmt.Sprint(p.Labels, p.Spec.Containers[0].Image)
	})
}
