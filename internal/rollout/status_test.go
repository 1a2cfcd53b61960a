package rollout

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDeploymentStatus(t *testing.T) {
	three := int32(3)
	base := func() *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: 2},
			Spec:       appsv1.DeploymentSpec{Replicas: &three},
			Status:     appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3},
		}
	}
	timedOut := func(d *appsv1.Deployment, rs string) *appsv1.Deployment {
		d.Status.UpdatedReplicas, d.Status.Replicas = 1, 4
		d.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing, Reason: "ProgressDeadlineExceeded",
			Message: `ReplicaSet "` + rs + `" has timed out progressing.`}}
		return d
	}
	for _, tc := range []struct {
		name  string
		d     *appsv1.Deployment
		newRS string
		want  Phase
	}{
		{"complete", base(), "", PhaseComplete},
		{"not observed", func() *appsv1.Deployment { d := base(); d.Generation = 3; return d }(), "", PhaseProgressing},
		{"updating", func() *appsv1.Deployment { d := base(); d.Status.UpdatedReplicas = 1; return d }(), "", PhaseProgressing},
		{"old pending termination", func() *appsv1.Deployment { d := base(); d.Status.Replicas = 4; return d }(), "", PhaseProgressing},
		{"unavailable", func() *appsv1.Deployment { d := base(); d.Status.AvailableReplicas = 2; return d }(), "", PhaseProgressing},
		{"paused mid-rollout", func() *appsv1.Deployment { d := base(); d.Spec.Paused = true; d.Status.UpdatedReplicas = 1; return d }(), "", PhasePaused},
		{"deadline exceeded", timedOut(base(), "web-new"), "web-new", PhaseFailed},
		{"deadline exceeded, current RS unknown", timedOut(base(), "web-old"), "", PhaseFailed},
		{"stale deadline after a rollback", timedOut(base(), "web-bad"), "web-good", PhaseProgressing},
	} {
		if got := DeploymentStatusFor(tc.d, tc.newRS); got.Phase != tc.want {
			t.Errorf("%s: phase %s (%s), want %s", tc.name, got.Phase, got.Message, tc.want)
		}
	}
	if got := TimedOutReplicaSet(timedOut(base(), "web-bad")); got != "web-bad" {
		t.Errorf("TimedOutReplicaSet = %q", got)
	}
	if got := TimedOutReplicaSet(base()); got != "" {
		t.Errorf("TimedOutReplicaSet of a healthy deployment = %q", got)
	}
}
