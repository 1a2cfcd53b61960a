package metrics

import (
	"context"
	"slices"
	"testing"
)

func TestMatchAlerts(t *testing.T) {
	a := func(name, state string, labels ...string) Alert {
		m := map[string]string{}
		for i := 0; i+1 < len(labels); i += 2 {
			m[labels[i]] = labels[i+1]
		}
		return Alert{Name: name, State: state, Labels: m}
	}
	alerts := []Alert{
		a("ByDeployment", "firing", "namespace", "shop", "deployment", "checkout"),
		a("ByExportedNamespace", "firing", "exported_namespace", "shop", "service", "checkout"),
		a("ByPod", "firing", "namespace", "shop", "pod", "checkout-7d9f8c6b5-abcde"),
		a("ByApp", "firing", "namespace", "shop", "app_kubernetes_io_name", "checkout"),
		a("ByIstio", "firing", "namespace", "shop", "destination_workload", "checkout"),
		a("Pending", "pending", "namespace", "shop", "deployment", "checkout"),
		a("OtherNamespace", "firing", "namespace", "staging", "deployment", "checkout"),
		a("NoNamespace", "firing", "deployment", "checkout"),
		a("OtherWorkload", "firing", "namespace", "shop", "deployment", "checkout-v2"),
		a("OtherPod", "firing", "namespace", "shop", "pod", "checkout-v2-7d9f8c6b5-abcde"),
		a("StatefulSetPod", "firing", "namespace", "shop", "pod", "checkout-0"),
		a("OnlyNamespace", "firing", "namespace", "shop"),
	}
	names := func(as []Alert) []string {
		var out []string
		for _, x := range as {
			out = append(out, x.Name)
		}
		return out
	}
	tests := []struct {
		target Target
		want   []string
	}{
		{Target{Namespace: "shop", Kind: "Deployment", Name: "checkout"}, []string{"ByDeployment", "ByExportedNamespace", "ByPod", "ByApp", "ByIstio"}},
		{Target{Namespace: "shop", Kind: "StatefulSet", Name: "checkout"}, []string{"ByDeployment", "ByExportedNamespace", "ByApp", "ByIstio", "StatefulSetPod"}},
		{Target{Namespace: "staging", Kind: "Deployment", Name: "checkout"}, []string{"OtherNamespace"}},
		{Target{Namespace: "", Kind: "Deployment", Name: "checkout"}, nil},
		{Target{Namespace: "shop", Kind: "Deployment", Name: "cart"}, nil},
	}
	for _, tt := range tests {
		if got := names(MatchAlerts(alerts, tt.target)); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.target, got, tt.want)
		}
	}
}

func TestHealthAlerts(t *testing.T) {
	f := &fakeSource{alerts: []Alert{
		{Name: "Mine", State: "firing", Labels: map[string]string{"namespace": "shop", "deployment": "checkout"}},
		{Name: "NotMine", State: "firing", Labels: map[string]string{"namespace": "shop", "deployment": "cart"}},
	}}
	got, err := (&Health{Source: f}).Alerts(context.Background(), checkout)
	if err != nil || len(got) != 1 || got[0].Name != "Mine" {
		t.Errorf("Alerts = %v, %v", got, err)
	}
}
