package analysis

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mayday-tui/mayday/internal/redact"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func TestDiffConfigReferencesAndSeveralContainers(t *testing.T) {
	good := goodTemplate()
	good.Spec.Volumes = []corev1.Volume{
		{Name: "settings", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "checkout-config-v1"}}}},
		{Name: "api-token", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "checkout-api"}}},
	}
	good.Spec.Containers = append(good.Spec.Containers, corev1.Container{Name: "proxy", Image: "envoy:1.30",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")}}})
	bad := *good.DeepCopy()
	bad.Spec.Volumes[0].ConfigMap.Name = "checkout-config-v2"
	bad.Spec.Volumes = bad.Spec.Volumes[:1] // the token volume is gone
	bad.Spec.Containers[0].Image = "checkout:2.1.0"
	bad.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "checkout-db"}}}}
	bad.Spec.Containers[0].Args = []string{"--db-password=hunter2"}
	bad.Spec.Containers[1].Resources.Limits[corev1.ResourceMemory] = resource.MustParse("64Mi")
	bad.Spec.Containers[1].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}

	s := subject{ref: checkout,
		good: &rollout.Revision{Number: 4, Template: &good},
		bad:  &rollout.Revision{Number: 5, Template: &bad}}
	d := diffRevisions(s, nil)
	for _, want := range []string{
		"image of app checkout:2.0.3 → checkout:2.1.0",
		"memory limit of proxy 128Mi → 64Mi",
		"cpu request of proxy 100m (none before)",
		"config: volume settings now refers to ConfigMap checkout-config-v2 (was ConfigMap checkout-config-v1)",
		"config: volume api-token no longer refers to Secret checkout-api",
		"config: envFrom of app refers to Secret checkout-db (new)",
	} {
		if !slices.Contains(d.changes, want) {
			t.Errorf("changes lack %q:\n%s", want, strings.Join(d.changes, "\n"))
		}
	}
	// The config lines replace the JSON of the volumes and envFrom.
	if slices.ContainsFunc(d.changes, func(c string) bool { return strings.HasPrefix(c, "spec.volumes") || strings.Contains(c, "envFrom [") }) {
		t.Errorf("changes repeat the volumes as JSON:\n%s", strings.Join(d.changes, "\n"))
	}
	if strings.Contains(strings.Join(d.changes, "\n")+d.unified, "hunter2") {
		t.Errorf("the password in the arguments is quoted:\n%s\n%s", strings.Join(d.changes, "\n"), d.unified)
	}
	// The report masks again by pattern: the lines must come out as they
	// went in, or a reference would read as a secret. (Masking a masked
	// value again inside JSON brackets is the redactor's own matter.)
	var r *redact.Redactor
	for _, c := range d.changes {
		if !strings.Contains(c, redact.Mask) && r.String(c) != c {
			t.Errorf("the report would mangle %q into %q", c, r.String(c))
		}
	}
	h := hints(s, d, podEvidence{}, metricEvidence{}, true)
	for _, want := range []string{
		"new image checkout:2.1.0 in container app (was checkout:2.0.3)",
		"config reference changed: volume settings now refers to ConfigMap checkout-config-v2 (was ConfigMap checkout-config-v1); check what it holds now",
	} {
		if !contains(h, want) {
			t.Errorf("hints lack %q:\n%s", want, strings.Join(h, "\n"))
		}
	}
	if contains(h, "no evidence") {
		t.Errorf("a changed config reference is evidence:\n%s", strings.Join(h, "\n"))
	}
}

func TestChangeLinesSurviveTheReportsRedaction(t *testing.T) {
	var r *redact.Redactor
	for _, c := range []rollout.Change{
		{Kind: rollout.ChangeEnv, Container: "app", Field: "API_TOKEN", To: "secret checkout-api/token"},
		{Kind: rollout.ChangeEnv, Container: "app", Field: "DB_PASSWORD_FILE", From: `"/run/a"`, To: `"/run/b"`},
		{Kind: rollout.ChangeEnv, Container: "app", Field: "SESSION_SECRET", From: "secret s/k"},
		{Kind: rollout.ChangeOther, Field: "spec.automountServiceAccountToken", From: "false", To: "true"},
	} {
		line := changeLine(c, false)
		if r.String(line) != line {
			t.Errorf("%q would read %q in the report", line, r.String(line))
		}
	}
}
