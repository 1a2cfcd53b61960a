package rollout

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/distribution/reference"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ImageSetting is one CONTAINER=IMAGE of a set-image; Container "*" means
// every container and init container.
type ImageSetting struct {
	Container string `json:"container"`
	Image     string `json:"image"`
}

func (s ImageSetting) String() string { return s.Container + "=" + s.Image }

// ParseImageSettings reads CONTAINER=IMAGE arguments and checks each image
// with the container registry's own reference grammar.
func ParseImageSettings(args []string) ([]ImageSetting, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("name at least one CONTAINER=IMAGE (for example checkout=registry.example/checkout:2.1.1)")
	}
	out := make([]ImageSetting, 0, len(args))
	seen := map[string]bool{}
	for _, a := range args {
		c, img, ok := strings.Cut(a, "=")
		if !ok || c == "" || img == "" {
			return nil, fmt.Errorf("expected CONTAINER=IMAGE, got %q", a)
		}
		if seen[c] {
			return nil, fmt.Errorf("container %s is named twice", c)
		}
		seen[c] = true
		if err := ValidateImage(img); err != nil {
			return nil, fmt.Errorf("container %s: %w", c, err)
		}
		out = append(out, ImageSetting{Container: c, Image: img})
	}
	if seen["*"] && len(out) > 1 {
		return nil, fmt.Errorf("*=IMAGE sets every container: name no other container with it")
	}
	return out, nil
}

// ValidateImage checks an image reference as a registry would read it
// (lower-case repository, valid tag, well-formed digest).
func ValidateImage(img string) error {
	if _, err := reference.ParseNormalizedNamed(img); err != nil {
		return fmt.Errorf("invalid image reference %q: %v", img, err)
	}
	return nil
}

