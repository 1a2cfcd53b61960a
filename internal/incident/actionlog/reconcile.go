package actionlog

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Reconciled is what reading the cluster said about an intent whose
// outcome was unknown.
type Reconciled struct {
	Intent incident.Record
	// Status is the outcome recorded, or incident.OutcomeUnknown when the
	// cluster could not tell (nothing is recorded then).
	Status   incident.OutcomeStatus
	Evidence string
}

// Reconcile reads back, for every intent of j without a result, the
// object it was about to change, and records the outcome the cluster
// shows:
//   - the object still has the resourceVersion the write was guarded
//     by: the change did not land (failed);
//   - the object changed and carries this incident's annotation: it
//     landed (succeeded);
//   - anything else (changed by someone else, gone, unreadable, not a
//     workload): still unknown, for a person to check.
func Reconcile(ctx context.Context, client kubernetes.Interface, j *incident.Journal, actor string) []Reconciled {
	var out []Reconciled
	for _, r := range incident.Pending(j.Records()) {
		a, _ := r.Payload.(incident.Action)
		rc := Reconciled{Intent: r, Status: incident.OutcomeUnknown}
		obj, err := readObject(ctx, client, a.Workload)
		switch {
		case err != nil:
			rc.Evidence = "could not read it back: " + err.Error()
		case a.ResourceVersion != "" && obj.GetResourceVersion() == a.ResourceVersion:
			rc.Status = incident.OutcomeFailed
			rc.Evidence = fmt.Sprintf("%s is unchanged since the intent (resourceVersion %s): the change did not land", a.Workload.Name, a.ResourceVersion)
		case obj.GetAnnotations()[rollout.IncidentAnnotation] == j.ID():
			rc.Status = incident.OutcomeSucceeded
			rc.Evidence = fmt.Sprintf("%s changed (resourceVersion %s → %s) and carries %s=%s", a.Workload.Name, a.ResourceVersion, obj.GetResourceVersion(), rollout.IncidentAnnotation, j.ID())
		default:
			rc.Evidence = fmt.Sprintf("%s changed (resourceVersion %s → %s) without this incident's annotation: someone else changed it; check it by hand", a.Workload.Name, a.ResourceVersion, obj.GetResourceVersion())
		}
		if rc.Status != incident.OutcomeUnknown {
			o := incident.Outcome{Status: rc.Status, Detail: map[string]any{"reconciled": true, "by": actor, "evidence": rc.Evidence}}
			if rc.Status == incident.OutcomeFailed {
				o.Error = rc.Evidence
			}
			if err := j.Result(incident.IntentID(r.Seq), o); err != nil {
				rc.Status, rc.Evidence = incident.OutcomeUnknown, "recording the outcome failed: "+err.Error()
			}
		}
		out = append(out, rc)
	}
	return out
}

// readObject reads the object an intent named (KIND/NAME in a namespace).
func readObject(ctx context.Context, client kubernetes.Interface, w incident.Workload) (metav1.Object, error) {
	if ref, err := rollout.ParseRef(w.Name, w.Namespace); err == nil {
		switch ref.Kind {
		case rollout.Deployment:
			return client.AppsV1().Deployments(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		case rollout.StatefulSet:
			return client.AppsV1().StatefulSets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		case rollout.DaemonSet:
			return client.AppsV1().DaemonSets(ref.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		}
	}
	if name, ok := strings.CutPrefix(w.Name, "service/"); ok {
		return client.CoreV1().Services(w.Namespace).Get(ctx, name, metav1.GetOptions{})
	}
	return nil, fmt.Errorf("%s cannot be read back here", w.Name)
}
