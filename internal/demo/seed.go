package demo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// seeder builds the shop as the controllers would have left it after its
// history, and stores it without going through the controllers: seeding
// costs a few milliseconds and needs no running simulation.
type seeder struct {
	api *apiServer
	sim *sim
	now time.Time
	st  *state
	err error
}

func seed(api *apiServer, s *sim, now time.Time) error {
	b := &seeder{api: api, sim: s, now: now, st: &state{nodeByName: map[string]*corev1.Node{}}}
	b.namespaces()
	b.nodes()
	for _, d := range shopDeployments() {
		b.deployment(d)
	}
	for _, set := range shopStatefulSets() {
		b.statefulSet(set)
	}
	for _, ds := range shopDaemonSets() {
		b.daemonSet(ds)
	}
	b.autoscaler()
	return b.err
}

func (b *seeder) add(obj runtime.Object) {
	if b.err == nil {
		if err := b.api.add(obj); err != nil {
			b.err = fmt.Errorf("demo: seeding: %w", err)
		}
	}
}

func (b *seeder) at(ago time.Duration) metav1.Time { return metav1.NewTime(b.now.Add(-ago)) }

func objectMeta(labels, annotations map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: mergeMaps(labels, nil), Annotations: mergeMaps(annotations, nil)}
}

func (b *seeder) namespaces() {
	for _, name := range []string{"default", "kube-node-lease", "kube-public", "kube-system", Namespace} {
		b.add(&corev1.Namespace{
			ObjectMeta: metav1.ObjectMeta{Name: name, UID: b.api.newUID(), CreationTimestamp: b.at(41 * day),
				Labels: map[string]string{"kubernetes.io/metadata.name": name}},
			Spec:   corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		})
	}
}

func (b *seeder) nodes() {
	for i, n := range shopNodes {
		created := b.at(time.Duration(33-i) * day)
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n.name, UID: b.api.newUID(), CreationTimestamp: created, Labels: map[string]string{
				"kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
				"node.kubernetes.io/instance-type": "m7i.2xlarge", "topology.kubernetes.io/zone": n.zone,
				"topology.kubernetes.io/region": "eu-west-1",
			}},
			Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", i), PodCIDRs: []string{fmt.Sprintf("10.244.%d.0/24", i)},
				ProviderID: "aws:///" + n.zone + "/i-0" + strings.Repeat(strconv.Itoa(i+3), 16)},
			Status: corev1.NodeStatus{
				Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi"), corev1.ResourcePods: resource.MustParse("110")},
				Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("7910m"), corev1.ResourceMemory: resource.MustParse("31Gi"), corev1.ResourcePods: resource.MustParse("110")},
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
					Message: "kubelet is posting ready status", LastHeartbeatTime: metav1.NewTime(b.now.Add(-17 * time.Second)), LastTransitionTime: created}},
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.ip}, {Type: corev1.NodeHostName, Address: n.name}},
				NodeInfo: corev1.NodeSystemInfo{KubeletVersion: ServerVersion, OSImage: "Debian GNU/Linux 13 (trixie)", KernelVersion: "6.12.48-1-cloud-amd64",
					ContainerRuntimeVersion: "containerd://2.1.4", OperatingSystem: "linux", Architecture: "amd64"},
			},
		}
		b.st.nodes = append(b.st.nodes, node)
		b.st.nodeByName[node.Name] = node
		b.add(node)
	}
}

// pod creates a pod of owner as the owning controller would have, with
// the status the simulated kubelet reports now.
func (b *seeder) pod(owner metav1.Object, kind, name string, tmpl *corev1.PodTemplateSpec, extra map[string]string, node string, created time.Time) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: owner.GetNamespace(), UID: b.api.newUID(),
			CreationTimestamp: metav1.NewTime(created), Generation: 1,
			Labels: mergeMaps(tmpl.Labels, extra), Annotations: mergeMaps(tmpl.Annotations, nil),
			OwnerReferences: []metav1.OwnerReference{controllerRef(owner, kind)}},
		Spec: *tmpl.Spec.DeepCopy(),
	}
	if owner, ok := owner.(*appsv1.ReplicaSet); ok {
		p.GenerateName = owner.Name + "-"
	}
	if node == "" {
		node = b.sim.schedule(b.st, p)
	}
	p.Spec.NodeName = node
	p.Status = b.sim.podStatus(p, b.now, b.st.nodeByName)
	b.st.pods = append(b.st.pods, p)
	b.add(p)
	return p
}

