package rollout

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// Annotations and labels the controllers and kubectl use.
const (
	RevisionAnnotation        = "deployment.kubernetes.io/revision"
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	ChangeCauseAnnotation     = "kubernetes.io/change-cause"
	ControllerRevisionHashKey = appsv1.ControllerRevisionHashLabelKey
	PodTemplateHashKey        = appsv1.DefaultDeploymentUniqueLabelKey
)

// ContainerImage is one container's image in a revision.
type ContainerImage struct {
	Container string `json:"container"`
	Image     string `json:"image"`
	Init      bool   `json:"init,omitempty"`
}

// ObjectID identifies the object that records a revision (a ReplicaSet or a
// ControllerRevision). Revision numbers move when the controller reuses an
// old ReplicaSet, so a plan targets the object by UID and hash instead.
type ObjectID struct {
	Kind string    `json:"kind"`
	Name string    `json:"name"`
	UID  types.UID `json:"uid"`
	Hash string    `json:"hash,omitempty"`
}

// Revision is one entry of a workload's rollout history.
type Revision struct {
	Number int64 `json:"revision"`
	// FormerNumbers are the numbers this revision had before the controller
	// renumbered it (deployment.kubernetes.io/revision-history).
	FormerNumbers []int64          `json:"formerRevisions,omitempty"`
	Created       time.Time        `json:"created"`
	Images        []ContainerImage `json:"images"`
	ChangeCause   string           `json:"changeCause,omitempty"`
	// Ready and Desired are the replicas (pods) running this revision now.
	Ready   int32    `json:"ready"`
	Desired int32    `json:"desired"`
	Current bool     `json:"current"`
	Source  ObjectID `json:"source"`
	// Template is the pod template the revision records, as stored (for
	// Deployments it still carries the pod-template-hash label). It may be
	// shared with the informer cache: read only.
	Template *corev1.PodTemplateSpec `json:"-"`
	// Data is the ControllerRevision's patch (StatefulSet, DaemonSet).
	Data []byte `json:"-"`
	// Annotations of the ReplicaSet or ControllerRevision (read only).
	Annotations map[string]string `json:"-"`
}

// Label is the number with the numbers the revision had before the
// controller renumbered it: "7 (was 5)", "6 (was 2,4)".
func (r *Revision) Label() string {
	s := strconv.FormatInt(r.Number, 10)
	if len(r.FormerNumbers) > 0 {
		former := make([]string, len(r.FormerNumbers))
		for i, n := range r.FormerNumbers {
			former[i] = strconv.FormatInt(n, 10)
		}
		s += " (was " + strings.Join(former, ",") + ")"
	}
	return s
}

// History is a workload's revisions, oldest first, with the workload's
// current state.
type History struct {
	Workload        Ref                    `json:"workload"`
	UID             types.UID              `json:"uid"`
	ResourceVersion string                 `json:"resourceVersion"`
	Generation      int64                  `json:"generation"`
	Current         int64                  `json:"currentRevision"`
	Paused          bool                   `json:"paused,omitempty"`
	Revisions       []Revision             `json:"revisions"`
	Template        corev1.PodTemplateSpec `json:"-"`
	Status          Status                 `json:"status"`
	// Object is the workload as read (shared with the cache: read only).
	Object metav1.Object `json:"-"`
	// Selector is the workload's parsed label selector.
	Selector labels.Selector `json:"-"`
}

// Find returns the revision with the given number.
func (h *History) Find(number int64) (*Revision, bool) {
	for i := range h.Revisions {
		if h.Revisions[i].Number == number {
			return &h.Revisions[i], true
		}
	}
	return nil, false
}

// FindByUID returns the revision recorded by the object with this UID.
func (h *History) FindByUID(uid types.UID) (*Revision, bool) {
	for i := range h.Revisions {
		if h.Revisions[i].Source.UID == uid {
			return &h.Revisions[i], true
		}
	}
	return nil, false
}

// NotFoundError says a workload does not exist.
type NotFoundError struct{ Ref Ref }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s not found in namespace %q", e.Ref, e.Ref.Namespace)
}

