package rollout_test

import (
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/kube"
)

var t0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func template(image string, env ...string) corev1.PodTemplateSpec {
	c := corev1.Container{Name: "app", Image: image}
	for i := 0; i+1 < len(env); i += 2 {
		c.Env = append(c.Env, corev1.EnvVar{Name: env[i], Value: env[i+1]})
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{c}},
	}
}

func deployment(current corev1.PodTemplateSpec) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "prod", UID: "dep-uid", ResourceVersion: "100",
			Annotations: map[string]string{RevisionAnnotationKey: "3", "team": "payments"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: current,
		},
	}
}

const RevisionAnnotationKey = "deployment.kubernetes.io/revision"

// replicaSet is a ReplicaSet of d at revision n recording tmpl.
func replicaSet(d *appsv1.Deployment, n int64, tmpl corev1.PodTemplateSpec, replicas int32, extra map[string]string) *appsv1.ReplicaSet {
	hash := fmt.Sprintf("h%d", n)
	tmpl = *tmpl.DeepCopy()
	tmpl.Labels["pod-template-hash"] = hash
	ann := map[string]string{RevisionAnnotationKey: strconv.FormatInt(n, 10), "kubernetes.io/change-cause": fmt.Sprintf("deploy %d", n), "team": "payments"}
	for k, v := range extra {
		ann[k] = v
	}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name + "-" + hash, Namespace: d.Namespace, UID: types.UID("rs-" + hash),
			Labels: map[string]string{"app": "web", "pod-template-hash": hash}, Annotations: ann,
			CreationTimestamp: metav1.NewTime(t0.Add(time.Duration(n) * time.Hour)),
			OwnerReferences:   []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))},
		},
		Spec:   appsv1.ReplicaSetSpec{Replicas: ptr(replicas), Template: tmpl},
		Status: appsv1.ReplicaSetStatus{ReadyReplicas: replicas},
	}
}

func reader(objs ...runtime.Object) kube.APIReader {
	return kube.APIReader{Client: fake.NewClientset(objs...)}
}