func shopLabels(template map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/component", "k8s-app"} {
		if v, ok := template[k]; ok {
			out[k] = v
		}
	}
	return out
}

func selectorFor(template map[string]string) *metav1.LabelSelector {
	for _, k := range []string{"app.kubernetes.io/name", "k8s-app"} {
		if v, ok := template[k]; ok {
			return &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
		}
	}
	return &metav1.LabelSelector{MatchLabels: mergeMaps(template, nil)}
}

type rsAt struct {
	rs    *appsv1.ReplicaSet
	since time.Time // when it last became the deployment's new ReplicaSet
}

// deployment replays a Deployment's history through the deployment
// controller's revision logic (setNewReplicaSetAnnotations), so numbers,
// revision-history and annotations are what a real cluster would show.
func (b *seeder) deployment(spec deploymentSpec) {
	first := b.now.Add(-spec.steps[0].ago)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: spec.name, Namespace: spec.namespace, UID: b.api.newUID(),
			CreationTimestamp: metav1.NewTime(first), Labels: mergeMaps(shopLabels(spec.template.Labels), spec.labels),
			Annotations: map[string]string{}},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(spec.replicas), Selector: selectorFor(spec.template.Labels),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: new(intstr.FromString("25%")), MaxUnavailable: new(intstr.FromString("25%"))}},
			RevisionHistoryLimit: new(int32(10)), ProgressDeadlineSeconds: new(int32(600)),
		},
	}
	var rss []*rsAt
	var current, previous *rsAt
	tmpl := spec.template.DeepCopy()
	for _, st := range spec.steps {
		at := b.now.Add(-st.ago)
		var target *rsAt
		if st.undoTo == 0 {
			st.edit(tmpl)
			d.Spec.Template = *tmpl.DeepCopy()
			if st.cause != "" {
				d.Annotations[rollout.ChangeCauseAnnotation] = st.cause
			}
			for _, r := range rss {
				if rollout.EqualIgnoreHash(&r.rs.Spec.Template, &d.Spec.Template) {
					target = r
				}
			}
		} else {
			for _, r := range rss {
				if r.rs.Annotations[rollout.RevisionAnnotation] == strconv.FormatInt(st.undoTo, 10) {
					target = r
				}
			}
			if target == nil {
				b.err = fmt.Errorf("demo: seeding %s: no revision %d to roll back to", spec.name, st.undoTo)
				return
			}
			tmpl = target.rs.Spec.Template.DeepCopy()
			delete(tmpl.Labels, rollout.PodTemplateHashKey)
			d.Spec.Template = *tmpl.DeepCopy()
			d.Annotations = rollbackAnnotations(d.Annotations, target.rs.Annotations, st, current.rs.Annotations[rollout.RevisionAnnotation])
		}
		others := slices.DeleteFunc(slices.Clone(rss), func(r *rsAt) bool { return r == target })
		next := maxRevision(rsOf(others)) + 1
		if target == nil {
			target = &rsAt{rs: b.replicaSet(d, at)}
			setNewReplicaSetAnnotations(d, target.rs, next, false)
			rss = append(rss, target)
		} else {
			setNewReplicaSetAnnotations(d, target.rs, next, true)
		}
		setDeploymentRevision(d, target.rs.Annotations[rollout.RevisionAnnotation])
		previous, current = current, target
		current.since = at
	}
	d.Generation = int64(len(spec.steps))
	if spec.applied {
		d.Annotations[corev1.LastAppliedConfigAnnotation] = lastApplied(d)
	}

	surge, unavailable := fenceposts(d)
	for _, r := range rss {
		r.rs.Spec.Replicas = new(int32(0))
		r.rs.Generation = 3
	}
	current.rs.Generation = 2
	stuck := spec.inProgress && previous != nil && previous != current
	if stuck {
		// The new pods never become available: the rollout stops with
		// maxSurge+maxUnavailable new pods and maxUnavailable old pods gone.
		newCount := min(surge+unavailable, spec.replicas)
		oldCount := spec.replicas - unavailable
		current.rs.Spec.Replicas = new(newCount)
		previous.rs.Spec.Replicas = new(oldCount)
		b.replicaSetPods(previous, oldCount, previous.since.Add(5*time.Second), 9*time.Second)
		b.replicaSetPods(current, newCount, current.since.Add(2*time.Second), 7*time.Second)
	} else {
		current.rs.Spec.Replicas = new(spec.replicas)
		b.replicaSetPods(current, spec.replicas, current.since.Add(4*time.Second), 8*time.Second)
	}
	for _, r := range rss {
		r.rs.Status = replicaSetStatus(r.rs, owned(b.st.pods, r.rs.UID), b.now)
		b.add(r.rs)
	}

	available := newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue, reasonMinAvailable, "Deployment has minimum availability.", first.Add(31*time.Second))
	progressing := newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonNewRSAvail,
		fmt.Sprintf("ReplicaSet %q has successfully progressed.", current.rs.Name), current.since.Add(27*time.Second))
	if stuck {
		progressing = newCondition(appsv1.DeploymentProgressing, corev1.ConditionTrue, reasonRSUpdated,
			fmt.Sprintf("ReplicaSet %q is progressing.", current.rs.Name), current.since.Add(9*time.Second))
	}
	progressing.LastTransitionTime = metav1.NewTime(first.Add(2 * time.Second))
	d.Status.Conditions = []appsv1.DeploymentCondition{available, progressing}
	d.Status = calculateStatus(rsOf(rss), current.rs, d, b.now)
	b.add(d)
	if stuck {
		b.stuckEvents(d, previous.rs, current.rs, current.since)
	}
}