// GetHistory reads a workload and its revision history.
func GetHistory(ctx context.Context, r Reader, ref Ref) (*History, error) {
	switch ref.Kind {
	case Deployment:
		d, err := r.Deployment(ctx, ref.Namespace, ref.Name)
		if err != nil {
			return nil, wrapGet(ref, err)
		}
		return deploymentHistory(ctx, r, d)
	case StatefulSet:
		s, err := r.StatefulSet(ctx, ref.Namespace, ref.Name)
		if err != nil {
			return nil, wrapGet(ref, err)
		}
		return statefulSetHistory(ctx, r, s)
	case DaemonSet:
		d, err := r.DaemonSet(ctx, ref.Namespace, ref.Name)
		if err != nil {
			return nil, wrapGet(ref, err)
		}
		return daemonSetHistory(ctx, r, d)
	}
	return nil, fmt.Errorf("unsupported kind %q", ref.Kind)
}

func deploymentHistory(ctx context.Context, r Reader, d *appsv1.Deployment) (*History, error) {
	ref := Ref{Kind: Deployment, Namespace: d.Namespace, Name: d.Name}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("%s has an invalid selector: %w", ref, err)
	}
	rss, err := r.ReplicaSetsFor(ctx, d, sel)
	if err != nil {
		return nil, fmt.Errorf("listing ReplicaSets of %s: %w", ref, err)
	}
	h := &History{
		Workload: ref, UID: d.UID, ResourceVersion: d.ResourceVersion, Generation: d.Generation,
		Paused: d.Spec.Paused, Template: d.Spec.Template,
		Object: d, Selector: sel,
	}
	// The current revision is the oldest ReplicaSet whose template equals the
	// deployment's (kubectl's FindNewReplicaSet).
	var current *appsv1.ReplicaSet
	for _, rs := range rss {
		if EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			if current == nil || olderRS(rs, current) {
				current = rs
			}
		}
	}
	for _, rs := range rss {
		n, err := revisionOf(rs.Annotations)
		if err != nil {
			continue // kubectl ignores ReplicaSets without a valid revision
		}
		rev := Revision{
			Number:        n,
			FormerNumbers: parseRevisionHistory(rs.Annotations[RevisionHistoryAnnotation]),
			Created:       rs.CreationTimestamp.Time,
			Images:        imagesOf(&rs.Spec.Template.Spec),
			ChangeCause:   rs.Annotations[ChangeCauseAnnotation],
			Ready:         rs.Status.ReadyReplicas,
			Desired:       deref(rs.Spec.Replicas),
			Current:       rs == current,
			Source:        ObjectID{Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Hash: rs.Labels[PodTemplateHashKey]},
			Template:      &rs.Spec.Template,
			Annotations:   rs.Annotations,
		}
		if rev.Current {
			h.Current = n
		}
		h.Revisions = append(h.Revisions, rev)
	}
	sortRevisions(h.Revisions)
	newRS := ""
	if current != nil {
		newRS = current.Name
	}
	h.Status = DeploymentStatusFor(d, newRS)
	return h, nil
}

func statefulSetHistory(ctx context.Context, r Reader, s *appsv1.StatefulSet) (*History, error) {
	ref := Ref{Kind: StatefulSet, Namespace: s.Namespace, Name: s.Name}
	h := &History{
		Workload: ref, UID: s.UID, ResourceVersion: s.ResourceVersion, Generation: s.Generation,
		Template: s.Spec.Template, Status: StatefulSetStatus(s), Object: s,
	}
	currentPatch, err := statefulSetPatch(s)
	if err != nil {
		return nil, err
	}
	return controllerRevisionHistory(ctx, r, h, s.Spec.Selector, s.Status.UpdateRevision, currentPatch,
		func(podHash string, cr *appsv1.ControllerRevision) bool { return podHash == cr.Name })
}

func daemonSetHistory(ctx context.Context, r Reader, d *appsv1.DaemonSet) (*History, error) {
	ref := Ref{Kind: DaemonSet, Namespace: d.Namespace, Name: d.Name}
	h := &History{
		Workload: ref, UID: d.UID, ResourceVersion: d.ResourceVersion, Generation: d.Generation,
		Template: d.Spec.Template, Status: DaemonSetStatus(d), Object: d,
	}
	currentPatch, err := daemonSetPatch(d)
	if err != nil {
		return nil, err
	}
	return controllerRevisionHistory(ctx, r, h, d.Spec.Selector, "", currentPatch,
		func(podHash string, cr *appsv1.ControllerRevision) bool {
			return podHash == cr.Labels[ControllerRevisionHashKey] || podHash == cr.Name
		})
}

