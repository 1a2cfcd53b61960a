package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/strategicpatch"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// revisionFor finds or makes the ControllerRevision that records the
// workload's current template, as the StatefulSet and DaemonSet controllers
// do: the newest revision with equal data is reused, renumbered to
// max(other revisions)+1 when it is older than one of them (a rollback);
// without one, a new revision max+1 is created. name gives a new
// revision's name and hash label.
func (s *sim) revisionFor(ctx context.Context, st *state, owner metav1.Object, kind string, data []byte,
	templateLabels map[string]string, name func([]byte) (string, string)) *appsv1.ControllerRevision {
	var cur *appsv1.ControllerRevision
	var next int64 = 1
	for _, cr := range owned(st.crs, owner.GetUID()) {
		if bytes.Equal(cr.Data.Raw, data) {
			if cur == nil || cr.Revision > cur.Revision {
				cur = cr
			}
		} else if cr.Revision >= next {
			next = cr.Revision + 1
		}
	}
	if cur != nil {
		if cur.Revision < next {
			c := cur.DeepCopy()
			c.Revision = next
			out, err := s.cs.AppsV1().ControllerRevisions(c.Namespace).Update(ctx, c, metav1.UpdateOptions{})
			if !s.ok(err) {
				return nil
			}
			*cur = *out
		}
		return cur
	}
	crName, hash := name(data)
	cr := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name: crName, Namespace: owner.GetNamespace(),
			Labels:          mergeMaps(templateLabels, map[string]string{rollout.ControllerRevisionHashKey: hash}),
			Annotations:     mergeMaps(owner.GetAnnotations(), nil),
			OwnerReferences: []metav1.OwnerReference{controllerRef(owner, kind)},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: next,
	}
	out, err := s.cs.AppsV1().ControllerRevisions(cr.Namespace).Create(ctx, cr, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil // a hash collision; not simulated further
	}
	if !s.ok(err) {
		return nil
	}
	st.crs = append(st.crs, out)
	return out
}

// truncateHistory deletes the oldest revisions beyond limit that no live
// pod runs and that are not kept.
func (s *sim) truncateHistory(ctx context.Context, st *state, owner metav1.Object, limit *int32, podHash func(*corev1.Pod) string, keep ...string) {
	max := int32(10)
	if limit != nil {
		max = *limit
	}
	inUse := map[string]bool{}
	for _, k := range keep {
		inUse[k] = true
	}
	for _, p := range livePods(owned(st.pods, owner.GetUID())) {
		inUse[podHash(p)] = true
	}
	var candidates []*appsv1.ControllerRevision
	for _, cr := range owned(st.crs, owner.GetUID()) {
		if !inUse[cr.Name] && !inUse[cr.Labels[rollout.ControllerRevisionHashKey]] {
			candidates = append(candidates, cr)
		}
	}
	if int32(len(candidates)) <= max {
		return
	}
	slices.SortStableFunc(candidates, func(a, b *appsv1.ControllerRevision) int { return int(a.Revision - b.Revision) })
	for _, cr := range candidates[:int32(len(candidates))-max] {
		if s.ok(s.cs.AppsV1().ControllerRevisions(cr.Namespace).Delete(ctx, cr.Name, metav1.DeleteOptions{})) {
			uid := cr.UID
			st.crs = slices.DeleteFunc(st.crs, func(c *appsv1.ControllerRevision) bool { return c.UID == uid })
		}
	}
}

