package demo

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// The deployment controller's condition reasons.
const (
	reasonNewRSCreated  = "NewReplicaSetCreated"
	reasonFoundNewRS    = "FoundNewReplicaSet"
	reasonRSUpdated     = "ReplicaSetUpdated"
	reasonNewRSAvail    = "NewReplicaSetAvailable"
	reasonTimedOut      = "ProgressDeadlineExceeded"
	reasonPaused        = "DeploymentPaused"
	reasonResumed       = "DeploymentResumed"
	reasonMinAvailable  = "MinimumReplicasAvailable"
	reasonMinUnavailble = "MinimumReplicasUnavailable"

	// maxRevHistoryLengthInChars bounds revision-history as the controller does.
	maxRevHistoryLengthInChars = 2000
)

// annotationsToSkip are not copied from a Deployment to its ReplicaSets.
var annotationsToSkip = []string{
	corev1.LastAppliedConfigAnnotation,
	rollout.RevisionAnnotation,
	rollout.RevisionHistoryAnnotation,
	rollout.DesiredReplicasAnnotation,
	rollout.MaxReplicasAnnotation,
	appsv1.DeprecatedRollbackTo,
}

// syncReplicaSet is the ReplicaSet controller: as many pods as
// spec.replicas, and the status that counts them.
func (s *sim) syncReplicaSet(ctx context.Context, st *state, rs *appsv1.ReplicaSet, now time.Time) {
	if rs.DeletionTimestamp != nil {
		return
	}
	pods := livePods(owned(st.pods, rs.UID))
	want := int(replicasOf(rs.Spec.Replicas))
	switch {
	case len(pods) < want:
		for range want - len(pods) {
			s.createPod(ctx, st, rs, "ReplicaSet", "", rs.Name+"-", &rs.Spec.Template, nil, "")
		}
	case len(pods) > want:
		// Delete the pods that matter least: not ready first, then the newest.
		slices.SortStableFunc(pods, func(a, b *corev1.Pod) int {
			if ra, rb := podReady(a), podReady(b); ra != rb {
				if ra {
					return 1
				}
				return -1
			}
			return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
		})
		for _, p := range pods[:len(pods)-want] {
			s.deletePod(ctx, st, p)
		}
	}
	status := replicaSetStatus(rs, livePods(owned(st.pods, rs.UID)), now)
	if !reflect.DeepEqual(status, rs.Status) {
		c := rs.DeepCopy()
		c.Status = status
		if out, err := s.cs.AppsV1().ReplicaSets(c.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{}); s.ok(err) {
			*rs = *out
		}
	}
}

// replicaSetStatus counts a ReplicaSet's pods.
func replicaSetStatus(rs *appsv1.ReplicaSet, pods []*corev1.Pod, now time.Time) appsv1.ReplicaSetStatus {
	status := appsv1.ReplicaSetStatus{
		Replicas: int32(len(pods)), FullyLabeledReplicas: int32(len(pods)),
		ObservedGeneration: rs.Generation, Conditions: rs.Status.Conditions,
	}
	for _, p := range pods {
		if podReady(p) {
			status.ReadyReplicas++
		}
		if podAvailable(p, rs.Spec.MinReadySeconds, now) {
			status.AvailableReplicas++
		}
	}
	return status
}

