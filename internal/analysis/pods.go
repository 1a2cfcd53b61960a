package analysis

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/redact"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Bounds on the events read and kept.
const (
	eventPage  = 500 // events per list request
	eventPages = 4   // list requests at most (a namespace full of warnings)
	maxEvents  = 50  // events kept, as the report quotes at most that many
)

// A symptom groups what events and container statuses say.
type symptom int

const (
	symptomOOM symptom = iota
	symptomCrashLoop
	symptomImagePull
	symptomProbe
	symptomConfig
	symptomScheduling
	symptomCount
)

// podEvidence is what the suspect revision's pods show.
type podEvidence struct {
	events []report.KubeEvent
	logs   []report.LogLine
	// pods are the names of the suspect revision's pods seen, present or
	// named by events; present those still there.
	pods    map[string]bool
	present []*corev1.Pod
	// bySymptom are the pods (by name) with each symptom.
	bySymptom [symptomCount]map[string]bool
	// probes counts failed probe events (with their repeats).
	probes  int
	oomPods int
}

func (p *podEvidence) note(s symptom, pod string) {
	if p.bySymptom[s] == nil {
		p.bySymptom[s] = map[string]bool{}
	}
	p.bySymptom[s][pod] = true
}

// gatherPods reads the suspect revision's pods, the warning events of its
// pods and ReplicaSet, and the logs of its failing pods.
func (g *Gatherer) gatherPods(ctx context.Context, s subject) (podEvidence, []error) {
	ev := podEvidence{pods: map[string]bool{}}
	if g.Client == nil {
		return ev, []error{fmt.Errorf("events and logs of %s: no Kubernetes client", s.ref)}
	}
	var errs []error
	pods, err := g.revisionPods(ctx, s)
	if err != nil {
		errs = append(errs, fmt.Errorf("pods of %s revision %s: %w", s.ref, s.bad.Label(), err))
	}
	ev.present = pods
	uids := map[types.UID]bool{}
	for _, p := range pods {
		uids[p.UID] = true
		ev.pods[p.Name] = true
		statusSymptoms(p, &ev)
	}
	events, err := g.revisionEvents(ctx, s, uids)
	if err != nil {
		errs = append(errs, fmt.Errorf("events of %s revision %s: %w", s.ref, s.bad.Label(), err))
	}
	for _, e := range events {
		if e.InvolvedObject.Kind == "Pod" {
			ev.pods[e.InvolvedObject.Name] = true
		}
		eventSymptoms(e, &ev)
	}
	ev.events = keepEvents(events, g.Redactor)
	ev.oomPods = len(ev.bySymptom[symptomOOM])
	logs, logErrs := g.readLogs(ctx, failingPods(pods, g.logPods()))
	ev.logs = logs
	errs = append(errs, logErrs...)
	return ev, errs
}

