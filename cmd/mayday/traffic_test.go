package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/demo"
)

// blueGreenDemo adds to the demo shop service web on blue, with web-blue
// and web-green beside it; the demo's controllers run their pods.
func blueGreenDemo(t *testing.T) *cli {
	t.Helper()
	cl := newDemo(t, true, demo.Options{})
	cs := cl.Client()
	ctx := context.Background()
	for _, s := range []string{"blue", "green"} {
		lbls := map[string]string{"app": "web", "slot": s}
		replicas := int32(2)
		_, err := cs.AppsV1().Deployments(demo.Namespace).Create(ctx, &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web-" + s, Namespace: demo.Namespace},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: lbls},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbls},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/web:" + s}}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := cs.CoreV1().Services(demo.Namespace).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: demo.Namespace},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "web", "slot": "blue"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, cl)
	waitFor(t, "green's pods ready", func() (bool, string) {
		pods, _ := cs.CoreV1().Pods(demo.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "slot=green"})
		ready := 0
		for _, p := range pods.Items {
			for _, cond := range p.Status.Conditions {
				if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue && p.Status.PodIP != "" {
					ready++
				}
			}
		}
		return ready == 2, "pods not ready"
	})
	return c
}

func (c *cli) selector() string {
	c.t.Helper()
	svc, err := c.cluster.Client().CoreV1().Services(demo.Namespace).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return svc.Spec.Selector["slot"]
}

func TestSwitchServerDryRun(t *testing.T) {
	c := blueGreenDemo(t)
	r := c.demoRun("switch", "service/web", "--to", "green", "--dry-run=server", "--reason", "INC-7 green fixes it")
	r.wantCode(t, 0)
	for _, want := range []string{
		"Plan: switch service/web from blue (web-blue) to green (web-green)",
		`namespace shop · blue-green · by `, `reason "INC-7 green fixes it"`,
		"  - selector slot: blue → green",
		"  ✓ green ready: 2 of 2 pods of web-green ready",
		"  1. set the selector of service/web to slot=green (merge patch of service/web, resourceVersion ",
		"✓ server dry run: the API server accepted every change; nothing was persisted",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if c.selector() != "blue" {
		t.Error("the dry run switched the service")
	}
}

func TestSwitchJSONDocument(t *testing.T) {
	c := blueGreenDemo(t)
	r := c.demoRun("switch", "service/web", "--dry-run=server", "-o", "json")
	r.wantCode(t, 0)
	var doc struct {
		Kind string
		Plan struct {
			Pattern   string
			BlueGreen struct{ Key, Live string }
			Steps     []struct{ PatchType string }
		}
		DryRun struct{ Outcome string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r.stdout)
	}
	if doc.Kind != "Switch" || doc.Plan.Pattern != "blue-green" || doc.Plan.BlueGreen.Live != "blue" ||
		len(doc.Plan.Steps) != 1 || doc.DryRun.Outcome != "dry-run" {
		t.Errorf("doc = %+v", doc)
	}
	if !strings.Contains(r.stderr, "Plan: switch service/web") {
		t.Errorf("the plan is not on stderr:\n%s", r.stderr)
	}
}

func TestSwitchNeedsConfirmation(t *testing.T) {
	c := blueGreenDemo(t)
	r := c.demoRun("switch", "service/web", "--to", "green")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "refusing to change service/web without confirmation: stdin is not a terminal; pass --yes") {
		t.Errorf("stderr = %s", r.stderr)
	}
	c.tty, c.stdin = true, strings.NewReader("n\n")
	r = c.demoRun("switch", "service/web", "--to", "green")
	r.wantCode(t, 1)
	if !strings.Contains(r.stderr, "Switch service/web from blue (web-blue) to green (web-green) (namespace shop)? [y/N]") ||
		!strings.Contains(r.stderr, "not confirmed: nothing was changed") {
		t.Errorf("stderr = %s", r.stderr)
	}
	if c.selector() != "blue" {
		t.Error("switched without confirmation")
	}
}

func TestSwitchToTheLiveSideChangesNothing(t *testing.T) {
	c := blueGreenDemo(t)
	r := c.demoRun("switch", "service/web", "--to", "blue", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "nothing to do: service/web already sends its traffic to blue (web-blue)") {
		t.Errorf("stdout = %s", r.stdout)
	}
}

func TestTrafficBadInput(t *testing.T) {
	c := blueGreenDemo(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"switch a deployment", []string{"switch", "deployment/web-blue"}, 2, []string{"switch works on a Service's selector: expected service/NAME"}},
		{"switch without name", []string{"switch", "service"}, 2, []string{"expected service/NAME"}},
		{"unknown service", []string{"switch", "service/nope", "--yes"}, 1, []string{`service "nope" not found in namespace "shop"`}},
		{"unknown side", []string{"switch", "service/web", "--to", "red", "--yes"}, 1, []string{"service/web has no side slot=red: its sides are blue (web-blue), green (web-green)"}},
		{"no pair", []string{"switch", "svc/web", "--label", "version", "--yes"}, 1, []string{"service/web is not a blue-green pair: its selector app=web,slot=blue has no slot label (version)"}},
		{"read-only", []string{"--read-only", "switch", "service/web", "--yes"}, 1, []string{"read-only mode"}},
		{"bad dry run", []string{"switch", "service/web", "--dry-run=maybe"}, 2, []string{`invalid --dry-run "maybe"`}},
		{"bad timeout", []string{"switch", "service/web", "--timeout=0s"}, 2, []string{"--timeout must be positive"}},
		{"multi-line reason", []string{"switch", "service/web", "--reason", "a\nb"}, 2, []string{"one line"}},
		{"canary without subcommand", []string{"canary"}, 2, []string{"canary needs a subcommand: rollback"}},
		{"canary of a pod", []string{"canary", "rollback", "pod/web"}, 2, []string{`unknown kind "pod": use service, deployment, httproute, virtualservice or rollout`}},
		{"stable for a service", []string{"canary", "rollback", "service/web", "--stable", "web"}, 2, []string{"--stable only applies to httproute and virtualservice"}},
		{"no canary", []string{"canary", "rollback", "service/web", "--yes"}, 1, []string{"service/web has no canary to roll back: it selects web-blue, and none is a canary"}},
		{"no Gateway API", []string{"canary", "rollback", "httproute/web", "--yes"}, 1,
			[]string{"Gateway API is not installed in this cluster (it serves no httproutes in gateway.networking.k8s.io); canary rollback in this cluster works on: service, deployment"}},
		{"no Argo Rollouts", []string{"canary", "rollback", "ro/web", "--yes"}, 1, []string{"Argo Rollouts is not installed in this cluster"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.demoRun(tc.args...)
			r.wantCode(t, tc.code)
			r.wantOneLineError(t, tc.want...)
		})
	}
	if c.selector() != "blue" {
		t.Error("bad input switched the service")
	}
}
