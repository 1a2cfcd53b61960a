package rollout_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	. "github.com/mayday-tui/mayday/internal/rollout"
)

func TestDiffSummarisesImagesEnvAndResources(t *testing.T) {
	a := template("reg/web:v1", "MODE", "slow", "GONE", "x")
	b := template("reg/web:v2", "MODE", "fast", "NEW", "y")
	a.Labels[PodTemplateHashKey] = "aaa"
	b.Spec.Containers[0].Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")}
	b.Spec.Containers[0].Env = append(b.Spec.Containers[0].Env, corev1.EnvVar{Name: "TOKEN",
		ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "api"}, Key: "token"}}})
	b.Spec.ServiceAccountName = "web-sa"

	d := DiffTemplates(&a, &b)
	var lines []string
	for _, c := range d.Summary {
		lines = append(lines, c.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"image app image: reg/web:v1 → reg/web:v2",
		`env app MODE: "slow" → "fast"`,
		`env app NEW: + "y"`,
		`env app GONE: - "x"`,
		"env app TOKEN: + secret api/token",
		"resources app limits.memory: + 512Mi",
		`other spec.serviceAccountName: + "web-sa"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "pod-template-hash") || strings.Contains(d.Unified, "pod-template-hash") {
		t.Errorf("diff shows the pod-template-hash label:\n%s\n%s", got, d.Unified)
	}
	if !strings.Contains(d.Unified, "-    image: reg/web:v1") || !strings.Contains(d.Unified, "+    image: reg/web:v2") {
		t.Errorf("unified diff:\n%s", d.Unified)
	}
	if e := DiffTemplates(&a, &a); !e.Empty() {
		t.Errorf("diff of equal templates: %+v", e)
	}
}