// revisionPods lists the pods of the suspect revision still present: a
// Deployment's by the ReplicaSet's pod-template-hash (or its controller
// reference), a StatefulSet's or DaemonSet's by controller-revision-hash.
func (g *Gatherer) revisionPods(ctx context.Context, s subject) ([]*corev1.Pod, error) {
	opts := metav1.ListOptions{}
	if s.hist.Selector != nil {
		opts.LabelSelector = s.hist.Selector.String()
	}
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	list, err := g.Client.CoreV1().Pods(s.ref.Namespace).List(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for i := range list.Items {
		p := &list.Items[i]
		if ofRevision(p, s) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func ofRevision(p *corev1.Pod, s subject) bool {
	src := s.bad.Source
	if s.ref.Kind == rollout.Deployment {
		if src.Hash != "" && p.Labels[rollout.PodTemplateHashKey] == src.Hash {
			return true
		}
		owner := metav1.GetControllerOf(p)
		return owner != nil && owner.UID == src.UID
	}
	h := p.Labels[rollout.ControllerRevisionHashKey]
	return h != "" && (h == src.Hash || h == src.Name)
}

// revisionEvents lists the warning events of the suspect revision: of its
// ReplicaSet and its pods, including pods already gone (events outlive
// them): a Deployment's pods are named after the ReplicaSet. StatefulSet
// and DaemonSet pod names carry no revision, so for them the events of the
// workload's pods while the suspect revision was live count as well.
func (g *Gatherer) revisionEvents(ctx context.Context, s subject, uids map[types.UID]bool) ([]corev1.Event, error) {
	match := func(e *corev1.Event) bool {
		o := e.InvolvedObject
		if uids[o.UID] && o.UID != "" {
			return true
		}
		if s.ref.Kind == rollout.Deployment {
			rs := s.bad.Source.Name
			return (o.Kind == "ReplicaSet" && o.Name == rs) || (o.Kind == "Pod" && strings.HasPrefix(o.Name, rs+"-"))
		}
		if o.Kind != "Pod" || !workloadPod(s.ref, o.Name) {
			return false
		}
		t := eventTime(e)
		return !t.Before(s.deployed) && !t.After(s.recovered)
	}
	var out []corev1.Event
	opts := metav1.ListOptions{FieldSelector: "type=" + corev1.EventTypeWarning, Limit: eventPage}
	for range eventPages {
		list, err := g.listEvents(ctx, s.ref.Namespace, opts)
		if err != nil {
			return out, err
		}
		for i := range list.Items {
			e := &list.Items[i]
			if e.Type == corev1.EventTypeWarning && match(e) {
				out = append(out, *e)
			}
		}
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	slices.SortStableFunc(out, func(a, b corev1.Event) int { return eventTime(&a).Compare(eventTime(&b)) })
	return out, nil
}

func (g *Gatherer) listEvents(ctx context.Context, ns string, opts metav1.ListOptions) (*corev1.EventList, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return g.Client.CoreV1().Events(ns).List(ctx, opts)
}

// workloadPod reports whether a pod name is one of the workload's.
func workloadPod(ref rollout.Ref, name string) bool {
	re, err := metrics.PodRegex(string(ref.Kind), ref.Name)
	if err != nil {
		return false
	}
	ok, _ := regexp.MatchString("^(?:"+re+")$", name)
	return ok
}

// eventTime is when an event last happened.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.Time
	}
	return e.CreationTimestamp.Time
}

func eventCount(e *corev1.Event) int {
	if e.Series != nil && e.Series.Count > 0 {
		return int(e.Series.Count)
	}
	return int(max(e.Count, 1))
}

// keepEvents turns events into the report's, masked, oldest first, at
// most maxEvents: the first of each reason are kept before the rest, so a
// flood of one reason does not hide another.
func keepEvents(events []corev1.Event, r *redact.Redactor) []report.KubeEvent {
	keep := make([]bool, len(events))
	n, seen := 0, map[string]bool{}
	for i, e := range events {
		if !seen[e.Reason] && n < maxEvents {
			seen[e.Reason], keep[i] = true, true
			n++
		}
	}
	for i := range events {
		if !keep[i] && n < maxEvents {
			keep[i] = true
			n++
		}
	}
	var out []report.KubeEvent
	for i := range events {
		if !keep[i] {
			continue
		}
		e := &events[i]
		out = append(out, report.KubeEvent{
			Time:    eventTime(e),
			Object:  strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name,
			Reason:  r.String(e.Reason),
			Message: r.String(strings.TrimSpace(e.Message)),
			Count:   eventCount(e),
		})
	}
	return out
}

// imagePull reports whether reason is the kubelet's word for an image it
// cannot pull.
func imagePull(reason string) bool {
	switch reason {
	case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "InspectFailed":
		return true
	}
	return false
}

// statusSymptoms reads a present pod's container statuses.
func statusSymptoms(p *corev1.Pod, ev *podEvidence) {
	for _, cs := range slices.Concat(p.Status.InitContainerStatuses, p.Status.ContainerStatuses) {
		if t := cs.LastTerminationState.Terminated; t != nil && t.Reason == "OOMKilled" {
			ev.note(symptomOOM, p.Name)
		}
		if t := cs.State.Terminated; t != nil && t.Reason == "OOMKilled" {
			ev.note(symptomOOM, p.Name)
		}
		if w := cs.State.Waiting; w != nil {
			switch {
			case w.Reason == "CrashLoopBackOff":
				ev.note(symptomCrashLoop, p.Name)
			case imagePull(w.Reason):
				ev.note(symptomImagePull, p.Name)
			case w.Reason == "CreateContainerConfigError":
				ev.note(symptomConfig, p.Name)
			}
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			ev.note(symptomScheduling, p.Name)
		}
	}
}

// eventSymptoms reads what a warning event says about its pod.
func eventSymptoms(e corev1.Event, ev *podEvidence) {
	pod := e.InvolvedObject.Name
	if e.InvolvedObject.Kind != "Pod" {
		return
	}
	msg := e.Message
	switch {
	case e.Reason == "OOMKilling" || strings.Contains(msg, "OOMKilled"):
		ev.note(symptomOOM, pod)
	case e.Reason == "CrashLoopBackOff" || e.Reason == "BackOff" && strings.Contains(msg, "restarting failed container"):
		ev.note(symptomCrashLoop, pod)
	case imagePull(e.Reason) || strings.Contains(msg, "pulling image") ||
		strings.Contains(msg, "ErrImagePull") || strings.Contains(msg, "ImagePullBackOff") || strings.Contains(msg, "Failed to pull image"):
		ev.note(symptomImagePull, pod)
	case e.Reason == "Unhealthy":
		ev.note(symptomProbe, pod)
		ev.probes += eventCount(&e)
	case e.Reason == "FailedScheduling":
		ev.note(symptomScheduling, pod)
	case e.Reason == "Failed" && (strings.Contains(msg, "CreateContainerConfigError") || strings.Contains(msg, "not found")):
		ev.note(symptomConfig, pod)
	}
}

// failingPods are the present pods most worth reading the logs of: those
// with restarts or a container that is not running well, most restarts
// first, at most n.
func failingPods(pods []*corev1.Pod, n int) []*corev1.Pod {
	type scored struct {
		pod      *corev1.Pod
		restarts int32
	}
	var out []scored
	for _, p := range pods {
		restarts, failing := int32(0), false
		for _, cs := range p.Status.ContainerStatuses {
			restarts += cs.RestartCount
			failing = failing || cs.RestartCount > 0 || cs.State.Waiting != nil ||
				(cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0)
		}
		if failing {
			out = append(out, scored{p, restarts})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int { return cmp.Compare(b.restarts, a.restarts) })
	var pods2 []*corev1.Pod
	for i := range min(n, len(out)) {
		pods2 = append(pods2, out[i].pod)
	}
	return pods2
}