func rsOf(rs []*rsAt) []*appsv1.ReplicaSet {
	out := make([]*appsv1.ReplicaSet, len(rs))
	for i, r := range rs {
		out[i] = r.rs
	}
	return out
}

// rollbackAnnotations are the deployment's annotations after a rollback
// made with mayday: kubectl's rule (keep the deployment's own skip-listed
// annotations, take the rest from the target ReplicaSet) plus mayday's
// attribution.
func rollbackAnnotations(current, target map[string]string, st step, from string) map[string]string {
	out := map[string]string{}
	for _, k := range annotationsToSkip {
		if v, ok := current[k]; ok {
			out[k] = v
		}
	}
	for k, v := range target {
		if !slices.Contains(annotationsToSkip, k) && !strings.HasPrefix(k, rollout.AnnotationPrefix) {
			out[k] = v
		}
	}
	out[rollout.ChangeCauseAnnotation] = fmt.Sprintf("mayday: rollback to revision %d: %s", st.undoTo, st.reason)
	out[rollout.RolledBackFromAnnotation] = from
	out[rollout.ActorAnnotation] = st.actor
	if st.incident != "" {
		out[rollout.IncidentAnnotation] = st.incident
	}
	return out
}

// replicaSet is the ReplicaSet the controller creates for d's template.
func (b *seeder) replicaSet(d *appsv1.Deployment, at time.Time) *appsv1.ReplicaSet {
	tmpl := d.Spec.Template.DeepCopy()
	hash := podTemplateHash(tmpl, d.Status.CollisionCount)
	tmpl.Labels = mergeMaps(tmpl.Labels, map[string]string{rollout.PodTemplateHashKey: hash})
	sel := d.Spec.Selector.DeepCopy()
	sel.MatchLabels = mergeMaps(sel.MatchLabels, map[string]string{rollout.PodTemplateHashKey: hash})
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-" + hash, Namespace: d.Namespace, UID: b.api.newUID(),
			CreationTimestamp: metav1.NewTime(at), Labels: tmpl.Labels,
			OwnerReferences: []metav1.OwnerReference{controllerRef(d, "Deployment")}},
		Spec: appsv1.ReplicaSetSpec{Selector: sel, Template: *tmpl, MinReadySeconds: d.Spec.MinReadySeconds},
	}
}

func (b *seeder) replicaSetPods(r *rsAt, n int32, start time.Time, gap time.Duration) {
	for i := range n {
		b.pod(r.rs, "ReplicaSet", r.rs.Name+"-"+b.api.nameSuffix(), &r.rs.Spec.Template, nil, "", start.Add(time.Duration(i)*gap))
	}
}