// syncDeployment is one sync of the deployment controller (sync.go,
// rolling.go, recreate.go and progress.go of kube-controller-manager,
// condensed).
func (s *sim) syncDeployment(ctx context.Context, st *state, d *appsv1.Deployment, now time.Time) {
	if d.DeletionTimestamp != nil {
		return
	}
	rsList := slices.DeleteFunc(owned(st.rss, d.UID), func(rs *appsv1.ReplicaSet) bool { return rs.DeletionTimestamp != nil })
	newRS := findNewReplicaSet(d, rsList)
	oldRSs := slices.DeleteFunc(slices.Clone(rsList), func(rs *appsv1.ReplicaSet) bool { return rs == newRS })

	if newRS != nil {
		if !s.syncNewReplicaSet(ctx, d, newRS, oldRSs, now) {
			return
		}
	} else if !d.Spec.Paused && !(isRecreate(d) && anyPods(oldRSs)) {
		if newRS = s.createNewReplicaSet(ctx, st, d, oldRSs, now); newRS == nil {
			return
		}
	}
	allRSs := slices.Clone(oldRSs)
	if newRS != nil {
		allRSs = append(allRSs, newRS)
	}

	if d.Spec.Paused {
		s.syncDeploymentStatus(ctx, d, allRSs, newRS, now)
		return
	}
	if isRecreate(d) {
		for _, rs := range oldRSs {
			if replicasOf(rs.Spec.Replicas) > 0 {
				s.scaleReplicaSet(ctx, rs, 0, d, now)
			}
		}
		if newRS != nil && !anyPods(oldRSs) && replicasOf(newRS.Spec.Replicas) != replicasOf(d.Spec.Replicas) {
			s.scaleReplicaSet(ctx, newRS, replicasOf(d.Spec.Replicas), d, now)
		}
		s.syncRolloutStatus(ctx, d, allRSs, newRS, now)
		return
	}
	if s.reconcileNewReplicaSet(ctx, allRSs, newRS, d, now) || s.reconcileOldReplicaSets(ctx, allRSs, oldRSs, newRS, d, now) {
		s.syncRolloutStatus(ctx, d, allRSs, newRS, now)
		return
	}
	if deploymentComplete(d, &d.Status) {
		s.cleanupDeployment(ctx, st, oldRSs, d)
	}
	s.syncRolloutStatus(ctx, d, allRSs, newRS, now)
}

// findNewReplicaSet is deploymentutil.FindNewReplicaSet: the oldest owned
// ReplicaSet whose template equals the deployment's ignoring the hash.
func findNewReplicaSet(d *appsv1.Deployment, rsList []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	var found *appsv1.ReplicaSet
	for _, rs := range rsList {
		if !rollout.EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			continue
		}
		if found == nil || rs.CreationTimestamp.Before(&found.CreationTimestamp) ||
			(rs.CreationTimestamp.Equal(&found.CreationTimestamp) && rs.Name < found.Name) {
			found = rs
		}
	}
	return found
}

// syncNewReplicaSet is getNewReplicaSet's branch for an existing new
// ReplicaSet: it becomes revision max(old)+1 if it was older (a rollback),
// remembering its former number, takes the deployment's annotations, and
// the deployment records its revision.
func (s *sim) syncNewReplicaSet(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, oldRSs []*appsv1.ReplicaSet, now time.Time) bool {
	newRevision := maxRevision(oldRSs) + 1
	c := newRS.DeepCopy()
	changed := setNewReplicaSetAnnotations(d, c, newRevision, true)
	if changed || c.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
		c.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		out, err := s.cs.AppsV1().ReplicaSets(c.Namespace).Update(ctx, c, metav1.UpdateOptions{})
		if !s.ok(err) {
			return false
		}
		*newRS = *out
	}
	dc := d.DeepCopy()
	needsUpdate := setDeploymentRevision(dc, newRS.Annotations[rollout.RevisionAnnotation])
	if hasProgressDeadline(dc) && getCondition(dc.Status, appsv1.DeploymentProgressing) == nil {
		setCondition(&dc.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonFoundNewRS,
			fmt.Sprintf("Found new replica set %q", newRS.Name), now))
		needsUpdate = true
	}
	if needsUpdate {
		out, err := s.cs.AppsV1().Deployments(dc.Namespace).UpdateStatus(ctx, dc, metav1.UpdateOptions{})
		if !s.ok(err) {
			return false
		}
		*d = *out
	}
	return true
}

