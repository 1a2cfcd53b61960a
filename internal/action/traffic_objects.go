package action

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Objects of the plain patterns go through the typed client (which the
// demo cluster and informer caches serve too); everything else through
// the dynamic client.
func builtin(o ObjectRef) bool {
	return (o.Group == "" && o.Resource == "services") || (o.Group == "apps" && o.Resource == "deployments")
}

// getObject reads o as unstructured.
func (t *Traffic) getObject(ctx context.Context, o ObjectRef) (*unstructured.Unstructured, error) {
	if builtin(o) {
		var obj runtime.Object
		var err error
		if o.Resource == "services" {
			obj, err = t.Client.CoreV1().Services(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
		} else {
			obj, err = t.Client.AppsV1().Deployments(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
		}
		if err != nil {
			return nil, err
		}
		return toUnstructured(obj)
	}
	if t.Dynamic == nil {
		return nil, fmt.Errorf("reading %s needs a connection to a real cluster", o)
	}
	return t.Dynamic.Resource(o.GVR()).Namespace(o.Namespace).Get(ctx, o.Name, metav1.GetOptions{})
}

// patchObject sends one patch to o (or its subresource).
func (t *Traffic) patchObject(ctx context.Context, o ObjectRef, sub string, pt types.PatchType, data []byte, opts metav1.PatchOptions) (*unstructured.Unstructured, error) {
	var subs []string
	if sub != "" {
		subs = []string{sub}
	}
	if builtin(o) {
		var obj runtime.Object
		var err error
		if o.Resource == "services" {
			obj, err = t.Client.CoreV1().Services(o.Namespace).Patch(ctx, o.Name, pt, data, opts, subs...)
		} else {
			obj, err = t.Client.AppsV1().Deployments(o.Namespace).Patch(ctx, o.Name, pt, data, opts, subs...)
		}
		if err != nil {
			return nil, err
		}
		return toUnstructured(obj)
	}
	if t.Dynamic == nil {
		return nil, fmt.Errorf("writing %s needs a connection to a real cluster", o)
	}
	return t.Dynamic.Resource(o.GVR()).Namespace(o.Namespace).Patch(ctx, o.Name, pt, data, opts, subs...)
}

func toUnstructured(obj runtime.Object) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	return &unstructured.Unstructured{Object: m}, nil
}

// guarded adds the resourceVersion precondition to a step's patch: the
// API server refuses the write with a conflict if the object changed.
func guarded(s TrafficStep, rv string) ([]byte, error) {
	switch s.PatchType {
	case types.JSONPatchType:
		var ops []any
		if err := json.Unmarshal(s.Patch, &ops); err != nil {
			return nil, err
		}
		ops = append(ops, map[string]any{"op": "replace", "path": "/metadata/resourceVersion", "value": rv})
		return json.Marshal(ops)
	case types.MergePatchType, types.StrategicMergePatchType:
		var m map[string]any
		if err := json.Unmarshal(s.Patch, &m); err != nil {
			return nil, err
		}
		meta, _ := m["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["resourceVersion"] = rv
		m["metadata"] = meta
		return json.Marshal(m)
	}
	return nil, fmt.Errorf("unsupported patch type %q", s.PatchType)
}

// holds reports whether obj satisfies every expectation, and the first
// that fails.
func holds(obj *unstructured.Unstructured, expect []Expectation) (bool, string) {
	for _, e := range expect {
		got, ok := pointerGet(obj.Object, e.Path)
		if !ok {
			return false, e.Path + " is unset"
		}
		if !contains(normalize(got), normalize(e.Value)) {
			return false, fmt.Sprintf("%s is %s", e.Path, short(got))
		}
	}
	return true, ""
}

// pointerGet reads a JSON pointer ("/spec/rules/0/backendRefs/1/weight").
func pointerGet(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := v.(type) {
		case map[string]any:
			next, ok := c[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// normalize makes values read from the API and values built in Go
// comparable: both become what encoding/json decodes.
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

// contains reports whether got holds everything want sets: maps may have
// more keys (defaults the API server added), lists and scalars must be
// equal element by element.
func contains(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !contains(g[k], wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !contains(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(got, want)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// specOf is the object's spec (nil when it has none).
func specOf(obj *unstructured.Unstructured) map[string]any {
	m, _, _ := unstructured.NestedMap(obj.Object, "spec")
	return m
}

// changedPaths lists the fields in which two specs differ
// ("spec.selector", "spec.rules").
func changedPaths(a, b map[string]any) []string {
	var out []string
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if !reflect.DeepEqual(normalize(a[k]), normalize(b[k])) {
			out = append(out, "spec."+k)
		}
	}
	return out
}