// lastApplied is the manifest `kubectl apply` recorded for d.
func lastApplied(d *appsv1.Deployment) string {
	manifest := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": d.Name, "namespace": d.Namespace, "labels": d.Labels,
			"annotations": map[string]string{rollout.ChangeCauseAnnotation: d.Annotations[rollout.ChangeCauseAnnotation]}},
		"spec": map[string]any{"replicas": d.Spec.Replicas, "selector": d.Spec.Selector, "template": d.Spec.Template},
	}
	data, _ := json.Marshal(manifest)
	return string(data) + "\n"
}

// stuckEvents are the events a stuck rollout leaves behind.
func (b *seeder) stuckEvents(d *appsv1.Deployment, old, cur *appsv1.ReplicaSet, since time.Time) {
	ev := func(obj metav1.Object, kind, component, typ, reason, msg string, first, last time.Time, count int32) {
		b.add(&corev1.Event{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", obj.GetName(), first.UnixNano()), Namespace: obj.GetNamespace(),
				UID: b.api.newUID(), CreationTimestamp: metav1.NewTime(first)},
			InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: obj.GetUID(), APIVersion: apiVersionOf(kind)},
			Reason:         reason, Message: msg, Type: typ, Count: count,
			Source:         corev1.EventSource{Component: component},
			FirstTimestamp: metav1.NewTime(first), LastTimestamp: metav1.NewTime(last),
		})
	}
	ev(d, "Deployment", "deployment-controller", corev1.EventTypeNormal, "ScalingReplicaSet",
		fmt.Sprintf("Scaled up replica set %s from 0 to 1", cur.Name), since, since, 1)
	ev(d, "Deployment", "deployment-controller", corev1.EventTypeNormal, "ScalingReplicaSet",
		fmt.Sprintf("Scaled down replica set %s from %d to %d", old.Name, replicasOf(d.Spec.Replicas), replicasOf(old.Spec.Replicas)), since.Add(time.Second), since.Add(time.Second), 1)
	ev(d, "Deployment", "deployment-controller", corev1.EventTypeNormal, "ScalingReplicaSet",
		fmt.Sprintf("Scaled up replica set %s from 1 to %d", cur.Name, replicasOf(cur.Spec.Replicas)), since.Add(2*time.Second), since.Add(2*time.Second), 1)
	for _, p := range owned(b.st.pods, cur.UID) {
		for _, cs := range p.Status.ContainerStatuses {
			if cs.RestartCount == 0 || cs.LastTerminationState.Terminated == nil {
				continue
			}
			first := p.CreationTimestamp.Add(b.sim.scaled(startDelay + crashRun))
			ev(p, "Pod", "kubelet", corev1.EventTypeWarning, "BackOff",
				fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)", cs.Name, p.Name, p.Namespace, p.UID),
				first, cs.LastTerminationState.Terminated.FinishedAt.Time, cs.RestartCount)
		}
	}
}

func apiVersionOf(kind string) string {
	if kind == "Pod" {
		return "v1"
	}
	return "apps/v1"
}

// statefulSetPod is the template of a StatefulSet's pod with ordinal ord.
func statefulSetPod(set *appsv1.StatefulSet, ord int) *corev1.PodTemplateSpec {
	t := set.Spec.Template.DeepCopy()
	name := fmt.Sprintf("%s-%d", set.Name, ord)
	t.Spec.Hostname = name
	t.Spec.Subdomain = set.Spec.ServiceName
	for _, pvc := range set.Spec.VolumeClaimTemplates {
		t.Spec.Volumes = append(t.Spec.Volumes, corev1.Volume{Name: pvc.Name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: pvc.Name + "-" + name}}})
	}
	return t
}

func statefulSetPodLabels(set *appsv1.StatefulSet, ord int, revision string) map[string]string {
	return map[string]string{
		rollout.ControllerRevisionHashKey:    revision,
		"statefulset.kubernetes.io/pod-name": fmt.Sprintf("%s-%d", set.Name, ord),
		appsv1.PodIndexLabel:                 strconv.Itoa(ord),
	}
}