// createNewReplicaSet is getNewReplicaSet's branch without a new
// ReplicaSet: revision max(old)+1, named after the template hash.
func (s *sim) createNewReplicaSet(ctx context.Context, st *state, d *appsv1.Deployment, oldRSs []*appsv1.ReplicaSet, now time.Time) *appsv1.ReplicaSet {
	newRevision := maxRevision(oldRSs) + 1
	tmpl := d.Spec.Template.DeepCopy()
	hash := podTemplateHash(tmpl, d.Status.CollisionCount)
	tmpl.Labels = mergeMaps(tmpl.Labels, map[string]string{rollout.PodTemplateHashKey: hash})
	sel := d.Spec.Selector.DeepCopy()
	if sel == nil {
		sel = &metav1.LabelSelector{}
	}
	sel.MatchLabels = mergeMaps(sel.MatchLabels, map[string]string{rollout.PodTemplateHashKey: hash})
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name + "-" + hash, Namespace: d.Namespace, Labels: tmpl.Labels,
			OwnerReferences: []metav1.OwnerReference{controllerRef(d, "Deployment")},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: new(int32(0)), MinReadySeconds: d.Spec.MinReadySeconds, Selector: sel, Template: *tmpl},
	}
	count := replicasOf(d.Spec.Replicas)
	if !isRecreate(d) {
		count = newRSNewReplicas(d, append(slices.Clone(oldRSs), rs), rs)
	}
	rs.Spec.Replicas = new(count)
	setNewReplicaSetAnnotations(d, rs, newRevision, false)
	created, err := s.cs.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		existing, gerr := s.cs.AppsV1().ReplicaSets(d.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
		if gerr == nil && metav1.IsControlledBy(existing, d) && rollout.EqualIgnoreHash(&existing.Spec.Template, &d.Spec.Template) {
			return existing
		}
		// A hash collision: bump collisionCount and try again next pass.
		dc := d.DeepCopy()
		dc.Status.CollisionCount = new(int32(0))
		if d.Status.CollisionCount != nil {
			*dc.Status.CollisionCount = *d.Status.CollisionCount + 1
		} else {
			*dc.Status.CollisionCount = 1
		}
		if out, err := s.cs.AppsV1().Deployments(dc.Namespace).UpdateStatus(ctx, dc, metav1.UpdateOptions{}); s.ok(err) {
			*d = *out
		}
		return nil
	}
	if !s.ok(err) {
		return nil
	}
	st.rss = append(st.rss, created)
	if count > 0 {
		s.event(ctx, d, "Deployment", "deployment-controller", corev1.EventTypeNormal, "ScalingReplicaSet",
			fmt.Sprintf("Scaled up replica set %s from 0 to %d", created.Name, count), now)
	}
	dc := d.DeepCopy()
	setDeploymentRevision(dc, strconv.FormatInt(newRevision, 10))
	if hasProgressDeadline(dc) {
		setCondition(&dc.Status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", created.Name), now))
	}
	if out, err := s.cs.AppsV1().Deployments(dc.Namespace).UpdateStatus(ctx, dc, metav1.UpdateOptions{}); s.ok(err) {
		*d = *out
	}
	return created
}

// setNewReplicaSetAnnotations is deploymentutil.SetNewReplicaSetAnnotations.
func setNewReplicaSetAnnotations(d *appsv1.Deployment, rs *appsv1.ReplicaSet, newRevision int64, exists bool) bool {
	changed := false
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	for k, v := range d.Annotations {
		if slices.Contains(annotationsToSkip, k) {
			continue
		}
		if cur, ok := rs.Annotations[k]; ok && cur == v {
			continue
		}
		rs.Annotations[k] = v
		changed = true
	}
	oldRevision, had := rs.Annotations[rollout.RevisionAnnotation]
	oldInt, err := strconv.ParseInt(oldRevision, 10, 64)
	if err != nil {
		if oldRevision != "" {
			return false
		}
		oldInt = 0
	}
	if oldInt < newRevision {
		rs.Annotations[rollout.RevisionAnnotation] = strconv.FormatInt(newRevision, 10)
		changed = true
	}
	if had && oldInt < newRevision {
		history := rs.Annotations[rollout.RevisionHistoryAnnotation]
		old := strings.Split(history, ",")
		if len(old[0]) == 0 {
			rs.Annotations[rollout.RevisionHistoryAnnotation] = oldRevision
		} else {
			total := len(history) + len(oldRevision) + 1
			start := 0
			for total > maxRevHistoryLengthInChars && start < len(old) {
				total -= len(old[start]) + 1
				start++
			}
			if total <= maxRevHistoryLengthInChars {
				rs.Annotations[rollout.RevisionHistoryAnnotation] = strings.Join(append(old[start:], oldRevision), ",")
			}
		}
	}
	if !exists && setReplicasAnnotations(rs, replicasOf(d.Spec.Replicas), replicasOf(d.Spec.Replicas)+maxSurge(d)) {
		changed = true
	}
	return changed
}

