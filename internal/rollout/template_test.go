package rollout

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEqualIgnoreHash(t *testing.T) {
	tmpl := func(labels map[string]string, image string) *corev1.PodTemplateSpec {
		return &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", Image: image}}}}
	}
	for _, tc := range []struct {
		name string
		a, b *corev1.PodTemplateSpec
		want bool
	}{
		{"hash differs", tmpl(map[string]string{"app": "x", PodTemplateHashKey: "1"}, "i"), tmpl(map[string]string{"app": "x", PodTemplateHashKey: "2"}, "i"), true},
		{"hash on one side", tmpl(map[string]string{"app": "x", PodTemplateHashKey: "1"}, "i"), tmpl(map[string]string{"app": "x"}, "i"), true},
		{"only hash vs nil", tmpl(map[string]string{PodTemplateHashKey: "1"}, "i"), tmpl(nil, "i"), true},
		{"label value differs", tmpl(map[string]string{"app": "x"}, "i"), tmpl(map[string]string{"app": "y"}, "i"), false},
		{"extra label", tmpl(map[string]string{"app": "x"}, "i"), tmpl(map[string]string{"app": "x", "v": "2"}, "i"), false},
		{"missing label", tmpl(map[string]string{"app": "x", "v": "2"}, "i"), tmpl(map[string]string{"app": "x"}, "i"), false},
		{"image differs", tmpl(nil, "i"), tmpl(nil, "j"), false},
	} {
		if got := EqualIgnoreHash(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
		if got := EqualIgnoreHash(tc.b, tc.a); got != tc.want {
			t.Errorf("%s (swapped): got %v", tc.name, got)
		}
	}
	a := tmpl(map[string]string{"app": "x"}, "i")
	a.Annotations = map[string]string{"x": "1"}
	if EqualIgnoreHash(a, tmpl(map[string]string{"app": "x"}, "i")) {
		t.Error("annotations ignored")
	}
}
