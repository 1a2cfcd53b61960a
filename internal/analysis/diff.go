package analysis

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/mayday-tui/mayday/internal/redact"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// diffEvidence is what the suspect revision changed against the good one.
type diffEvidence struct {
	changes []string
	unified string
	images  []rollout.Change // Kind image
	// memory is each container's memory limit in both revisions.
	memory []memoryLimit
	// memoryNotes say which memory limits did not change ("memory limit
	// 512Mi (unchanged)"): added to the changes when pods ran out of
	// memory.
	memoryNotes []string
	// configs are the changed references to ConfigMaps and Secrets.
	configs []configChange
	// several is set when a revision has more than one container: lines
	// name the container then.
	several bool
}

type memoryLimit struct {
	container string
	good, bad *resource.Quantity // nil: no limit
}

type configChange struct {
	where    string // "volume settings", "envFrom of app", "env DB_URL of app"
	from, to string // "ConfigMap checkout-v1" ("": none)
}

// String says what changed without a colon after the place: "api-token:
// x" would read as a secret assignment to the redactor.
func (c configChange) String() string {
	switch {
	case c.from == "":
		return "config: " + c.where + " refers to " + c.to + " (new)"
	case c.to == "":
		return "config: " + c.where + " no longer refers to " + c.from
	}
	return "config: " + c.where + " now refers to " + c.to + " (was " + c.from + ")"
}

// diffRevisions compares the good revision's template with the suspect's
// (what the deploy changed), after masking what may be secret in both.
func diffRevisions(s subject, r *redact.Redactor) diffEvidence {
	var out diffEvidence
	if s.good.Template == nil || s.bad.Template == nil {
		return out
	}
	good, bad := masked(s.good.Template, r), masked(s.bad.Template, r)
	d := rollout.DiffTemplatesLabeled(good, bad,
		fmt.Sprintf("revision %s (good)", s.good.Label()), fmt.Sprintf("revision %s (bad)", s.bad.Label()))
	out.unified = r.String(d.Unified)
	out.configs = configChanges(good, bad)
	several := len(good.Spec.Containers) > 1 || len(bad.Spec.Containers) > 1
	out.several = several
	covered := map[string]bool{}
	for _, c := range out.configs {
		covered[strings.Fields(c.where)[0]] = true
	}
	for _, c := range d.Summary {
		if c.Kind == rollout.ChangeImage {
			out.images = append(out.images, c)
		}
		if c.Kind == rollout.ChangeOther && (c.Field == "spec.volumes" && covered["volume"] || c.Field == "envFrom" && covered["envFrom"]) {
			continue // said better by the config lines below
		}
		out.changes = append(out.changes, r.String(changeLine(c, several)))
	}
	for _, c := range out.configs {
		if !strings.HasPrefix(c.where, "env ") { // env references are in the env lines
			out.changes = append(out.changes, r.String(c.String()))
		}
	}
	out.memory, out.memoryNotes = memoryLimits(good, bad, several)
	return out
}

// masked is a copy of t whose literal env values, commands and arguments
// are masked where they look secret: the diff quotes them.
func masked(t *corev1.PodTemplateSpec, r *redact.Redactor) *corev1.PodTemplateSpec {
	t = t.DeepCopy()
	mask := func(cs []corev1.Container) {
		for i := range cs {
			c := &cs[i]
			for j := range c.Env {
				if c.Env[j].ValueFrom == nil {
					c.Env[j].Value = r.Env(c.Env[j])
				}
			}
			for j := range c.Command {
				c.Command[j] = r.String(c.Command[j])
			}
			for j := range c.Args {
				c.Args[j] = r.String(c.Args[j])
			}
		}
	}
	mask(t.Spec.InitContainers)
	mask(t.Spec.Containers)
	return t
}

// changeLine writes one change as a person reads it: "image checkout:2.0.3
// → checkout:2.1.0", "memory limit 512Mi → 256Mi", "env API_TOKEN: +
// secret checkout-api/token".
func changeLine(c rollout.Change, several bool) string {
	of := ""
	if several && c.Container != "" {
		of = " of " + c.Container
	}
	switch c.Kind {
	case rollout.ChangeImage:
		return "image" + of + " " + c.From + " → " + c.To
	case rollout.ChangeEnv:
		// No colon after the name: "API_TOKEN: x" reads as a secret
		// assignment to the redactor, which would mask the reference.
		switch {
		case c.From == "":
			return "env " + c.Field + of + " added (" + c.To + ")"
		case c.To == "":
			return "env " + c.Field + of + " removed (was " + c.From + ")"
		}
		return "env " + c.Field + of + " " + c.From + " → " + c.To
	case rollout.ChangeResources:
		return resourceName(c.Field) + of + " " + fromTo(c.From, c.To)
	case rollout.ChangeContainer:
		if c.From == "" {
			return "container " + c.Container + " added (" + c.To + ")"
		}
		return "container " + c.Container + " removed (was " + c.From + ")"
	}
	where := c.Field
	if c.Container != "" {
		where = c.Container + " " + c.Field
	}
	return where + " " + fromTo(c.From, c.To)
}