func setReplicasAnnotations(rs *appsv1.ReplicaSet, desired, max int32) bool {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	changed := false
	for k, v := range map[string]string{
		rollout.DesiredReplicasAnnotation: strconv.Itoa(int(desired)),
		rollout.MaxReplicasAnnotation:     strconv.Itoa(int(max)),
	} {
		if rs.Annotations[k] != v {
			rs.Annotations[k] = v
			changed = true
		}
	}
	return changed
}

func setDeploymentRevision(d *appsv1.Deployment, revision string) bool {
	if d.Annotations[rollout.RevisionAnnotation] == revision {
		return false
	}
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[rollout.RevisionAnnotation] = revision
	return true
}

func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		if v, err := strconv.ParseInt(rs.Annotations[rollout.RevisionAnnotation], 10, 64); err == nil && v > m {
			m = v
		}
	}
	return m
}

func (s *sim) reconcileNewReplicaSet(ctx context.Context, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment, now time.Time) bool {
	want := replicasOf(d.Spec.Replicas)
	cur := replicasOf(newRS.Spec.Replicas)
	switch {
	case cur == want:
		return false
	case cur > want:
		return s.scaleReplicaSet(ctx, newRS, want, d, now)
	}
	return s.scaleReplicaSet(ctx, newRS, newRSNewReplicas(d, allRSs, newRS), d, now)
}

func (s *sim) reconcileOldReplicaSets(ctx context.Context, allRSs, oldRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment, now time.Time) bool {
	if sumSpec(oldRSs) == 0 {
		return false
	}
	minAvailable := replicasOf(d.Spec.Replicas) - maxUnavailable(d)
	newRSUnavailable := replicasOf(newRS.Spec.Replicas) - newRS.Status.AvailableReplicas
	maxScaledDown := sumSpec(allRSs) - minAvailable - newRSUnavailable
	if maxScaledDown <= 0 {
		return false
	}
	olds := slices.Clone(oldRSs)
	slices.SortStableFunc(olds, func(a, b *appsv1.ReplicaSet) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	// Clean up unhealthy replicas of old ReplicaSets first.
	var total int32
	for _, rs := range olds {
		if total >= maxScaledDown {
			break
		}
		spec := replicasOf(rs.Spec.Replicas)
		if spec == 0 || spec == rs.Status.AvailableReplicas {
			continue
		}
		n := min(maxScaledDown-total, spec-rs.Status.AvailableReplicas)
		if s.scaleReplicaSet(ctx, rs, spec-n, d, now) {
			total += n
		}
	}
	// Then scale down healthy ones while enough pods stay available.
	available := sumAvailable(allRSs)
	if available > minAvailable {
		budget := available - minAvailable
		var done int32
		for _, rs := range olds {
			if done >= budget {
				break
			}
			spec := replicasOf(rs.Spec.Replicas)
			if spec == 0 {
				continue
			}
			n := min(spec, budget-done)
			if s.scaleReplicaSet(ctx, rs, spec-n, d, now) {
				done += n
			}
		}
		total += done
	}
	return total > 0
}

// scaleReplicaSet sets a ReplicaSet's size and replica annotations and
// reports whether the size changed.
func (s *sim) scaleReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet, size int32, d *appsv1.Deployment, now time.Time) bool {
	from := replicasOf(rs.Spec.Replicas)
	c := rs.DeepCopy()
	c.Spec.Replicas = new(size)
	annotations := setReplicasAnnotations(c, replicasOf(d.Spec.Replicas), replicasOf(d.Spec.Replicas)+maxSurge(d))
	if from == size && !annotations {
		return false
	}
	out, err := s.cs.AppsV1().ReplicaSets(c.Namespace).Update(ctx, c, metav1.UpdateOptions{})
	if !s.ok(err) {
		return false
	}
	*rs = *out
	if from == size {
		return false
	}
	op := "up"
	if size < from {
		op = "down"
	}
	s.event(ctx, d, "Deployment", "deployment-controller", corev1.EventTypeNormal, "ScalingReplicaSet",
		fmt.Sprintf("Scaled %s replica set %s from %d to %d", op, rs.Name, from, size), now)
	return true
}

