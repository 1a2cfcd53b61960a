package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/mayday-tui/mayday/internal/rollout"
)

func rvOf(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		t.Fatalf("resourceVersion %q is not a positive integer", s)
	}
	return n
}

func imagePatch(img string) []byte {
	return []byte(fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"frontend","image":%q}]}}}}`, img))
}

func TestResourceVersionsIncreaseOnEveryWrite(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	deploys := c.Client().AppsV1().Deployments(Namespace)
	d := getDeployment(t, c, "frontend")
	last := rvOf(t, d.ResourceVersion)
	step := func(what, rv string) {
		t.Helper()
		n := rvOf(t, rv)
		if n <= last {
			t.Fatalf("%s: resourceVersion %d after %d", what, n, last)
		}
		last = n
	}
	out, err := deploys.Patch(ctx, "frontend", types.StrategicMergePatchType, imagePatch("registry.example.com/shop/frontend:3.11.3"), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	step("patch", out.ResourceVersion)
	out.Labels["tier"] = "web"
	out, err = deploys.Update(ctx, out, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	step("update", out.ResourceVersion)
	out.Status.ObservedGeneration = out.Generation
	out, err = deploys.UpdateStatus(ctx, out, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	step("status update", out.ResourceVersion)
	cm, err := c.Client().CoreV1().ConfigMaps(Namespace).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "flags"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	step("create", cm.ResourceVersion)
	if got := getDeployment(t, c, "frontend").ResourceVersion; got != out.ResourceVersion {
		t.Errorf("stored resourceVersion %s, returned %s", got, out.ResourceVersion)
	}
	list, err := deploys.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rvOf(t, list.ResourceVersion) < last {
		t.Errorf("list resourceVersion %s is older than the last write %d", list.ResourceVersion, last)
	}
	// A write that changes nothing stores nothing.
	same, err := deploys.Update(ctx, out, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if same.ResourceVersion != out.ResourceVersion {
		t.Errorf("a no-op update moved the resourceVersion from %s to %s", out.ResourceVersion, same.ResourceVersion)
	}
}

func TestStaleResourceVersionConflicts(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	deploys := c.Client().AppsV1().Deployments(Namespace)
	d := getDeployment(t, c, "frontend")
	stale := d.ResourceVersion
	// Someone else writes first.
	if _, err := deploys.Patch(ctx, "frontend", types.MergePatchType, []byte(`{"metadata":{"labels":{"touched":"yes"}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	fresh := getDeployment(t, c, "frontend")

	// mayday's undo patch for a Deployment: a JSON patch that replaces the
	// resourceVersion with the one it planned against.
	jsonPatch, _ := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "registry.example.com/shop/frontend:3.9.1"},
		{"op": "replace", "path": "/metadata/resourceVersion", "value": stale},
	})
	// and for StatefulSets and DaemonSets: a strategic merge patch with
	// metadata.resourceVersion.
	smp := []byte(fmt.Sprintf(`{"metadata":{"resourceVersion":%q},"spec":{"template":{"spec":{"containers":[{"name":"frontend","image":"x:1"}]}}}}`, stale))
	stalePut := d.DeepCopy()
	stalePut.Spec.Template.Spec.Containers[0].Image = "x:2"

	for name, write := range map[string]func() error{
		"json patch": func() error {
			_, err := deploys.Patch(ctx, "frontend", types.JSONPatchType, jsonPatch, metav1.PatchOptions{})
			return err
		},
		"strategic merge patch": func() error {
			_, err := deploys.Patch(ctx, "frontend", types.StrategicMergePatchType, smp, metav1.PatchOptions{})
			return err
		},
		"update": func() error {
			_, err := deploys.Update(ctx, stalePut, metav1.UpdateOptions{})
			return err
		},
		"status update": func() error {
			_, err := deploys.UpdateStatus(ctx, stalePut, metav1.UpdateOptions{})
			return err
		},
		"delete precondition": func() error {
			return deploys.Delete(ctx, "frontend", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: &stale}})
		},
	} {
		err := write()
		if !apierrors.IsConflict(err) {
			t.Errorf("%s with a stale resourceVersion: %v, want a conflict", name, err)
		}
	}
	if got := getDeployment(t, c, "frontend"); got.ResourceVersion != fresh.ResourceVersion || got.Spec.Template.Spec.Containers[0].Image != fresh.Spec.Template.Spec.Containers[0].Image {
		t.Errorf("a refused write changed the deployment")
	}

	// The same JSON patch with the current resourceVersion goes through.
	jsonPatch, _ = json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "registry.example.com/shop/frontend:3.9.1"},
		{"op": "replace", "path": "/metadata/resourceVersion", "value": fresh.ResourceVersion},
	})
	out, err := deploys.Patch(ctx, "frontend", types.JSONPatchType, jsonPatch, metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("json patch with the current resourceVersion: %v", err)
	}
	if out.Spec.Template.Spec.Containers[0].Image != "registry.example.com/shop/frontend:3.9.1" || rvOf(t, out.ResourceVersion) <= rvOf(t, fresh.ResourceVersion) {
		t.Errorf("patched deployment: image %s rv %s", out.Spec.Template.Spec.Containers[0].Image, out.ResourceVersion)
	}
}

