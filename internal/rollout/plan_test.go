package rollout_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	. "github.com/mayday-tui/mayday/internal/rollout"
)

var web = Ref{Kind: Deployment, Namespace: "prod", Name: "web"}

var planTime = time.Date(2026, 11, 25, 14, 20, 0, 0, time.UTC)

func plan(t *testing.T, to int64, objs ...runtime.Object) (*Plan, error) {
	t.Helper()
	return PlanUndo(context.Background(), reader(objs...), web, UndoOptions{
		ToRevision: to, Attribution: Attribution{Actor: "alice", Reason: "INC-42 bad client", Incident: "INC-42"},
		Now: planTime,
	})
}

func TestPlanUndoChoosesRevisionsLikeKubectl(t *testing.T) {
	_, objs := threeRevisions()
	for _, tc := range []struct {
		to      int64
		want    int64
		wantErr string
	}{
		{to: 0, want: 2},
		{to: 1, want: 1},
		{to: 2, want: 2},
		{to: 7, wantErr: "unable to find specified revision 7 in history"},
		{to: -1, wantErr: "unable to find specified revision -1 in history"},
	} {
		p, err := plan(t, tc.to, objs...)
		if tc.wantErr != "" {
			if err == nil || err.Error() != tc.wantErr {
				t.Errorf("to %d: err = %v, want %q", tc.to, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("to %d: %v", tc.to, err)
		}
		if p.ToRevision != tc.want || p.FromRevision != 3 {
			t.Errorf("to %d: planned %d → %d, want 3 → %d", tc.to, p.FromRevision, p.ToRevision, tc.want)
		}
	}
}

func TestPlanUndoWithoutHistory(t *testing.T) {
	d := deployment(template("reg/web:v1"))
	_, err := plan(t, 0, d, replicaSet(d, 1, template("reg/web:v1"), 3, nil))
	var nh *NoHistoryError
	if !errors.As(err, &nh) || err.Error() != `no rollout history found for deployment "web"` {
		t.Fatalf("single revision: err = %v", err)
	}
	if _, err := plan(t, 0, d); !errors.As(err, &nh) {
		t.Fatalf("no ReplicaSets: err = %v", err)
	}
}

func TestPlanUndoRefusesPausedDeployment(t *testing.T) {
	d, objs := threeRevisions()
	d.Spec.Paused = true
	_, err := plan(t, 2, objs...)
	var pe *PausedError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "resume it first") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlanUndoSkipsWhenTemplateMatches(t *testing.T) {
	_, objs := threeRevisions()
	p, err := plan(t, 3, objs...)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Skip || p.SkipReason != "current template already matches revision 3" {
		t.Fatalf("skip = %v %q", p.Skip, p.SkipReason)
	}
}

func TestPlanUndoDeploymentPatchAndAnnotations(t *testing.T) {
	d, objs := threeRevisions()
	d.Annotations[corev1.LastAppliedConfigAnnotation] = `{"kind":"Deployment"}`
	d.Annotations["only-on-deployment"] = "dropped"
	d.Annotations[RevisionHistoryAnnotation] = "9"
	rs2 := objs[2].(*appsv1.ReplicaSet)
	rs2.Annotations["from-rs"] = "kept"
	rs2.Annotations[RevisionHistoryAnnotation] = "ignored"
	rs2.Annotations[IncidentAnnotation] = "INC-OLD"

	p, err := plan(t, 2, objs...)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		corev1.LastAppliedConfigAnnotation: `{"kind":"Deployment"}`,
		RevisionAnnotation:                 "3",
		RevisionHistoryAnnotation:          "9",
		"team":                             "payments",
		"from-rs":                          "kept",
		ChangeCauseAnnotation:              "mayday: rollback to revision 2: INC-42 bad client",
		RolledBackFromAnnotation:           "3",
		ActorAnnotation:                    "alice",
		IncidentAnnotation:                 "INC-42",
		RolledBackAtAnnotation:             "2026-11-25T14:20:00Z",
	}
	if len(p.Annotations) != len(want) {
		t.Errorf("annotations = %v", p.Annotations)
	}
	for k, v := range want {
		if p.Annotations[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, p.Annotations[k], v)
		}
	}
	if _, ok := p.Template.Labels[PodTemplateHashKey]; ok {
		t.Error("target template keeps pod-template-hash")
	}
	if p.PatchType != types.JSONPatchType {
		t.Errorf("patch type %s", p.PatchType)
	}
	var ops []struct {
		Op, Path string
		Value    json.RawMessage
	}
	if err := json.Unmarshal(p.Patch, &ops); err != nil {
		t.Fatal(err)
	}
	paths := []string{}
	for _, o := range ops {
		paths = append(paths, o.Op+" "+o.Path)
	}
	if strings.Join(paths, ",") != "replace /spec/template,add /metadata/annotations,replace /metadata/resourceVersion" {
		t.Errorf("ops = %v", paths)
	}
	if string(ops[2].Value) != `"100"` {
		t.Errorf("resourceVersion precondition = %s", ops[2].Value)
	}
	var tmpl corev1.PodTemplateSpec
	_ = json.Unmarshal(ops[0].Value, &tmpl)
	if tmpl.Spec.Containers[0].Image != "reg/web:v2" || tmpl.Spec.Containers[0].Env[0].Value != "fast" {
		t.Errorf("patched template = %+v", tmpl.Spec.Containers[0])
	}
	if p.Target.UID != "rs-h2" {
		t.Errorf("target = %+v", p.Target)
	}
	if !hasWarning(p, "last-applied") {
		t.Errorf("no last-applied warning: %v", p.Warnings)
	}
}