func (b *seeder) statefulSet(spec statefulSetSpec) {
	first := b.now.Add(-spec.steps[0].ago)
	set := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: spec.name, Namespace: Namespace, UID: b.api.newUID(),
			CreationTimestamp: metav1.NewTime(first), Labels: shopLabels(spec.template.Labels), Annotations: map[string]string{}},
		Spec: appsv1.StatefulSetSpec{
			Replicas: new(spec.replicas), Selector: selectorFor(spec.template.Labels), ServiceName: spec.name,
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: new(int32(0))}},
			RevisionHistoryLimit: new(int32(10)),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					StorageClassName: new("gp3"), VolumeMode: new(corev1.PersistentVolumeFilesystem),
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("20Gi")}}},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
			}},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType},
		},
	}
	tmpl := spec.template.DeepCopy()
	var last *appsv1.ControllerRevision
	var lastAt time.Time
	for i, st := range spec.steps {
		st.edit(tmpl)
		set.Spec.Template = *tmpl.DeepCopy()
		set.Annotations[rollout.ChangeCauseAnnotation] = st.cause
		data, err := templatePatch(set)
		if err != nil {
			b.err = err
			return
		}
		hash := controllerRevisionHash(data, new(int32(0)))
		lastAt = b.now.Add(-st.ago)
		last = b.controllerRevision(set, "StatefulSet", set.Name+"-"+hash, hash, data, int64(i+1), lastAt)
	}
	set.Generation = int64(len(spec.steps))
	// The last rolling update replaced pods from the highest ordinal down.
	for ord := int(spec.replicas) - 1; ord >= 0; ord-- {
		created := lastAt.Add(time.Duration(int(spec.replicas)-1-ord) * 25 * time.Second)
		b.pod(set, "StatefulSet", fmt.Sprintf("%s-%d", set.Name, ord), statefulSetPod(set, ord), statefulSetPodLabels(set, ord, last.Name), "", created)
	}
	set.Status = statefulSetStatus(set, owned(b.st.pods, set.UID), last.Name, last.Name, 0, b.now)
	b.add(set)
}

func (b *seeder) controllerRevision(owner metav1.Object, kind, name, hash string, data []byte, revision int64, at time.Time) *appsv1.ControllerRevision {
	labels := map[string]string{}
	switch o := owner.(type) {
	case *appsv1.StatefulSet:
		labels = o.Spec.Template.Labels
	case *appsv1.DaemonSet:
		labels = o.Spec.Template.Labels
	}
	cr := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: owner.GetNamespace(), UID: b.api.newUID(), CreationTimestamp: metav1.NewTime(at),
			Labels:          mergeMaps(labels, map[string]string{rollout.ControllerRevisionHashKey: hash}),
			Annotations:     mergeMaps(owner.GetAnnotations(), nil),
			OwnerReferences: []metav1.OwnerReference{controllerRef(owner, kind)}},
		Data:     runtime.RawExtension{Raw: data},
		Revision: revision,
	}
	b.add(cr)
	return cr
}

func (b *seeder) daemonSet(spec daemonSetSpec) {
	first := b.now.Add(-spec.steps[0].ago)
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: spec.name, Namespace: Namespace, UID: b.api.newUID(),
			CreationTimestamp: metav1.NewTime(first), Labels: shopLabels(spec.template.Labels), Annotations: mergeMaps(spec.annotations, nil)},
		Spec: appsv1.DaemonSetSpec{
			Selector: selectorFor(spec.template.Labels),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: new(intstr.FromInt32(1)), MaxSurge: new(intstr.FromInt32(0))}},
			RevisionHistoryLimit: new(int32(10)),
		},
	}
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	tmpl := spec.template.DeepCopy()
	var hash string
	var lastAt time.Time
	for i, st := range spec.steps {
		st.edit(tmpl)
		ds.Spec.Template = *tmpl.DeepCopy()
		ds.Annotations[rollout.ChangeCauseAnnotation] = st.cause
		data, err := templatePatch(ds)
		if err != nil {
			b.err = err
			return
		}
		hash = podTemplateHash(&ds.Spec.Template, nil)
		lastAt = b.now.Add(-st.ago)
		b.controllerRevision(ds, "DaemonSet", ds.Name+"-"+hash, hash, data, int64(i+1), lastAt)
	}
	ds.Generation = int64(len(spec.steps))
	for i, n := range b.st.nodes {
		b.pod(ds, "DaemonSet", ds.Name+"-"+b.api.nameSuffix(), &ds.Spec.Template, map[string]string{
			rollout.ControllerRevisionHashKey: hash,
			"pod-template-generation":         strconv.FormatInt(ds.Generation, 10),
		}, n.Name, lastAt.Add(time.Duration(i)*15*time.Second))
	}
	ds.Status = daemonSetStatus(ds, owned(b.st.pods, ds.UID), hash, len(b.st.nodes), b.now)
	b.add(ds)
}