// cleanupDeployment deletes the oldest scaled-down ReplicaSets beyond
// revisionHistoryLimit.
func (s *sim) cleanupDeployment(ctx context.Context, st *state, oldRSs []*appsv1.ReplicaSet, d *appsv1.Deployment) {
	limit := int32(10)
	if d.Spec.RevisionHistoryLimit != nil {
		limit = *d.Spec.RevisionHistoryLimit
	}
	diff := int32(len(oldRSs)) - limit
	if diff <= 0 {
		return
	}
	olds := slices.Clone(oldRSs)
	slices.SortStableFunc(olds, func(a, b *appsv1.ReplicaSet) int {
		ra, _ := strconv.ParseInt(a.Annotations[rollout.RevisionAnnotation], 10, 64)
		rb, _ := strconv.ParseInt(b.Annotations[rollout.RevisionAnnotation], 10, 64)
		if ra != rb {
			return int(ra - rb)
		}
		return a.CreationTimestamp.Compare(b.CreationTimestamp.Time)
	})
	for _, rs := range olds[:diff] {
		if rs.Status.Replicas != 0 || replicasOf(rs.Spec.Replicas) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		err := s.cs.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) || s.ok(err) {
			uid := rs.UID
			st.rss = slices.DeleteFunc(st.rss, func(r *appsv1.ReplicaSet) bool { return r.UID == uid })
		}
	}
}

// syncDeploymentStatus is the paused deployment's status sync: counts and
// the paused condition, no progress deadline.
func (s *sim) syncDeploymentStatus(ctx context.Context, d *appsv1.Deployment, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) {
	status := calculateStatus(allRSs, newRS, d, now)
	s.pausedConditions(d, &status, now)
	s.writeDeploymentStatus(ctx, d, status)
}

// syncRolloutStatus is the rolling deployment's status sync with the
// Progressing condition and the progress deadline.
func (s *sim) syncRolloutStatus(ctx context.Context, d *appsv1.Deployment, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, now time.Time) {
	status := calculateStatus(allRSs, newRS, d, now)
	s.pausedConditions(d, &status, now)
	if !hasProgressDeadline(d) {
		removeCondition(&status, appsv1.DeploymentProgressing)
	}
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	complete := status.Replicas == status.UpdatedReplicas && cur != nil && cur.Reason == reasonNewRSAvail
	name := d.Name
	what := "Deployment"
	if newRS != nil {
		name, what = newRS.Name, "ReplicaSet"
	}
	if hasProgressDeadline(d) && !complete {
		switch {
		case deploymentComplete(d, &status):
			setCondition(&status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSAvail,
				fmt.Sprintf("%s %q has successfully progressed.", what, name), now))
		case deploymentProgressing(d, &status):
			c := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonRSUpdated,
				fmt.Sprintf("%s %q is progressing.", what, name), now)
			if cur != nil {
				if cur.Status == corev1.ConditionTrue {
					c.LastTransitionTime = cur.LastTransitionTime
				}
				removeCondition(&status, appsv1.DeploymentProgressing)
			}
			setCondition(&status, c)
		case deploymentTimedOut(d, &status, now):
			setCondition(&status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionFalse, reasonTimedOut,
				fmt.Sprintf("%s %q has timed out progressing.", what, name), now))
		}
	}
	s.writeDeploymentStatus(ctx, d, status)
}

func (s *sim) writeDeploymentStatus(ctx context.Context, d *appsv1.Deployment, status appsv1.DeploymentStatus) {
	if reflect.DeepEqual(d.Status, status) {
		return
	}
	c := d.DeepCopy()
	c.Status = status
	if out, err := s.cs.AppsV1().Deployments(c.Namespace).UpdateStatus(ctx, c, metav1.UpdateOptions{}); s.ok(err) {
		*d = *out
	}
}

// pausedConditions is checkPausedConditions.
func (s *sim) pausedConditions(d *appsv1.Deployment, status *appsv1.DeploymentStatus, now time.Time) {
	if !hasProgressDeadline(d) {
		return
	}
	cur := getCondition(*status, appsv1.DeploymentProgressing)
	if cur != nil && cur.Reason == reasonTimedOut {
		return
	}
	pausedExists := cur != nil && cur.Reason == reasonPaused
	switch {
	case d.Spec.Paused && !pausedExists:
		setCondition(status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonPaused, "Deployment is paused", now))
	case !d.Spec.Paused && pausedExists:
		setCondition(status, newCondition(appsv1.DeploymentProgressing, corev1.ConditionUnknown, reasonResumed, "Deployment is resumed", now))
	}
}