func TestPlanUndoWarnings(t *testing.T) {
	d, objs := threeRevisions()
	d.Labels = map[string]string{"kustomize.toolkit.fluxcd.io/name": "shop"}
	objs[1].(*appsv1.ReplicaSet).Spec.Template.Spec.Containers[0].Image = "reg/web:latest"
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web-hpa", Namespace: "prod"},
		Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"}},
	}
	p, err := plan(t, 1, append(objs, hpa)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"gitops", "hpa", "mutable-image", "cold"} {
		if !hasWarning(p, code) {
			t.Errorf("missing %s warning in %v", code, p.Warnings)
		}
	}
	if hasWarning(p, "last-applied") {
		t.Error("last-applied warning without the annotation")
	}
	// Outside revisionHistoryLimit: limit 1 and one newer old revision.
	d.Spec.RevisionHistoryLimit = ptr(int32(1))
	p, _ = plan(t, 1, objs...)
	if !hasWarning(p, "history-limit") {
		t.Errorf("missing history-limit warning in %v", p.Warnings)
	}
}

func hasWarning(p *Plan, code string) bool {
	for _, w := range p.Warnings {
		if w.Code == code {
			return true
		}
	}
	return false
}

func TestReplanFindsTargetByUID(t *testing.T) {
	_, objs := threeRevisions()
	p, err := plan(t, 2, objs...)
	if err != nil {
		t.Fatal(err)
	}
	// The controller renumbered revision 2 to 5 meanwhile.
	rs2 := objs[2].(*appsv1.ReplicaSet)
	rs2.Annotations[RevisionAnnotation] = "5"
	d := objs[0].(*appsv1.Deployment)
	d.ResourceVersion = "101"
	h, err := GetHistory(context.Background(), reader(objs...), web)
	if err != nil {
		t.Fatal(err)
	}
	np, err := Replan(h, p)
	if err != nil {
		t.Fatal(err)
	}
	if np.ToRevision != 5 || np.ResourceVersion != "101" || np.Target.UID != p.Target.UID {
		t.Fatalf("replanned = to %d rv %s target %s", np.ToRevision, np.ResourceVersion, np.Target.UID)
	}
}

func TestPlanUndoStatefulSet(t *testing.T) {
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "ledger", Namespace: "prod", UID: "sts-uid", ResourceVersion: "77"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: template("reg/ledger:v2"),
		},
	}
	cr := func(n int64, image string) *appsv1.ControllerRevision {
		s := sts.DeepCopy()
		s.Spec.Template = template(image)
		data, err := json.Marshal(map[string]any{"spec": map[string]any{"template": withReplace(s.Spec.Template)}})
		if err != nil {
			t.Fatal(err)
		}
		return &appsv1.ControllerRevision{
			ObjectMeta: metav1.ObjectMeta{Name: "ledger-" + image[len(image)-2:], Namespace: "prod", UID: types.UID("cr-" + image),
				Labels:          map[string]string{"app": "web", "controller-revision-hash": image[len(image)-2:]},
				OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(sts, appsv1.SchemeGroupVersion.WithKind("StatefulSet"))}},
			Data: runtime.RawExtension{Raw: data}, Revision: n,
		}
	}
	ref := Ref{Kind: StatefulSet, Namespace: "prod", Name: "ledger"}
	objs := []runtime.Object{sts, cr(1, "reg/ledger:v1"), cr(2, "reg/ledger:v2")}
	h, err := GetHistory(context.Background(), reader(objs...), ref)
	if err != nil {
		t.Fatal(err)
	}
	if h.Current != 2 {
		t.Fatalf("current = %d, want 2 (data equal to the statefulset's template)", h.Current)
	}
	p, err := PlanUndo(context.Background(), reader(objs...), ref, UndoOptions{Attribution: Attribution{Actor: "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.ToRevision != 1 || p.PatchType != types.StrategicMergePatchType || p.Skip {
		t.Fatalf("plan = to %d %s skip %v", p.ToRevision, p.PatchType, p.Skip)
	}
	var patch struct {
		Metadata struct {
			ResourceVersion string             `json:"resourceVersion"`
			Annotations     map[string]*string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			Template map[string]any `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(p.Patch, &patch); err != nil {
		t.Fatal(err)
	}
	if patch.Metadata.ResourceVersion != "77" || patch.Spec.Template["$patch"] != "replace" {
		t.Errorf("patch = %s", p.Patch)
	}
	if a := patch.Metadata.Annotations; *a[ActorAnnotation] != "bob" || a[IncidentAnnotation] != nil {
		t.Errorf("annotations = %s", p.Patch)
	}
	if len(p.Diff.Summary) == 0 || p.Diff.Summary[0].Kind != ChangeImage || p.Diff.Summary[0].To != "reg/ledger:v1" {
		t.Errorf("diff = %+v", p.Diff.Summary)
	}
	// A single revision: kubectl's message.
	if _, err := PlanUndo(context.Background(), reader(sts, cr(2, "reg/ledger:v2")), ref, UndoOptions{}); !errors.Is(err, ErrNoPreviousRevision) {
		t.Errorf("single revision: %v", err)
	}
	// To the current revision: skipped.
	p, err = PlanUndo(context.Background(), reader(objs...), ref, UndoOptions{ToRevision: 2})
	if err != nil || !p.Skip {
		t.Errorf("to current: skip=%v err=%v", p != nil && p.Skip, err)
	}
}

func withReplace(t corev1.PodTemplateSpec) map[string]any {
	data, _ := json.Marshal(t)
	m := map[string]any{}
	_ = json.Unmarshal(data, &m)
	m["$patch"] = "replace"
	return m
}