func TestGenerationFollowsTheSpec(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	deploys := c.Client().AppsV1().Deployments(Namespace)
	d := getDeployment(t, c, "frontend")
	gen := d.Generation
	check := func(what string, got *appsv1.Deployment, want int64) {
		t.Helper()
		if got.Generation != want {
			t.Errorf("%s: generation %d, want %d", what, got.Generation, want)
		}
		gen = got.Generation
	}
	out, err := deploys.Patch(ctx, "frontend", types.StrategicMergePatchType, imagePatch("x:1"), metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("template change", out, gen+1)
	out, _ = deploys.Patch(ctx, "frontend", types.MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`), metav1.PatchOptions{})
	check("label change", out, gen)
	out, _ = deploys.Patch(ctx, "frontend", types.MergePatchType, []byte(`{"metadata":{"annotations":{"note":"x"}}}`), metav1.PatchOptions{})
	check("annotation change on a deployment", out, gen+1)
	out.Status.ReadyReplicas = 1
	out.Spec.Replicas = new(int32(9))
	out.Generation = 100
	out, err = deploys.UpdateStatus(ctx, out, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("status update", out, gen)
	if *out.Spec.Replicas == 9 || out.Status.ReadyReplicas != 1 {
		t.Errorf("a status update must change the status only: replicas %d ready %d", *out.Spec.Replicas, out.Status.ReadyReplicas)
	}
	out.Status.ReadyReplicas = 7
	out.Spec.Paused = true
	out, err = deploys.Update(ctx, out, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check("spec update", out, gen+1)
	if out.Status.ReadyReplicas != 1 || !out.Spec.Paused {
		t.Errorf("an update must change the spec only: ready %d paused %v", out.Status.ReadyReplicas, out.Spec.Paused)
	}
	// StatefulSet annotations do not bump the generation.
	sts, err := c.Client().AppsV1().StatefulSets(Namespace).Patch(ctx, "ledger", types.MergePatchType, []byte(`{"metadata":{"annotations":{"note":"x"}}}`), metav1.PatchOptions{})
	if err != nil || sts.Generation != 4 {
		t.Errorf("ledger generation %d after an annotation change (err %v), want 4", sts.Generation, err)
	}
	// Created objects start at generation 1 with a server-set uid and time.
	rs, err := c.Client().AppsV1().ReplicaSets(Namespace).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "scratch", UID: "client-chosen", Generation: 5},
		Spec:       appsv1.ReplicaSetSpec{Replicas: new(int32(0)), Template: corev1.PodTemplateSpec{}},
		Status:     appsv1.ReplicaSetStatus{Replicas: 3},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rs.Generation != 1 || rs.UID == "" || rs.UID == "client-chosen" || rs.CreationTimestamp.IsZero() || rs.Status.Replicas != 0 {
		t.Errorf("created: generation %d uid %q created %v status %+v", rs.Generation, rs.UID, rs.CreationTimestamp, rs.Status)
	}
}

func TestDryRunPersistsNothing(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	deploys := c.Client().AppsV1().Deployments(Namespace)
	before := getDeployment(t, c, "checkout")
	dry := metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}
	patch, _ := json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "registry.example.com/shop/checkout:2.14.0"},
		{"op": "replace", "path": "/metadata/resourceVersion", "value": before.ResourceVersion},
	})
	out, err := deploys.Patch(ctx, "checkout", types.JSONPatchType, patch, dry)
	if err != nil {
		t.Fatal(err)
	}
	if out.Spec.Template.Spec.Containers[0].Image != "registry.example.com/shop/checkout:2.14.0" || out.Generation != before.Generation+1 {
		t.Errorf("dry run answered image %s generation %d: want the would-be object", out.Spec.Template.Spec.Containers[0].Image, out.Generation)
	}
	after := getDeployment(t, c, "checkout")
	if after.ResourceVersion != before.ResourceVersion || after.Spec.Template.Spec.Containers[0].Image != before.Spec.Template.Spec.Containers[0].Image {
		t.Error("a dry-run patch changed the stored deployment")
	}
	// A dry run still checks the precondition.
	stale, _ := json.Marshal([]map[string]any{{"op": "replace", "path": "/metadata/resourceVersion", "value": "1"}})
	if _, err := deploys.Patch(ctx, "checkout", types.JSONPatchType, stale, dry); !apierrors.IsConflict(err) {
		t.Errorf("stale dry run: %v, want a conflict", err)
	}
	upd := after.DeepCopy()
	upd.Spec.Paused = true
	if _, err := deploys.Update(ctx, upd, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if err := deploys.Delete(ctx, "checkout", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{GenerateName: "checkout."}, Reason: "Test"}
	if _, err := c.Client().CoreV1().Events(Namespace).Create(ctx, ev, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	final := getDeployment(t, c, "checkout")
	if final.ResourceVersion != before.ResourceVersion || final.Spec.Paused {
		t.Error("dry-run update or delete changed the deployment")
	}
	if evs, _ := c.Client().CoreV1().Events(Namespace).List(ctx, metav1.ListOptions{FieldSelector: "reason=Test"}); len(evs.Items) != 0 {
		t.Error("a dry-run create stored an event")
	}
	if _, err := deploys.Patch(ctx, "checkout", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{DryRun: []string{"Some"}}); !apierrors.IsBadRequest(err) {
		t.Errorf("dryRun=Some: %v, want a bad request", err)
	}
}

func TestAccessReviewsAndIdentity(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	for i := range 2 { // twice: reviews are answered, not stored
		ssar, err := c.Client().AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: Namespace, Verb: "patch", Group: "apps", Resource: "deployments", Name: "checkout"}},
		}, metav1.CreateOptions{})
		if err != nil || !ssar.Status.Allowed {
			t.Fatalf("review %d: %v allowed=%v", i, err, ssar != nil && ssar.Status.Allowed)
		}
		if ssar.Spec.ResourceAttributes.Verb != "patch" {
			t.Error("the review lost its spec")
		}
		ssr, err := c.Client().AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil || ssr.Status.UserInfo.Username != User {
			t.Fatalf("self subject review %d: %v %+v", i, err, ssr)
		}
	}
	rules, err := c.Client().AuthorizationV1().SelfSubjectRulesReviews().Create(ctx, &authorizationv1.SelfSubjectRulesReview{
		Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: Namespace}}, metav1.CreateOptions{})
	if err != nil || len(rules.Status.ResourceRules) == 0 {
		t.Errorf("rules review: %v %+v", err, rules)
	}
}

func TestEventsAndGenerateName(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	d := getDeployment(t, c, "checkout")
	names := map[string]bool{}
	for range 3 {
		ev, err := c.Client().CoreV1().Events(Namespace).Create(ctx, &corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{GenerateName: "checkout.mayday-"},
			InvolvedObject: corev1.ObjectReference{Kind: "Deployment", Namespace: Namespace, Name: "checkout", UID: d.UID},
			Reason:         "RolledBack", Message: "demo:oncall rolled back deployment/checkout", Type: corev1.EventTypeNormal,
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Name) != len("checkout.mayday-")+5 || names[ev.Name] || ev.UID == "" {
			t.Errorf("event name %q uid %q", ev.Name, ev.UID)
		}
		names[ev.Name] = true
	}
	list, err := c.Client().CoreV1().Events(Namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=checkout,reason=RolledBack"})
	if err != nil || len(list.Items) != 3 {
		t.Errorf("events by field selector: %v, %d", err, len(list.Items))
	}
	if _, err := c.Client().CoreV1().Events(Namespace).List(ctx, metav1.ListOptions{FieldSelector: "spec.bogus=1"}); !apierrors.IsBadRequest(err) {
		t.Errorf("unsupported field selector: %v, want a bad request", err)
	}
	if _, err := c.Client().CoreV1().Events("prod").Create(ctx, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("create in a missing namespace: %v, want not found", err)
	}
}

func TestDeleteCascadesToDependents(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	d := getDeployment(t, c, "catalog")
	if err := c.Client().AppsV1().Deployments(Namespace).Delete(ctx, "catalog", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	rss, _ := c.Client().AppsV1().ReplicaSets(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=catalog"})
	pods, _ := c.Client().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=catalog"})
	if len(rss.Items) != 0 || len(pods.Items) != 0 {
		t.Errorf("after deleting %s: %d ReplicaSets and %d pods left", d.Name, len(rss.Items), len(pods.Items))
	}
	if others, _ := c.Client().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=frontend"}); len(others.Items) != 3 {
		t.Errorf("frontend lost pods: %d", len(others.Items))
	}
}

func TestWatchSurvivesASlowReaderAndFilters(t *testing.T) {
	c := newCluster(t)
	ctx := context.Background()
	cms := c.Client().CoreV1().ConfigMaps(Namespace)
	start, err := cms.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: start.ResourceVersion, LabelSelector: "keep=yes"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	// The tracker's own watch channel holds 100 events and panics beyond;
	// write far more than that before reading anything.
	const n = 300
	for i := range n {
		keep := "no"
		if i%3 == 0 {
			keep = "yes"
		}
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%03d", i), Labels: map[string]string{"keep": keep}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	last := int64(0)
	timeout := time.After(30 * time.Second)
	for got < n/3 {
		select {
		case ev := <-w.ResultChan():
			cm := ev.Object.(*corev1.ConfigMap)
			if ev.Type != watch.Added || cm.Labels["keep"] != "yes" {
				t.Fatalf("unexpected event %s for %s %v", ev.Type, cm.Name, cm.Labels)
			}
			if rv := rvOf(t, cm.ResourceVersion); rv <= last {
				t.Fatalf("events out of order: %d after %d", rv, last)
			} else {
				last = rv
			}
			got++
		case <-timeout:
			t.Fatalf("got %d of %d events", got, n/3)
		}
	}
	// Resuming from a resourceVersion replays only later writes.
	mid := fmt.Sprint(last - 30)
	w2, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: mid, FieldSelector: "metadata.name=cm-297"})
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	select {
	case ev := <-w2.ResultChan():
		if ev.Object.(*corev1.ConfigMap).Name != "cm-297" {
			t.Errorf("resumed watch sent %s", ev.Object.(*corev1.ConfigMap).Name)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a watch resumed before a write did not replay it")
	}
	w.Stop()
	for range w.ResultChan() { // closed after Stop
	}
}

func TestDiscoveryKnowsTheWorkloads(t *testing.T) {
	c := newCluster(t)
	v, err := c.Client().Discovery().ServerVersion()
	if err != nil || v.GitVersion != ServerVersion {
		t.Errorf("server version %v %v", v, err)
	}
	res, err := c.Client().Discovery().ServerResourcesForGroupVersion("apps/v1")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, r := range res.APIResources {
		found[r.Name] = true
	}
	for _, want := range []string{"deployments", "statefulsets", "daemonsets", "replicasets", "controllerrevisions"} {
		if !found[want] {
			t.Errorf("discovery lacks %s", want)
		}
	}
	_ = rollout.Deployment
}