func calculateStatus(allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, d *appsv1.Deployment, now time.Time) appsv1.DeploymentStatus {
	available := sumAvailable(allRSs)
	unavailable := max(sumSpec(allRSs)-available, 0)
	st := appsv1.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		UnavailableReplicas: unavailable, AvailableReplicas: available,
		CollisionCount: d.Status.CollisionCount,
	}
	for _, rs := range allRSs {
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
	}
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	for _, c := range d.Status.Conditions {
		st.Conditions = append(st.Conditions, c)
	}
	if available >= replicasOf(d.Spec.Replicas)-maxUnavailable(d) {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, reasonMinAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse, reasonMinUnavailble, "Deployment does not have minimum availability.", now))
	}
	return st
}

func deploymentComplete(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	want := replicasOf(d.Spec.Replicas)
	return st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas == want && st.ObservedGeneration >= d.Generation
}

func deploymentProgressing(d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	old := d.Status
	return st.UpdatedReplicas > old.UpdatedReplicas ||
		st.Replicas-st.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		st.ReadyReplicas > old.ReadyReplicas ||
		st.AvailableReplicas > old.AvailableReplicas
}

func deploymentTimedOut(d *appsv1.Deployment, st *appsv1.DeploymentStatus, now time.Time) bool {
	c := getCondition(*st, appsv1.DeploymentProgressing)
	if c == nil || c.Reason == reasonNewRSAvail {
		return false
	}
	if c.Reason == reasonTimedOut {
		return true
	}
	deadline := time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
	return c.LastUpdateTime.Add(deadline).Before(now)
}

func hasProgressDeadline(d *appsv1.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != int32(^uint32(0)>>1)
}

func newCondition(t appsv1.DeploymentConditionType, status corev1.ConditionStatus, reason, message string, now time.Time) appsv1.DeploymentCondition {
	ts := metav1.NewTime(now)
	return appsv1.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: message, LastUpdateTime: ts, LastTransitionTime: ts}
}

func getCondition(st appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setCondition is deploymentutil.SetDeploymentCondition: same status and
// reason keeps the existing condition; same status keeps its transition time.
func setCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(*st, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(st, c.Type)
	st.Conditions = append(st.Conditions, c)
}

func removeCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	st.Conditions = slices.DeleteFunc(slices.Clone(st.Conditions), func(c appsv1.DeploymentCondition) bool { return c.Type == t })
}

// newRSNewReplicas is deploymentutil.NewRSNewReplicas for RollingUpdate.
func newRSNewReplicas(d *appsv1.Deployment, allRSs []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	want := replicasOf(d.Spec.Replicas)
	current := sumSpec(allRSs)
	maxTotal := want + maxSurge(d)
	if current >= maxTotal {
		return replicasOf(newRS.Spec.Replicas)
	}
	return replicasOf(newRS.Spec.Replicas) + min(maxTotal-current, want-replicasOf(newRS.Spec.Replicas))
}

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down), defaulting both to 25% as the API server does.
func fenceposts(d *appsv1.Deployment) (surge, unavailable int32) {
	if isRecreate(d) {
		return 0, 0
	}
	def := intstr.FromString("25%")
	ms, mu := &def, &def
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			ms = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			mu = ru.MaxUnavailable
		}
	}
	want := int(replicasOf(d.Spec.Replicas))
	s, _ := intstr.GetScaledValueFromIntOrPercent(ms, want, true)
	u, _ := intstr.GetScaledValueFromIntOrPercent(mu, want, false)
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u)
}

func maxSurge(d *appsv1.Deployment) int32 {
	s, _ := fenceposts(d)
	return s
}

func maxUnavailable(d *appsv1.Deployment) int32 {
	if replicasOf(d.Spec.Replicas) == 0 {
		return 0
	}
	_, u := fenceposts(d)
	return min(u, replicasOf(d.Spec.Replicas))
}

func isRecreate(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType
}

func anyPods(rss []*appsv1.ReplicaSet) bool {
	for _, rs := range rss {
		if replicasOf(rs.Spec.Replicas) > 0 || rs.Status.Replicas > 0 {
			return true
		}
	}
	return false
}

func sumSpec(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += replicasOf(rs.Spec.Replicas)
	}
	return n
}

func sumAvailable(rss []*appsv1.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rs.Status.AvailableReplicas
	}
	return n
}

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