// syncStatefulSet is the StatefulSet controller with OrderedReady pod
// management: pods are created in ordinal order, each once its
// predecessors are running and ready, and a rolling update replaces pods
// from the highest ordinal down, one at a time.
func (s *sim) syncStatefulSet(ctx context.Context, st *state, set *appsv1.StatefulSet, now time.Time) {
	if set.DeletionTimestamp != nil {
		return
	}
	data, err := templatePatch(set)
	if err != nil {
		return
	}
	collisions := int32(0)
	if set.Status.CollisionCount != nil {
		collisions = *set.Status.CollisionCount
	}
	update := s.revisionFor(ctx, st, set, "StatefulSet", data, set.Spec.Template.Labels, func(data []byte) (string, string) {
		hash := controllerRevisionHash(data, &collisions)
		return set.Name + "-" + hash, hash
	})
	if update == nil {
		return
	}
	currentName := set.Status.CurrentRevision
	if currentName == "" {
		currentName = update.Name
	}
	replicas := int(replicasOf(set.Spec.Replicas))
	partition := 0
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = int(*ru.Partition)
	}
	pods := livePods(owned(st.pods, set.UID))
	byOrdinal := map[int]*corev1.Pod{}
	for _, p := range pods {
		byOrdinal[ordinal(set.Name, p.Name)] = p
	}
	allReady := true
	for ord := range replicas {
		p := byOrdinal[ord]
		if p == nil {
			rev, from := update.Name, set
			if ord < partition && currentName != update.Name {
				// Below the partition, pods are made from the current revision.
				if cur := revisionSet(set, owned(st.crs, set.UID), currentName); cur != nil {
					rev, from = currentName, cur
				}
			}
			s.createPod(ctx, st, set, "StatefulSet", fmt.Sprintf("%s-%d", set.Name, ord), "", statefulSetPod(from, ord),
				statefulSetPodLabels(set, ord, rev), "")
			allReady = false
			break
		}
		if p.Status.Phase != corev1.PodRunning || !podReady(p) {
			allReady = false
			break
		}
	}
	if allReady {
		// Scale down from the highest ordinal, one at a time.
		var condemned *corev1.Pod
		for _, p := range pods {
			if o := ordinal(set.Name, p.Name); o >= replicas && (condemned == nil || o > ordinal(set.Name, condemned.Name)) {
				condemned = p
			}
		}
		if condemned != nil {
			s.deletePod(ctx, st, condemned)
		} else if set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType {
			for ord := replicas - 1; ord >= partition; ord-- {
				if p := byOrdinal[ord]; p != nil && p.Labels[rollout.ControllerRevisionHashKey] != update.Name {
					s.deletePod(ctx, st, p)
					break
				}
			}
		}
	}
	status := statefulSetStatus(set, livePods(owned(st.pods, set.UID)), currentName, update.Name, collisions, now)
	if !reflect.DeepEqual(status, set.Status) {
		c := set.DeepCopy()
		c.Status = status
		if out, err := s.cs.AppsV1().StatefulSets(c.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{}); s.ok(err) {
			*set = *out
		}
	}
	s.truncateHistory(ctx, st, set, set.Spec.RevisionHistoryLimit,
		func(p *corev1.Pod) string { return p.Labels[rollout.ControllerRevisionHashKey] }, status.CurrentRevision, status.UpdateRevision)
}

// revisionSet is set with the template recorded by its revision name (the
// controller's ApplyRevision), or nil.
func revisionSet(set *appsv1.StatefulSet, crs []*appsv1.ControllerRevision, name string) *appsv1.StatefulSet {
	for _, cr := range crs {
		if cr.Name != name {
			continue
		}
		current, err := json.Marshal(set)
		if err != nil {
			return nil
		}
		patched, err := strategicpatch.StrategicMergePatch(current, cr.Data.Raw, set)
		if err != nil {
			return nil
		}
		out := &appsv1.StatefulSet{}
		if json.Unmarshal(patched, out) != nil {
			return nil
		}
		return out
	}
	return nil
}