// autoscaler: frontend is scaled by an HPA (mayday warns about it).
func (b *seeder) autoscaler() {
	b.add(&autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "frontend", Namespace: Namespace, UID: b.api.newUID(), CreationTimestamp: b.at(13 * day),
			Labels: map[string]string{"app.kubernetes.io/name": "frontend", "app.kubernetes.io/part-of": "shop"}},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "frontend"},
			MinReplicas:    new(int32(3)), MaxReplicas: 10,
			Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: new(int32(70))}}}},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: 3, DesiredReplicas: 3,
			CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
				Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: new(int32(41)), AverageValue: new(resource.MustParse("41m"))}}}},
			Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
				{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ReadyForNewScale", Message: "recommended size matches current size", LastTransitionTime: b.at(13 * day)},
				{Type: autoscalingv2.ScalingActive, Status: corev1.ConditionTrue, Reason: "ValidMetricFound", Message: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", LastTransitionTime: b.at(13 * day)},
				{Type: autoscalingv2.ScalingLimited, Status: corev1.ConditionTrue, Reason: "TooFewReplicas", Message: "the desired replica count is less than the minimum replica count", LastTransitionTime: b.at(2 * day)},
			},
		},
	})
}

// discoveryResources is what the fake discovery client reports.
func discoveryResources() []*metav1.APIResourceList {
	rw := metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	r := func(name, kind string, namespaced bool, short ...string) metav1.APIResource {
		return metav1.APIResource{Name: name, SingularName: strings.ToLower(kind), Namespaced: namespaced, Kind: kind, Verbs: rw, ShortNames: short}
	}
	sub := func(name, kind string) metav1.APIResource {
		return metav1.APIResource{Name: name, Namespaced: true, Kind: kind, Verbs: metav1.Verbs{"get", "patch", "update"}}
	}
	return []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			r("namespaces", "Namespace", false, "ns"), r("nodes", "Node", false, "no"), r("pods", "Pod", true, "po"),
			sub("pods/status", "Pod"), r("events", "Event", true, "ev"), r("services", "Service", true, "svc"),
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			r("deployments", "Deployment", true, "deploy"), sub("deployments/status", "Deployment"), sub("deployments/scale", "Scale"),
			r("statefulsets", "StatefulSet", true, "sts"), sub("statefulsets/status", "StatefulSet"),
			r("daemonsets", "DaemonSet", true, "ds"), sub("daemonsets/status", "DaemonSet"),
			r("replicasets", "ReplicaSet", true, "rs"), sub("replicasets/status", "ReplicaSet"),
			r("controllerrevisions", "ControllerRevision", true),
		}},
		{GroupVersion: "autoscaling/v2", APIResources: []metav1.APIResource{r("horizontalpodautoscalers", "HorizontalPodAutoscaler", true, "hpa")}},
		{GroupVersion: "events.k8s.io/v1", APIResources: []metav1.APIResource{r("events", "Event", true, "ev")}},
		{GroupVersion: "authorization.k8s.io/v1", APIResources: []metav1.APIResource{
			{Name: "selfsubjectaccessreviews", Kind: "SelfSubjectAccessReview", Verbs: metav1.Verbs{"create"}},
			{Name: "selfsubjectrulesreviews", Kind: "SelfSubjectRulesReview", Verbs: metav1.Verbs{"create"}},
		}},
		{GroupVersion: "authentication.k8s.io/v1", APIResources: []metav1.APIResource{
			{Name: "selfsubjectreviews", Kind: "SelfSubjectReview", Verbs: metav1.Verbs{"create"}},
		}},
	}
}
