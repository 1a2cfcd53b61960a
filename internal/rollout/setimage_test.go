package rollout_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/mayday-tui/mayday/internal/rollout"
)

func TestParseImageSettings(t *testing.T) {
	got, err := rollout.ParseImageSettings([]string{"app=registry.example/app:2.1.1", "sidecar=envoy@sha256:" + strings.Repeat("a", 64)})
	if err != nil || len(got) != 2 || got[0].Container != "app" || got[0].Image != "registry.example/app:2.1.1" {
		t.Fatalf("settings = %+v, %v", got, err)
	}
	for _, bad := range [][]string{
		nil,
		{"app"},
		{"=img:1"},
		{"app=Registry.example/App:1"}, // upper-case repository
		{"app=registry.example/app:bad tag"},
		{"app=img@sha256:short"},
		{"app=a:1", "app=b:2"},
		{"*=a:1", "app=b:2"},
	} {
		if _, err := rollout.ParseImageSettings(bad); err == nil {
			t.Errorf("ParseImageSettings(%q) accepted", bad)
		}
	}
}

func TestPlanSetImage(t *testing.T) {
	h := webHistory(t)
	p, err := rollout.PlanSetImage(h, []rollout.ImageSetting{{Container: "app", Image: "web:4"}},
		rollout.SetImageOptions{Attribution: rollout.Attribution{Actor: "ann", Reason: "INC-1 fix", Incident: "INC-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Skip || len(p.Changes) != 1 || p.Changes[0].From != "web:3" || p.Changes[0].To != "web:4" || p.FromRevision != 3 {
		t.Fatalf("plan = %+v", p)
	}
	if p.Template.Spec.Containers[0].Image != "web:4" || h.Template.Spec.Containers[0].Image != "web:3" {
		t.Error("the plan's template is not a copy with the new image")
	}
	if p.ChangeCause() != "mayday: set image app=web:4: INC-1 fix" {
		t.Errorf("change-cause %q", p.ChangeCause())
	}
	if len(p.Diff.Summary) != 1 || p.Diff.Summary[0].Kind != rollout.ChangeImage {
		t.Errorf("diff = %+v", p.Diff.Summary)
	}
	var patch struct {
		Metadata struct {
			ResourceVersion string             `json:"resourceVersion"`
			Annotations     map[string]*string `json:"annotations"`
		} `json:"metadata"`
		Spec struct {
			Template struct {
				Spec struct {
					Containers []corev1.Container `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(p.Patch, &patch); err != nil {
		t.Fatal(err)
	}
	if patch.Metadata.ResourceVersion != "100" || len(patch.Spec.Template.Spec.Containers) != 1 ||
		patch.Spec.Template.Spec.Containers[0].Name != "app" || patch.Spec.Template.Spec.Containers[0].Image != "web:4" {
		t.Errorf("patch = %s", p.Patch)
	}
	ann := patch.Metadata.Annotations
	if *ann[rollout.ChangeCauseAnnotation] != p.ChangeCause() || *ann[rollout.ActorAnnotation] != "ann" || *ann[rollout.IncidentAnnotation] != "INC-1" ||
		ann[rollout.RolledBackFromAnnotation] != nil {
		t.Errorf("patch annotations = %s", p.Patch)
	}
	if !hasImageWarning(p.Warnings, "mutable-image") {
		t.Errorf("no mutable-image warning: %+v", p.Warnings)
	}

	// The image it already runs: nothing to send.
	p, err = rollout.PlanSetImage(h, []rollout.ImageSetting{{Container: "app", Image: "web:3"}}, rollout.SetImageOptions{})
	if err != nil || !p.Skip {
		t.Errorf("same image: %+v, %v", p, err)
	}
	// An unknown container names the ones there are.
	_, err = rollout.PlanSetImage(h, []rollout.ImageSetting{{Container: "ap", Image: "web:4"}}, rollout.SetImageOptions{})
	var uc *rollout.UnknownContainerError
	if !errors.As(err, &uc) || err.Error() != `deployment/web has no container "ap": its containers are app` {
		t.Errorf("unknown container: %v", err)
	}
}

func hasImageWarning(ws []rollout.Warning, code string) bool {
	for _, w := range ws {
		if w.Code == code {
			return true
		}
	}
	return false
}