// syncDaemonSet is the DaemonSet controller: one pod per node, and a
// rolling update that replaces at most maxUnavailable pods at a time.
func (s *sim) syncDaemonSet(ctx context.Context, st *state, ds *appsv1.DaemonSet, now time.Time) {
	if ds.DeletionTimestamp != nil {
		return
	}
	data, err := templatePatch(ds)
	if err != nil {
		return
	}
	cur := s.revisionFor(ctx, st, ds, "DaemonSet", data, ds.Spec.Template.Labels, func([]byte) (string, string) {
		hash := podTemplateHash(&ds.Spec.Template, ds.Status.CollisionCount)
		return ds.Name + "-" + hash, hash
	})
	if cur == nil {
		return
	}
	hash := cur.Labels[rollout.ControllerRevisionHashKey]
	podsByNode := map[string][]*corev1.Pod{}
	for _, p := range livePods(owned(st.pods, ds.UID)) {
		podsByNode[p.Spec.NodeName] = append(podsByNode[p.Spec.NodeName], p)
	}
	desired := len(st.nodes)
	maxUnavail := 1
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.MaxUnavailable != nil {
		maxUnavail, _ = intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
	}
	unavailable := 0
	var oldAvailable, oldUnavailable []*corev1.Pod
	for _, n := range st.nodes {
		pods := podsByNode[n.Name]
		if len(pods) == 0 {
			s.createPod(ctx, st, ds, "DaemonSet", "", ds.Name+"-", &ds.Spec.Template, map[string]string{
				rollout.ControllerRevisionHashKey: hash,
				"pod-template-generation":         strconv.FormatInt(ds.Generation, 10),
			}, n.Name)
			unavailable++
			continue
		}
		for _, extra := range pods[1:] {
			s.deletePod(ctx, st, extra)
		}
		p := pods[0]
		avail := podAvailable(p, ds.Spec.MinReadySeconds, now)
		if !avail {
			unavailable++
		}
		if p.Labels[rollout.ControllerRevisionHashKey] != hash {
			if avail {
				oldAvailable = append(oldAvailable, p)
			} else {
				oldUnavailable = append(oldUnavailable, p)
			}
		}
	}
	if ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType {
		for _, p := range oldUnavailable {
			s.deletePod(ctx, st, p)
		}
		for _, p := range oldAvailable {
			if unavailable >= maxUnavail {
				break
			}
			s.deletePod(ctx, st, p)
			unavailable++
		}
	}
	status := daemonSetStatus(ds, livePods(owned(st.pods, ds.UID)), hash, len(st.nodes), now)
	if !reflect.DeepEqual(status, ds.Status) {
		c := ds.DeepCopy()
		c.Status = status
		if out, err := s.cs.AppsV1().DaemonSets(c.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{}); s.ok(err) {
			*ds = *out
		}
	}
	s.truncateHistory(ctx, st, ds, ds.Spec.RevisionHistoryLimit,
		func(p *corev1.Pod) string { return p.Labels[rollout.ControllerRevisionHashKey] }, cur.Name)
}

// statefulSetStatus counts a StatefulSet's pods; once every pod runs the
// update revision and is ready, the update revision becomes current.
func statefulSetStatus(set *appsv1.StatefulSet, pods []*corev1.Pod, currentName, updateName string, collisions int32, now time.Time) appsv1.StatefulSetStatus {
	status := appsv1.StatefulSetStatus{
		ObservedGeneration: set.Generation, Replicas: int32(len(pods)),
		CurrentRevision: currentName, UpdateRevision: updateName,
		CollisionCount: new(collisions), Conditions: set.Status.Conditions,
	}
	for _, p := range pods {
		if podReady(p) {
			status.ReadyReplicas++
		}
		if podAvailable(p, set.Spec.MinReadySeconds, now) {
			status.AvailableReplicas++
		}
		if p.Labels[rollout.ControllerRevisionHashKey] == currentName {
			status.CurrentReplicas++
		}
		if p.Labels[rollout.ControllerRevisionHashKey] == updateName {
			status.UpdatedReplicas++
		}
	}
	if status.UpdatedReplicas == status.Replicas && status.ReadyReplicas == status.Replicas && status.Replicas == replicasOf(set.Spec.Replicas) {
		status.CurrentRevision = status.UpdateRevision
		status.CurrentReplicas = status.UpdatedReplicas
	}
	return status
}

// daemonSetStatus counts a DaemonSet's pods against the desired nodes.
func daemonSetStatus(ds *appsv1.DaemonSet, pods []*corev1.Pod, hash string, desired int, now time.Time) appsv1.DaemonSetStatus {
	status := appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, DesiredNumberScheduled: int32(desired),
		CollisionCount: ds.Status.CollisionCount, Conditions: ds.Status.Conditions}
	for _, p := range pods {
		status.CurrentNumberScheduled++
		if podReady(p) {
			status.NumberReady++
		}
		if podAvailable(p, ds.Spec.MinReadySeconds, now) {
			status.NumberAvailable++
		}
		if p.Labels[rollout.ControllerRevisionHashKey] == hash {
			status.UpdatedNumberScheduled++
		}
	}
	status.NumberUnavailable = max(status.DesiredNumberScheduled-status.NumberAvailable, 0)
	return status
}
