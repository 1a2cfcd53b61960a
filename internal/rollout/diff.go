package rollout

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// ChangeKind groups the lines of a diff summary.
type ChangeKind string

const (
	ChangeImage     ChangeKind = "image"
	ChangeEnv       ChangeKind = "env"
	ChangeResources ChangeKind = "resources"
	ChangeContainer ChangeKind = "container"
	ChangeOther     ChangeKind = "other"
)

// Change is one summarised difference between two pod templates.
// From or To is empty when the item was added or removed.
type Change struct {
	Kind      ChangeKind `json:"kind"`
	Container string     `json:"container,omitempty"`
	Field     string     `json:"field"`
	From      string     `json:"from,omitempty"`
	To        string     `json:"to,omitempty"`
}

func (c Change) String() string {
	where := c.Field
	if c.Container != "" {
		where = c.Container + " " + c.Field
	}
	switch {
	case c.From == "":
		return fmt.Sprintf("%s %s: + %s", c.Kind, where, c.To)
	case c.To == "":
		return fmt.Sprintf("%s %s: - %s", c.Kind, where, c.From)
	}
	return fmt.Sprintf("%s %s: %s → %s", c.Kind, where, c.From, c.To)
}

// Diff compares pod template From (the current one) with To (a revision).
type Diff struct {
	FromLabel string   `json:"from"`
	ToLabel   string   `json:"to"`
	Summary   []Change `json:"summary"`
	Unified   string   `json:"unified"`
}

// Empty reports whether the templates are equal.
func (d Diff) Empty() bool { return len(d.Summary) == 0 && d.Unified == "" }

// DiffTemplates summarises and diffs two pod templates, ignoring the
// pod-template-hash label that only ReplicaSets carry.
func DiffTemplates(from, to *corev1.PodTemplateSpec) Diff {
	return DiffTemplatesLabeled(from, to, "current", "target")
}

// DiffTemplatesLabeled is DiffTemplates with names for the two sides.
func DiffTemplatesLabeled(from, to *corev1.PodTemplateSpec, fromLabel, toLabel string) Diff {
	a, b := from.DeepCopy(), to.DeepCopy()
	delete(a.Labels, PodTemplateHashKey)
	delete(b.Labels, PodTemplateHashKey)
	d := Diff{FromLabel: fromLabel, ToLabel: toLabel}
	d.Summary = summarise(a, b)
	ya, _ := yaml.Marshal(a)
	yb, _ := yaml.Marshal(b)
	if string(ya) != string(yb) {
		d.Unified, _ = difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(string(ya)), B: difflib.SplitLines(string(yb)),
			FromFile: fromLabel, ToFile: toLabel, Context: 3,
		})
	}
	return d
}

func summarise(a, b *corev1.PodTemplateSpec) []Change {
	var out []Change
	out = append(out, containerChanges(a.Spec.InitContainers, b.Spec.InitContainers, "init ")...)
	out = append(out, containerChanges(a.Spec.Containers, b.Spec.Containers, "")...)
	// Everything else, by top-level field, so nothing is hidden.
	out = append(out, fieldChanges("spec.", podSpecWithout(a.Spec), podSpecWithout(b.Spec))...)
	out = append(out, fieldChanges("metadata.", toMap(a.ObjectMeta), toMap(b.ObjectMeta))...)
	return out
}

func containerChanges(a, b []corev1.Container, prefix string) []Change {
	var out []Change
	byName := func(cs []corev1.Container) map[string]*corev1.Container {
		m := map[string]*corev1.Container{}
		for i := range cs {
			m[cs[i].Name] = &cs[i]
		}
		return m
	}
	am, bm := byName(a), byName(b)
	for _, c := range a {
		if _, ok := bm[c.Name]; !ok {
			out = append(out, Change{Kind: ChangeContainer, Container: prefix + c.Name, Field: "container", From: c.Image})
		}
	}
	for _, cb := range b {
		ca, ok := am[cb.Name]
		if !ok {
			out = append(out, Change{Kind: ChangeContainer, Container: prefix + cb.Name, Field: "container", To: cb.Image})
			continue
		}
		name := prefix + cb.Name
		if ca.Image != cb.Image {
			out = append(out, Change{Kind: ChangeImage, Container: name, Field: "image", From: ca.Image, To: cb.Image})
		}
		out = append(out, envChanges(name, ca.Env, cb.Env)...)
		out = append(out, resourceChanges(name, ca.Resources, cb.Resources)...)
		ra, rb := containerWithout(*ca), containerWithout(cb)
		out = append(out, fieldChanges("", ra, rb, name)...)
	}
	return out
}