func fromTo(from, to string) string {
	switch {
	case from == "":
		return to + " (none before)"
	case to == "":
		return "none (was " + from + ")"
	}
	return from + " → " + to
}

// resourceName turns "limits.memory" into "memory limit".
func resourceName(field string) string {
	kind, name, ok := strings.Cut(field, ".")
	if !ok {
		return field
	}
	return name + " " + strings.TrimSuffix(kind, "s")
}

// memoryLimits pairs each container of the suspect revision with its
// memory limit in both revisions, and notes those that did not change.
func memoryLimits(good, bad *corev1.PodTemplateSpec, several bool) ([]memoryLimit, []string) {
	limit := func(c *corev1.Container) *resource.Quantity {
		if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
			return &q
		}
		return nil
	}
	var out []memoryLimit
	var notes []string
	for i := range bad.Spec.Containers {
		c := &bad.Spec.Containers[i]
		m := memoryLimit{container: c.Name, bad: limit(c)}
		for j := range good.Spec.Containers {
			if good.Spec.Containers[j].Name == c.Name {
				m.good = limit(&good.Spec.Containers[j])
			}
		}
		out = append(out, m)
		of := ""
		if several {
			of = " of " + c.Name
		}
		switch {
		case m.bad == nil && m.good == nil:
			notes = append(notes, "memory limit"+of+": none (unchanged)")
		case m.bad != nil && m.good != nil && m.bad.Cmp(*m.good) == 0:
			notes = append(notes, "memory limit"+of+" "+m.bad.String()+" (unchanged)")
		}
	}
	return out, notes
}

// configChanges compares the ConfigMaps and Secrets the two templates
// refer to: volumes by name, envFrom and env references by container.
func configChanges(good, bad *corev1.PodTemplateSpec) []configChange {
	a, b := configRefs(good), configRefs(bad)
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []configChange
	for _, k := range keys {
		if a[k] != b[k] {
			out = append(out, configChange{where: k, from: a[k], to: b[k]})
		}
	}
	return out
}

// configRefs maps where a template refers to configuration ("volume x",
// "envFrom of app", "env DB_URL of app") to what it refers to.
func configRefs(t *corev1.PodTemplateSpec) map[string]string {
	out := map[string]string{}
	for _, v := range t.Spec.Volumes {
		var refs []string
		switch {
		case v.ConfigMap != nil:
			refs = append(refs, "ConfigMap "+v.ConfigMap.Name)
		case v.Secret != nil:
			refs = append(refs, "Secret "+v.Secret.SecretName)
		case v.Projected != nil:
			for _, s := range v.Projected.Sources {
				switch {
				case s.ConfigMap != nil:
					refs = append(refs, "ConfigMap "+s.ConfigMap.Name)
				case s.Secret != nil:
					refs = append(refs, "Secret "+s.Secret.Name)
				}
			}
		}
		if len(refs) > 0 {
			out["volume "+v.Name] = strings.Join(refs, ", ")
		}
	}
	containers := append(slices.Clone(t.Spec.InitContainers), t.Spec.Containers...)
	for _, c := range containers {
		var refs []string
		for _, e := range c.EnvFrom {
			switch {
			case e.ConfigMapRef != nil:
				refs = append(refs, "ConfigMap "+e.ConfigMapRef.Name)
			case e.SecretRef != nil:
				refs = append(refs, "Secret "+e.SecretRef.Name)
			}
		}
		if len(refs) > 0 {
			out["envFrom of "+c.Name] = strings.Join(refs, ", ")
		}
		for _, e := range c.Env {
			switch f := e.ValueFrom; {
			case f == nil:
			case f.ConfigMapKeyRef != nil:
				out["env "+e.Name+" of "+c.Name] = "ConfigMap " + f.ConfigMapKeyRef.Name + " key " + f.ConfigMapKeyRef.Key
			case f.SecretKeyRef != nil:
				out["env "+e.Name+" of "+c.Name] = "Secret " + f.SecretKeyRef.Name + " key " + f.SecretKeyRef.Key
			}
		}
	}
	return out
}

// quantity writes a limit ("none" when there is none).
func quantity(q *resource.Quantity) string {
	if q == nil {
		return "none"
	}
	return q.String()
}
