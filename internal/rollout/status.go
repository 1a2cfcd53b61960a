package rollout

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
)

// Phase is the state of a workload's rollout.
type Phase string

const (
	PhaseProgressing Phase = "progressing"
	PhaseComplete    Phase = "complete"
	PhaseFailed      Phase = "failed"
	PhasePaused      Phase = "paused"
)

// Status is a workload's rollout progress, judged as `kubectl rollout
// status` judges it.
type Status struct {
	Phase     Phase  `json:"phase"`
	Message   string `json:"message"`
	Desired   int32  `json:"desired"`
	Updated   int32  `json:"updated"`
	Ready     int32  `json:"ready"`
	Available int32  `json:"available"`
	// Total counts all pods of the workload, old and new.
	Total int32 `json:"total"`
}

// Done reports whether the rollout reached an end (complete or failed).
func (s Status) Done() bool { return s.Phase == PhaseComplete || s.Phase == PhaseFailed }

// DeploymentStatus follows kubectl's DeploymentStatusViewer.
func DeploymentStatus(d *appsv1.Deployment) Status { return DeploymentStatusFor(d, "") }

// DeploymentStatusFor is DeploymentStatus knowing the name of the
// ReplicaSet of the current revision. A ProgressDeadlineExceeded condition
// that names another ReplicaSet is left over from the rollout before a
// rollback: it is not this rollout's failure (kubectl reports it as one
// until the controller makes progress).
func DeploymentStatusFor(d *appsv1.Deployment, newReplicaSet string) Status {
	st := Status{
		Desired: deref(d.Spec.Replicas), Updated: d.Status.UpdatedReplicas, Ready: d.Status.ReadyReplicas,
		Available: d.Status.AvailableReplicas, Total: d.Status.Replicas, Phase: PhaseProgressing,
	}
	if d.Generation > d.Status.ObservedGeneration {
		st.Message = "waiting for the deployment spec update to be observed"
		return st
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" && !staleTimeout(c.Message, newReplicaSet) {
			st.Phase, st.Message = PhaseFailed, fmt.Sprintf("deployment %q exceeded its progress deadline", d.Name)
			return st
		}
	}
	switch {
	case d.Spec.Replicas != nil && d.Status.UpdatedReplicas < *d.Spec.Replicas:
		st.Message = fmt.Sprintf("%d out of %d new replicas have been updated", d.Status.UpdatedReplicas, *d.Spec.Replicas)
	case d.Status.Replicas > d.Status.UpdatedReplicas:
		st.Message = fmt.Sprintf("%d old replicas are pending termination", d.Status.Replicas-d.Status.UpdatedReplicas)
	case d.Status.AvailableReplicas < d.Status.UpdatedReplicas:
		st.Message = fmt.Sprintf("%d of %d updated replicas are available", d.Status.AvailableReplicas, d.Status.UpdatedReplicas)
	default:
		st.Phase, st.Message = PhaseComplete, fmt.Sprintf("deployment %q successfully rolled out", d.Name)
	}
	if d.Spec.Paused && st.Phase == PhaseProgressing {
		st.Phase = PhasePaused
		st.Message = "paused: " + st.Message
	}
	return st
}

// StatefulSetStatus follows kubectl's StatefulSetStatusViewer.
func StatefulSetStatus(s *appsv1.StatefulSet) Status {
	st := Status{
		Desired: deref(s.Spec.Replicas), Updated: s.Status.UpdatedReplicas, Ready: s.Status.ReadyReplicas,
		Available: s.Status.AvailableReplicas, Total: s.Status.Replicas, Phase: PhaseProgressing,
	}
	if s.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		st.Phase, st.Message = PhaseComplete, "OnDelete update strategy: pods update only when deleted"
		return st
	}
	if s.Status.ObservedGeneration == 0 || s.Generation > s.Status.ObservedGeneration {
		st.Message = "waiting for the statefulset spec update to be observed"
		return st
	}
	if s.Spec.Replicas != nil && s.Status.ReadyReplicas < *s.Spec.Replicas {
		st.Message = fmt.Sprintf("waiting for %d pods to be ready", *s.Spec.Replicas-s.Status.ReadyReplicas)
		return st
	}
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil && s.Spec.Replicas != nil {
		if want := *s.Spec.Replicas - *ru.Partition; s.Status.UpdatedReplicas < want {
			st.Message = fmt.Sprintf("waiting for partitioned roll out to finish: %d out of %d new pods have been updated", s.Status.UpdatedReplicas, want)
			return st
		}
		st.Phase, st.Message = PhaseComplete, fmt.Sprintf("partitioned roll out complete: %d new pods have been updated", s.Status.UpdatedReplicas)
		return st
	}
	if s.Status.UpdateRevision != s.Status.CurrentRevision {
		st.Message = fmt.Sprintf("waiting for statefulset rolling update to complete %d pods at revision %s", s.Status.UpdatedReplicas, s.Status.UpdateRevision)
		return st
	}
	st.Phase, st.Message = PhaseComplete, fmt.Sprintf("statefulset rolling update complete %d pods at revision %s", s.Status.CurrentReplicas, s.Status.CurrentRevision)
	return st
}

// DaemonSetStatus follows kubectl's DaemonSetStatusViewer.
func DaemonSetStatus(d *appsv1.DaemonSet) Status {
	st := Status{
		Desired: d.Status.DesiredNumberScheduled, Updated: d.Status.UpdatedNumberScheduled, Ready: d.Status.NumberReady,
		Available: d.Status.NumberAvailable, Total: d.Status.CurrentNumberScheduled, Phase: PhaseProgressing,
	}
	if d.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType {
		st.Phase, st.Message = PhaseComplete, "OnDelete update strategy: pods update only when deleted"
		return st
	}
	if d.Generation > d.Status.ObservedGeneration {
		st.Message = "waiting for the daemon set spec update to be observed"
		return st
	}
	switch {
	case d.Status.UpdatedNumberScheduled < d.Status.DesiredNumberScheduled:
		st.Message = fmt.Sprintf("%d out of %d new pods have been updated", d.Status.UpdatedNumberScheduled, d.Status.DesiredNumberScheduled)
	case d.Status.NumberAvailable < d.Status.DesiredNumberScheduled:
		st.Message = fmt.Sprintf("%d of %d updated pods are available", d.Status.NumberAvailable, d.Status.DesiredNumberScheduled)
	default:
		st.Phase, st.Message = PhaseComplete, fmt.Sprintf("daemon set %q successfully rolled out", d.Name)
	}
	return st
}

// staleTimeout reports whether a timed-out condition's message names a
// ReplicaSet other than the current one ("ReplicaSet \"x\" has timed out
// progressing.").
func staleTimeout(message, newReplicaSet string) bool {
	if newReplicaSet == "" {
		return false
	}
	name := replicaSetNamed(message)
	return name != "" && name != newReplicaSet
}

func replicaSetNamed(message string) string {
	_, rest, ok := strings.Cut(message, `ReplicaSet "`)
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	return name
}

// TimedOutReplicaSet names the ReplicaSet of a ProgressDeadlineExceeded
// condition ("" when the rollout has not timed out). A caller that finds
// this ReplicaSet's template differs from the deployment's knows the
// timeout is left over from before a rollback (see DeploymentStatusFor).
func TimedOutReplicaSet(d *appsv1.Deployment) string {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return replicaSetNamed(c.Message)
		}
	}
	return ""
}
