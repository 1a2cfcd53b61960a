package rollout

import (
	"encoding/json"
	"testing"

	"k8s.io/apimachinery/pkg/types"
)

func TestSetPatchAnnotation(t *testing.T) {
	cases := []struct {
		name  string
		pt    types.PatchType
		patch string
		want  string
	}{
		{"json patch with annotations", types.JSONPatchType,
			`[{"op":"add","path":"/metadata/annotations","value":{"a":"1"}}]`,
			`[{"op":"add","path":"/metadata/annotations","value":{"a":"1","mayday.dev/incident":"INC-1"}}]`},
		{"json patch without annotations", types.JSONPatchType,
			`[{"op":"replace","path":"/spec/paused","value":true}]`,
			`[{"op":"replace","path":"/spec/paused","value":true},{"op":"add","path":"/metadata/annotations/mayday.dev~1incident","value":"INC-1"}]`},
		{"merge patch", types.MergePatchType,
			`{"metadata":{"annotations":{"mayday.dev/incident":null}},"spec":{"paused":true}}`,
			`{"metadata":{"annotations":{"mayday.dev/incident":"INC-1"}},"spec":{"paused":true}}`},
		{"strategic patch without metadata", types.StrategicMergePatchType,
			`{"spec":{"template":{}}}`,
			`{"metadata":{"annotations":{"mayday.dev/incident":"INC-1"}},"spec":{"template":{}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SetPatchAnnotation(tc.pt, []byte(tc.patch), IncidentAnnotation, "INC-1")
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			_ = json.Unmarshal(got, &g)
			_ = json.Unmarshal([]byte(tc.want), &w)
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			if string(gj) != string(wj) {
				t.Fatalf("got %s\nwant %s", gj, wj)
			}
		})
	}
	if _, err := SetPatchAnnotation(types.ApplyPatchType, []byte(`{}`), IncidentAnnotation, "x"); err == nil {
		t.Fatal("an unsupported patch type was accepted")
	}
}
