package evidence

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func deployment(name string, replicas int32, labels map[string]string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "prod", UID: types.UID("uid-" + name)},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}}},
	}
}

func readyPod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "prod", Labels: labels},
		Status: corev1.PodStatus{PodIP: "10.0.0.1", Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
}

func service(name string, sel map[string]string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "prod"}, Spec: corev1.ServiceSpec{Selector: sel}}
}

func trafficOf(t *testing.T, workload string, objs ...runtime.Object) (decideTraffic struct {
	checked  bool
	canary   string
	share    float64
	live     string
	idle     string
	idleRdy  int32
	mech     string
	errorMsg string
}) {
	t.Helper()
	cs := fake.NewSimpleClientset(objs...)
	h, err := rollout.GetHistory(context.Background(), kube.APIReader{Client: cs}, rollout.Ref{Kind: rollout.Deployment, Namespace: "prod", Name: workload})
	if err != nil {
		t.Fatal(err)
	}
	tr := TrafficFinder(cs, nil)(context.Background(), h)
	decideTraffic.checked, decideTraffic.errorMsg = tr.Checked, tr.Err
	if tr.Canary != nil {
		decideTraffic.canary, decideTraffic.share, decideTraffic.mech = tr.Canary.Name, tr.Canary.Share, tr.Canary.Mechanism
	}
	if tr.BlueGreen != nil {
		decideTraffic.live, decideTraffic.idle, decideTraffic.idleRdy = tr.BlueGreen.Live, tr.BlueGreen.Idle, tr.BlueGreen.IdleReady
	}
	return decideTraffic
}

func TestTrafficFindsAPlainCanary(t *testing.T) {
	stable := map[string]string{"app": "web"}
	canary := map[string]string{"app": "web", "track": "canary"}
	got := trafficOf(t, "web",
		deployment("web", 3, stable), deployment("web-canary", 1, canary),
		service("web", map[string]string{"app": "web"}),
		readyPod("web-1", stable), readyPod("web-2", stable), readyPod("web-3", stable), readyPod("web-canary-1", canary))
	if !got.checked || got.canary != "web-canary" || got.mech != "deployment-pair" || got.share != 0.25 {
		t.Errorf("traffic = %+v", got)
	}
}

func TestTrafficFindsABlueGreenPair(t *testing.T) {
	blue := map[string]string{"app": "web", "slot": "blue"}
	green := map[string]string{"app": "web", "slot": "green"}
	got := trafficOf(t, "web-green",
		deployment("web-blue", 2, blue), deployment("web-green", 2, green),
		service("web", map[string]string{"app": "web", "slot": "green"}),
		readyPod("b1", blue), readyPod("b2", blue), readyPod("g1", green))
	if !got.checked || got.live != "green" || got.idle != "blue" || got.idleRdy != 2 || got.canary != "" {
		t.Errorf("traffic = %+v", got)
	}
}

func TestTrafficOfAPlainRollingWorkload(t *testing.T) {
	got := trafficOf(t, "web", deployment("web", 2, map[string]string{"app": "web"}), service("web", map[string]string{"app": "web"}))
	if !got.checked || got.canary != "" || got.live != "" || got.errorMsg != "" {
		t.Errorf("traffic = %+v", got)
	}
}