// controllerRevisionHistory fills h from the ControllerRevisions owned by
// h.Object. A revision is current when its data equals the workload's own
// template patch (the test kubectl uses to skip a rollback), else when it is
// the status' update revision.
func controllerRevisionHistory(ctx context.Context, r Reader, h *History, ls *metav1.LabelSelector,
	updateRevision string, currentPatch []byte, podMatches func(string, *appsv1.ControllerRevision) bool) (*History, error) {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, fmt.Errorf("%s has an invalid selector: %w", h.Workload, err)
	}
	h.Selector = sel
	crs, err := r.ControllerRevisionsFor(ctx, h.Object, sel)
	if err != nil {
		return nil, fmt.Errorf("listing ControllerRevisions of %s: %w", h.Workload, err)
	}
	pods, err := r.PodsFor(ctx, h.Object, sel)
	if err != nil {
		return nil, fmt.Errorf("listing pods of %s: %w", h.Workload, err)
	}
	for _, cr := range crs {
		tmpl, err := templateFromRevision(h.Workload.Kind, h.Object, cr)
		if err != nil {
			return nil, fmt.Errorf("reading %s revision %d (%s): %w", h.Workload, cr.Revision, cr.Name, err)
		}
		rev := Revision{
			Number:      cr.Revision,
			Created:     cr.CreationTimestamp.Time,
			Images:      imagesOf(&tmpl.Spec),
			ChangeCause: cr.Annotations[ChangeCauseAnnotation],
			Source:      ObjectID{Kind: "ControllerRevision", Name: cr.Name, UID: cr.UID, Hash: cr.Labels[ControllerRevisionHashKey]},
			Template:    tmpl,
			Data:        cr.Data.Raw,
			Annotations: cr.Annotations,
		}
		for _, p := range pods {
			if p.DeletionTimestamp != nil || !podMatches(p.Labels[ControllerRevisionHashKey], cr) {
				continue
			}
			rev.Desired++
			if podReady(p) {
				rev.Ready++
			}
		}
		h.Revisions = append(h.Revisions, rev)
	}
	sortRevisions(h.Revisions)
	for i := range h.Revisions {
		if string(h.Revisions[i].Data) == string(currentPatch) {
			h.Revisions[i].Current = true
		}
	}
	// Equal data may appear twice only in odd histories; keep the newest.
	h.Current = 0
	for i := len(h.Revisions) - 1; i >= 0; i-- {
		if h.Revisions[i].Current {
			if h.Current == 0 {
				h.Current = h.Revisions[i].Number
			} else {
				h.Revisions[i].Current = false
			}
		}
	}
	if h.Current == 0 && updateRevision != "" {
		for i := range h.Revisions {
			if h.Revisions[i].Source.Name == updateRevision {
				h.Revisions[i].Current = true
				h.Current = h.Revisions[i].Number
			}
		}
	}
	return h, nil
}

func sortRevisions(revs []Revision) {
	slices.SortStableFunc(revs, func(a, b Revision) int {
		if a.Number != b.Number {
			if a.Number < b.Number {
				return -1
			}
			return 1
		}
		return a.Created.Compare(b.Created)
	})
}

func revisionOf(annotations map[string]string) (int64, error) {
	v, ok := annotations[RevisionAnnotation]
	if !ok {
		return 0, fmt.Errorf("no revision annotation")
	}
	return strconv.ParseInt(v, 10, 64)
}

func parseRevisionHistory(s string) []int64 {
	if s == "" {
		return nil
	}
	var out []int64
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func imagesOf(spec *corev1.PodSpec) []ContainerImage {
	out := make([]ContainerImage, 0, len(spec.Containers)+len(spec.InitContainers))
	for _, c := range spec.InitContainers {
		out = append(out, ContainerImage{Container: c.Name, Image: c.Image, Init: true})
	}
	for _, c := range spec.Containers {
		out = append(out, ContainerImage{Container: c.Name, Image: c.Image})
	}
	return out
}

func olderRS(a, b *appsv1.ReplicaSet) bool {
	if a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.Name < b.Name
	}
	return a.CreationTimestamp.Before(&b.CreationTimestamp)
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func deref(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
