package rollback

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
)

// PreparedMsg carries the plan, or why there is none.
type PreparedMsg struct {
	token   string
	Plan    *rollout.Plan
	History *rollout.History
	Err     error
}

// DryRunMsg carries the server dry run of the plan shown.
type DryRunMsg struct {
	token  string
	seq    int
	Result *action.Result
	Err    error
}

// ExecutedMsg carries the answer to the write.
type ExecutedMsg struct {
	token  string
	Result *action.Result
	Err    error
}

// ProgressMsg carries the workload's rollout state read from the cache.
type ProgressMsg struct {
	token   string
	seq     int
	History *rollout.History
	Pods    []Pod
	Err     error
}

// Pod is one pod as the progress screen lists it.
type Pod struct {
	Name     string // escaped
	Revision int64  // 0 when unknown
	State    string // glyph and word
	Ready    bool
	Created  time.Time
}

// prepare reads the history from the cache and plans the undo while the
// permission and the actor's name are asked of the API server: the
// console's cache is warm, so the plan costs no request, and the two
// questions run at once. PlanUndo over the cache reader also finds
// autoscalers (the HPA warning).
func prepare(deps common.Deps, token string, ref rollout.Ref, target types.UID, toRevision int64, reason string, now time.Time) tea.Cmd {
	return func() tea.Msg {
		ctx := deps.Ctx
		var (
			wg        sync.WaitGroup
			accessErr error
			actor     string
		)
		wg.Go(func() { accessErr = deps.Actions.CheckUndoAllowed(ctx, ref) })
		wg.Go(func() { actor = deps.Actions.Actor(ctx) })
		h, err := rollout.GetHistory(ctx, deps.Reader, ref)
		wg.Wait()
		if accessErr != nil {
			// The user cannot act either way: that is what to fix first.
			return PreparedMsg{token: token, Err: accessErr}
		}
		if err != nil {
			return PreparedMsg{token: token, Err: err}
		}
		// The revision was picked by its object: its number may have moved
		// since (a rollback elsewhere renumbers revisions).
		if r, ok := h.FindByUID(target); ok {
			toRevision = r.Number
		}
		plan, err := rollout.PlanUndo(ctx, deps.Reader, ref, rollout.UndoOptions{
			ToRevision: toRevision, Now: now, Attribution: rollout.Attribution{Actor: actor, Reason: reason},
		})
		return PreparedMsg{token: token, Plan: plan, History: h, Err: err}
	}
}

// dryRun has the API server validate the plan without persisting it.
func dryRun(deps common.Deps, token string, seq int, plan *rollout.Plan) tea.Cmd {
	return func() tea.Msg {
		res, err := deps.Actions.Undo(deps.Ctx, plan, action.DryRunServer)
		return DryRunMsg{token: token, seq: seq, Result: res, Err: err}
	}
}

// execute writes, bracketed by ActionStartedMsg/ActionFinishedMsg so
// that quitting asks first. The result travels inside the finish message:
// the bracket closes even if this screen was left meanwhile. The write
// itself runs to its end even if the console's context ends.
func execute(deps common.Deps, token string, plan *rollout.Plan) tea.Cmd {
	started := func() tea.Msg {
		return common.ActionStartedMsg{Desc: "rollback of " + plan.Workload.String()}
	}
	write := func() tea.Msg {
		res, err := deps.Actions.Undo(context.WithoutCancel(deps.Ctx), plan, action.DryRunNone)
		return common.ActionFinishedMsg{Then: ExecutedMsg{token: token, Result: res, Err: err}}
	}
	return tea.Sequence(started, write)
}

// readProgress reads the workload's status and pods from the cache.
func readProgress(deps common.Deps, token string, seq int, ref rollout.Ref) tea.Cmd {
	return func() tea.Msg {
		h, err := rollout.GetHistory(deps.Ctx, deps.Reader, ref)
		if err != nil {
			return ProgressMsg{token: token, seq: seq, Err: err}
		}
		pods, err := podsOf(deps, h)
		if err != nil {
			return ProgressMsg{token: token, seq: seq, History: h, Err: err}
		}
		return ProgressMsg{token: token, seq: seq, History: h, Pods: podStates(h, pods)}
	}
}

// podsOf lists the workload's pods: a Deployment's pods are controlled by
// its ReplicaSets, not by the Deployment, so they are read per revision.
func podsOf(deps common.Deps, h *rollout.History) ([]*corev1.Pod, error) {
	if h.Workload.Kind != rollout.Deployment {
		return deps.Reader.PodsFor(deps.Ctx, h.Object, h.Selector)
	}
	var out []*corev1.Pod
	for _, r := range h.Revisions {
		owner := &metav1.ObjectMeta{Namespace: h.Workload.Namespace, Name: r.Source.Name, UID: r.Source.UID}
		pods, err := deps.Reader.PodsFor(deps.Ctx, owner, h.Selector)
		if err != nil {
			return nil, err
		}
		out = append(out, pods...)
	}
	return out, nil
}

// podStates describes pods with glyph and word, newest revision first.
func podStates(h *rollout.History, pods []*corev1.Pod) []Pod {
	out := make([]Pod, 0, len(pods))
	for _, p := range pods {
		out = append(out, Pod{
			Name: safe(p.Name), Revision: podRevision(h, p), State: podState(p),
			Ready: podReady(p), Created: p.CreationTimestamp.Time,
		})
	}
	slices.SortFunc(out, func(a, b Pod) int {
		if a.Revision != b.Revision {
			return int(b.Revision - a.Revision)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

func podRevision(h *rollout.History, p *corev1.Pod) int64 {
	hash := p.Labels[rollout.PodTemplateHashKey]
	if hash == "" {
		hash = p.Labels[rollout.ControllerRevisionHashKey]
	}
	if hash == "" {
		return 0
	}
	for _, r := range h.Revisions {
		if r.Source.Hash == hash || r.Source.Name == hash {
			return r.Number
		}
	}
	return 0
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podState(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "◌ terminating"
	}
	switch p.Status.Phase {
	case corev1.PodFailed:
		return "✗ failed"
	case corev1.PodSucceeded:
		return "✓ succeeded"
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return "… " + safe(w.Reason)
		}
	}
	if podReady(p) {
		return "✓ ready"
	}
	if p.Status.Phase == corev1.PodRunning {
		return "● running, not ready"
	}
	return "… pending"
}
