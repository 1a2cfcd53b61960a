package action

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// workloadEvent is a Kubernetes Event left on a workload, so kubectl
// describe and other engineers see who changed it and why.
type workloadEvent struct {
	ref         rollout.Ref
	obj         metav1.Object
	reason      string // RolledForward, RolloutPaused, ...
	action      string // SetImage, Pause, ...
	message     string
	attribution rollout.Attribution
}

func (e *Executor) leaveEvent(ctx context.Context, we workloadEvent) error {
	host := e.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	msg := we.message
	if we.attribution.Reason != "" {
		msg += ": " + we.attribution.Reason
	}
	if we.attribution.Incident != "" {
		msg += " (incident " + we.attribution.Incident + ")"
	}
	now := metav1.NewTime(time.Now())
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: we.ref.Name + ".mayday-", Namespace: we.ref.Namespace,
			Annotations: map[string]string{rollout.ActorAnnotation: we.attribution.Actor}},
		InvolvedObject: corev1.ObjectReference{
			Kind: string(we.ref.Kind), APIVersion: "apps/v1", Namespace: we.ref.Namespace,
			Name: we.ref.Name, UID: we.obj.GetUID(), ResourceVersion: we.obj.GetResourceVersion(),
		},
		Reason: we.reason, Message: msg, Type: corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "mayday", Host: host},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
		ReportingController: "mayday.dev/mayday", ReportingInstance: host, Action: we.action,
	}
	if we.attribution.Incident != "" {
		ev.Annotations[rollout.IncidentAnnotation] = we.attribution.Incident
	}
	_, err := e.Client.CoreV1().Events(we.ref.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	return err
}

// ChangedError says a workload changed between planning and writing, by
// someone else; nothing was written.
type ChangedError struct {
	Workload     rollout.Ref
	OldRV, NewRV string
	// Concurrent is what the other writer changed in the pod template.
	Concurrent rollout.Diff
	// Detail says what else changed ("paused", "annotations").
	Detail string
}

func (e *ChangedError) Error() string {
	msg := fmt.Sprintf("%s changed after the plan was made (resourceVersion %s → %s); nothing was written", e.Workload, e.OldRV, e.NewRV)
	if e.Detail != "" {
		msg += "; changed meanwhile: " + e.Detail
	}
	return msg + "; review it and run the command again"
}
