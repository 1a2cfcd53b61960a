package rollout

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Level orders warnings by how much they should stop the engineer.
type Level string

const (
	LevelInfo    Level = "info"
	LevelWarning Level = "warning"
)

// Warning is something the engineer should know before acting.
type Warning struct {
	Level   Level  `json:"level"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (w Warning) String() string { return string(w.Level) + ": " + w.Message }

// GitOps ownership markers: Argo CD and Flux revert manual changes.
var gitOpsMarkers = []struct{ key, tool string }{
	{"argocd.argoproj.io/tracking-id", "Argo CD"},
	{"argocd.argoproj.io/instance", "Argo CD"},
	{"kustomize.toolkit.fluxcd.io/name", "Flux"},
	{"helm.toolkit.fluxcd.io/name", "Flux"},
}

// GitOpsManager returns the GitOps tool that manages the object, if any.
func GitOpsManager(labels, annotations map[string]string) string {
	for _, m := range gitOpsMarkers {
		if _, ok := annotations[m.key]; ok {
			return m.tool
		}
		if _, ok := labels[m.key]; ok {
			return m.tool
		}
	}
	return ""
}

func planWarnings(h *History, target *Revision) []Warning {
	var out []Warning
	obj := h.Object
	if _, ok := obj.GetAnnotations()[corev1.LastAppliedConfigAnnotation]; ok {
		out = append(out, Warning{Level: LevelWarning, Code: "last-applied",
			Message: "the workload was created or changed by `kubectl apply`: the next apply of its manifest reverts this rollback; update the manifest too"})
	}
	if tool := GitOpsManager(obj.GetLabels(), obj.GetAnnotations()); tool != "" {
		out = append(out, Warning{Level: LevelWarning, Code: "gitops",
			Message: fmt.Sprintf("the workload is managed by %s: self-heal or the next sync reverts this rollback; suspend syncing or revert in Git", tool)})
	}
	for _, img := range target.Images {
		if why := mutableImage(img.Image); why != "" {
			level := LevelInfo
			if strings.Contains(why, "latest") || strings.Contains(why, "no tag") {
				level = LevelWarning
			}
			out = append(out, Warning{Level: level, Code: "mutable-image",
				Message: fmt.Sprintf("container %s: image %s %s: the registry may now serve different content than revision %d ran", img.Container, img.Image, why, target.Number)})
		}
	}
	if limit := historyLimit(h); limit >= 0 {
		newer := 0
		for _, r := range h.Revisions {
			if r.Number > target.Number && !r.Current {
				newer++
			}
		}
		if newer >= int(limit) {
			out = append(out, Warning{Level: LevelWarning, Code: "history-limit",
				Message: fmt.Sprintf("revision %d is outside revisionHistoryLimit (%d): the controller may delete it at any moment", target.Number, limit)})
		}
	}
	if h.Workload.Kind == Deployment && target.Desired == 0 && !target.Current {
		out = append(out, Warning{Level: LevelInfo, Code: "cold",
			Message: fmt.Sprintf("revision %d has no running pods: the rollback starts new pods and takes a full rollout", target.Number)})
	}
	return out
}

// mutableImage says why an image reference can change under the same name,
// or "" when it is pinned by digest.
func mutableImage(ref string) string {
	if strings.Contains(ref, "@sha256:") {
		return ""
	}
	last := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(last, ":")
	switch {
	case !ok:
		return "has no tag (means :latest)"
	case tag == "latest":
		return "uses the mutable tag :latest"
	}
	return "is not pinned by digest"
}

func historyLimit(h *History) int32 {
	switch o := h.Object.(type) {
	case *appsv1.Deployment:
		if o.Spec.RevisionHistoryLimit != nil {
			return *o.Spec.RevisionHistoryLimit
		}
		return 10
	case *appsv1.StatefulSet:
		if o.Spec.RevisionHistoryLimit != nil {
			return *o.Spec.RevisionHistoryLimit
		}
		return 10
	case *appsv1.DaemonSet:
		if o.Spec.RevisionHistoryLimit != nil {
			return *o.Spec.RevisionHistoryLimit
		}
		return 10
	}
	return -1
}