// ImageChange is one container's image before and after.
type ImageChange struct {
	Container string `json:"container"`
	Init      bool   `json:"init,omitempty"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// ImagePlan is everything a set-image (a rollforward) will do, computed
// before doing it.
type ImagePlan struct {
	Workload        Ref       `json:"workload"`
	UID             types.UID `json:"uid"`
	ResourceVersion string    `json:"resourceVersion"`
	// FromRevision is the revision live when planned, and FromSource the
	// object recording it: where a failed rollforward falls back to when
	// health names no better revision.
	FromRevision int64          `json:"fromRevision"`
	FromSource   ObjectID       `json:"fromSource"`
	Settings     []ImageSetting `json:"settings"`
	Changes      []ImageChange  `json:"changes"`
	// Template is the pod template the workload will get; From is the one
	// it had when the plan was made.
	Template        corev1.PodTemplateSpec `json:"-"`
	From            corev1.PodTemplateSpec `json:"-"`
	FromAnnotations map[string]string      `json:"-"`
	FromPaused      bool                   `json:"-"`
	PatchType       types.PatchType        `json:"patchType"`
	Patch           json.RawMessage        `json:"patch"`
	Diff            Diff                   `json:"diff"`
	Warnings        []Warning              `json:"warnings,omitempty"`
	// Skip is set when every container already runs its image.
	Skip        bool        `json:"skip,omitempty"`
	SkipReason  string      `json:"skipReason,omitempty"`
	Attribution Attribution `json:"attribution"`
	PlannedAt   time.Time   `json:"plannedAt"`
}

// ChangeCause is the change-cause the set-image records.
func (p *ImagePlan) ChangeCause() string {
	parts := make([]string, len(p.Settings))
	for i, s := range p.Settings {
		parts[i] = s.String()
	}
	c := "mayday: set image " + strings.Join(parts, ",")
	if p.Attribution.Reason != "" {
		c += ": " + p.Attribution.Reason
	}
	return c
}

// SetImageOptions attribute a set-image.
type SetImageOptions struct {
	Attribution Attribution
	Now         time.Time
}

// UnknownContainerError names a container the workload does not have.
type UnknownContainerError struct {
	Workload   Ref
	Container  string
	Containers []string
}

func (e *UnknownContainerError) Error() string {
	return fmt.Sprintf("%s has no container %q: its containers are %s", e.Workload, e.Container, strings.Join(e.Containers, ", "))
}

// PlanSetImage plans setting the images of h's workload. The patch is a
// strategic merge of the containers by name, as kubectl set image sends,
// with the change-cause and attribution annotations and a resourceVersion
// precondition.
func PlanSetImage(h *History, settings []ImageSetting, opts SetImageOptions) (*ImagePlan, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	p := &ImagePlan{
		Workload: h.Workload, UID: h.UID, ResourceVersion: h.ResourceVersion, FromRevision: h.Current,
		Settings: settings, From: h.Template, FromAnnotations: h.Object.GetAnnotations(), FromPaused: h.Paused,
		Attribution: opts.Attribution, PlannedAt: now, PatchType: types.StrategicMergePatchType,
	}
	if cur, ok := h.Find(h.Current); ok {
		p.FromSource = cur.Source
	}
	p.Template = *h.Template.DeepCopy()
	spec := &p.Template.Spec
	var patchContainers, patchInit []map[string]any
	for _, s := range settings {
		matched := false
		for i := range spec.InitContainers {
			if c := &spec.InitContainers[i]; s.Container == "*" || c.Name == s.Container {
				matched = true
				if c.Image != s.Image {
					p.Changes = append(p.Changes, ImageChange{Container: c.Name, Init: true, From: c.Image, To: s.Image})
					patchInit = append(patchInit, map[string]any{"name": c.Name, "image": s.Image})
					c.Image = s.Image
				}
			}
		}
		for i := range spec.Containers {
			if c := &spec.Containers[i]; s.Container == "*" || c.Name == s.Container {
				matched = true
				if c.Image != s.Image {
					p.Changes = append(p.Changes, ImageChange{Container: c.Name, From: c.Image, To: s.Image})
					patchContainers = append(patchContainers, map[string]any{"name": c.Name, "image": s.Image})
					c.Image = s.Image
				}
			}
		}
		if !matched {
			return nil, &UnknownContainerError{Workload: h.Workload, Container: s.Container, Containers: containerNames(&h.Template.Spec)}
		}
	}
	if len(p.Changes) == 0 {
		p.Skip, p.SkipReason = true, "every container named already runs its image"
	}
	podSpec := map[string]any{}
	if len(patchContainers) > 0 {
		podSpec["containers"] = patchContainers
	}
	if len(patchInit) > 0 {
		podSpec["initContainers"] = patchInit
	}
	patch := map[string]any{
		"metadata": map[string]any{"resourceVersion": h.ResourceVersion, "annotations": p.annotations()},
		"spec":     map[string]any{"template": map[string]any{"spec": podSpec}},
	}
	var err error
	if p.Patch, err = json.Marshal(patch); err != nil {
		return nil, fmt.Errorf("building the set-image patch: %w", err)
	}
	p.Diff = DiffTemplates(&h.Template, &p.Template)
	p.Warnings = imageWarnings(h, p)
	return p, nil
}

// annotations records the change-cause and who made it. The annotations a
// rollback left (where from, when) no longer describe the workload, and
// the controllers would copy them onto the new revision: they are removed.
func (p *ImagePlan) annotations() map[string]any {
	ann := map[string]any{
		ChangeCauseAnnotation:    p.ChangeCause(),
		ActorAnnotation:          p.Attribution.Actor,
		RolledBackFromAnnotation: nil,
		RolledBackAtAnnotation:   nil,
		IncidentAnnotation:       nil,
	}
	if p.Attribution.Incident != "" {
		ann[IncidentAnnotation] = p.Attribution.Incident
	}
	return ann
}

func containerNames(spec *corev1.PodSpec) []string {
	out := make([]string, 0, len(spec.Containers)+len(spec.InitContainers))
	for _, c := range spec.Containers {
		out = append(out, c.Name)
	}
	for _, c := range spec.InitContainers {
		out = append(out, c.Name+" (init)")
	}
	return out
}

func imageWarnings(h *History, p *ImagePlan) []Warning {
	var out []Warning
	obj := h.Object
	if _, ok := obj.GetAnnotations()[corev1.LastAppliedConfigAnnotation]; ok {
		out = append(out, Warning{Level: LevelWarning, Code: "last-applied",
			Message: "the workload was created or changed by `kubectl apply`: the next apply of its manifest reverts this image change; update the manifest too"})
	}
	if tool := GitOpsManager(obj.GetLabels(), obj.GetAnnotations()); tool != "" {
		out = append(out, Warning{Level: LevelWarning, Code: "gitops",
			Message: fmt.Sprintf("the workload is managed by %s: self-heal or the next sync reverts this image change; change it in Git", tool)})
	}
	if h.Workload.Kind == Deployment && h.Paused {
		out = append(out, Warning{Level: LevelWarning, Code: "paused",
			Message: "the deployment is paused: the new template rolls out only once it is resumed (mayday resume " + h.Workload.String() + ")"})
	}
	for _, c := range p.Changes {
		if why := mutableImage(c.To); why != "" {
			level := LevelInfo
			if strings.Contains(why, "latest") || strings.Contains(why, "no tag") {
				level = LevelWarning
			}
			out = append(out, Warning{Level: level, Code: "mutable-image",
				Message: fmt.Sprintf("container %s: image %s %s: nodes may pull different content later", c.Container, c.To, why)})
		}
	}
	return out
}

// SameImageIntent reports whether two plans of the same set-image were
// made against the same human-set state (template, annotations other than
// the controllers', paused flag): between them only status and controller
// bookkeeping moved.
func SameImageIntent(a, b *ImagePlan) bool {
	if a.FromPaused != b.FromPaused || !EqualIgnoreHash(&a.From, &b.From) {
		return false
	}
	strip := func(m map[string]string) map[string]string {
		out := maps.Clone(m)
		for _, k := range controllerAnnotations {
			delete(out, k)
		}
		return out
	}
	return maps.Equal(strip(a.FromAnnotations), strip(b.FromAnnotations))
}