func envChanges(container string, a, b []corev1.EnvVar) []Change {
	var out []Change
	am := map[string]string{}
	for _, e := range a {
		am[e.Name] = envValue(e)
	}
	seen := map[string]bool{}
	for _, e := range b {
		seen[e.Name] = true
		v := envValue(e)
		old, ok := am[e.Name]
		switch {
		case !ok:
			out = append(out, Change{Kind: ChangeEnv, Container: container, Field: e.Name, To: v})
		case old != v:
			out = append(out, Change{Kind: ChangeEnv, Container: container, Field: e.Name, From: old, To: v})
		}
	}
	for _, e := range a {
		if !seen[e.Name] {
			out = append(out, Change{Kind: ChangeEnv, Container: container, Field: e.Name, From: envValue(e)})
		}
	}
	return out
}

// envValue shows a variable's value, or where it comes from. Values from
// Secrets are references here, never secret material.
func envValue(e corev1.EnvVar) string {
	if e.ValueFrom == nil {
		return fmt.Sprintf("%q", e.Value)
	}
	switch vf := e.ValueFrom; {
	case vf.SecretKeyRef != nil:
		return "secret " + vf.SecretKeyRef.Name + "/" + vf.SecretKeyRef.Key
	case vf.ConfigMapKeyRef != nil:
		return "configmap " + vf.ConfigMapKeyRef.Name + "/" + vf.ConfigMapKeyRef.Key
	case vf.FieldRef != nil:
		return "field " + vf.FieldRef.FieldPath
	case vf.ResourceFieldRef != nil:
		return "resource " + vf.ResourceFieldRef.Resource
	}
	return "(from reference)"
}

func resourceChanges(container string, a, b corev1.ResourceRequirements) []Change {
	var out []Change
	for _, part := range []struct {
		name string
		a, b corev1.ResourceList
	}{{"requests", a.Requests, b.Requests}, {"limits", a.Limits, b.Limits}} {
		keys := map[corev1.ResourceName]bool{}
		for k := range part.a {
			keys[k] = true
		}
		for k := range part.b {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, string(k))
		}
		sort.Strings(names)
		for _, n := range names {
			qa, oka := part.a[corev1.ResourceName(n)]
			qb, okb := part.b[corev1.ResourceName(n)]
			if oka && okb && qa.Cmp(qb) == 0 {
				continue
			}
			c := Change{Kind: ChangeResources, Container: container, Field: part.name + "." + n}
			if oka {
				c.From = qa.String()
			}
			if okb {
				c.To = qb.String()
			}
			out = append(out, c)
		}
	}
	return out
}

func podSpecWithout(s corev1.PodSpec) map[string]any {
	s.Containers, s.InitContainers = nil, nil
	return toMap(s)
}

func containerWithout(c corev1.Container) map[string]any {
	c.Image, c.Env, c.Resources, c.Name = "", nil, corev1.ResourceRequirements{}, ""
	return toMap(c)
}

func toMap(v any) map[string]any {
	data, _ := json.Marshal(v)
	m := map[string]any{}
	_ = json.Unmarshal(data, &m)
	return m
}

// fieldChanges lists top-level keys whose values differ, as compact JSON.
func fieldChanges(prefix string, a, b map[string]any, container ...string) []Change {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []Change
	for _, k := range names {
		if reflect.DeepEqual(a[k], b[k]) {
			continue
		}
		c := Change{Kind: ChangeOther, Field: prefix + k, From: compact(a[k]), To: compact(b[k])}
		if len(container) > 0 {
			c.Container = container[0]
		}
		out = append(out, c)
	}
	return out
}

func compact(v any) string {
	if v == nil {
		return ""
	}
	data, _ := json.Marshal(v)
	s := string(data)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return strings.TrimSpace(s)
}
