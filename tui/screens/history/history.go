// Package history is the workload screen that Enter on the finder opens:
// the revisions as `mayday history` lists them, live from the informer
// cache, with a selection. d opens the diff of the selected revision
// against the current template; r opens the rollback flow to it.
package history

import (
	"context"
	"errors"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
	"github.com/mayday-tui/mayday/tui/keys"
	"github.com/mayday-tui/mayday/tui/screens/diff"
	"github.com/mayday-tui/mayday/tui/screens/health"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
)

// LoadedMsg carries a history read.
type LoadedMsg struct {
	Ref     rollout.Ref
	seq     int
	History *rollout.History
	Err     error
}

// AccessCheckedMsg says whether the user may roll this workload back.
type AccessCheckedMsg struct {
	Ref rollout.Ref
	Err error
}

// Screen shows one workload's revisions.
type Screen struct {
	c             *common.Common
	deps          common.Deps
	ref           rollout.Ref
	width, height int
	hist          *rollout.History
	err           error
	loading       bool
	seq           int
	// cursor is the index of the selected revision in display order
	// (newest first); selected is its object's UID, which survives the
	// renumbering a rollback causes, so the selection follows the revision.
	cursor   int
	selected types.UID
	offset   int
	// forbidden is why the user may not roll back, found by the access
	// check when the screen opened ("" when allowed or unknown).
	forbidden string
	// windows are the revisions' live windows, from the last read.
	windows []rollout.LiveWindow
	// health is each revision's health while live; nil without a metrics
	// source.
	health *revisionHealth
	// incident is the incident in progress the workload's last mayday
	// action was part of (nil: none, or closed).
	incident *finder.InProgress
}

// New returns the screen and the commands that load the history and
// check the user's permission to roll back.
func New(deps common.Deps, c *common.Common, ref rollout.Ref) (Screen, tea.Cmd) {
	if deps.Ctx == nil {
		deps.Ctx = context.Background()
	}
	s := Screen{c: c, deps: deps, ref: ref, loading: true}
	if deps.Health != nil {
		s.health = newRevisionHealth()
	}
	cmd := s.fetch()
	return s, tea.Batch(cmd, s.checkAccess())
}

// fetch reads the history in a command: the cache reader takes a lock and
// walks indexes, which is not Update's business.
func (s *Screen) fetch() tea.Cmd {
	s.seq++
	ctx, r, ref, seq := s.deps.Ctx, s.deps.Reader, s.ref, s.seq
	return func() tea.Msg {
		h, err := rollout.GetHistory(ctx, r, ref)
		return LoadedMsg{Ref: ref, seq: seq, History: h, Err: err}
	}
}

// checkAccess asks once, when the screen opens, so that a user without
// the patch permission sees the rollback key disabled with the reason
// instead of discovering it after building a plan.
func (s Screen) checkAccess() tea.Cmd {
	if s.deps.Actions == nil || s.c.ReadOnly {
		return nil
	}
	ctx, a, ref := s.deps.Ctx, s.deps.Actions, s.ref
	return func() tea.Msg {
		return AccessCheckedMsg{Ref: ref, Err: a.CheckUndoAllowed(ctx, ref)}
	}
}

// Title names the workload.
func (s Screen) Title() string { return textsafe.String(s.ref.String()) }

// Workload is the workload shown.
func (s Screen) Workload() rollout.Ref { return s.ref }

// Keys is the screen's key map with rollback disabled when this user or
// this console cannot roll back.
func (s Screen) Keys() keys.History {
	k := s.c.Keys.History
	if s.rollbackReason() != "" {
		k.Rollback.SetEnabled(false)
	}
	return k
}

// rollbackReason says why rollback is unavailable beyond read-only mode
// (which the shared key map already disables and help already lists).
func (s Screen) rollbackReason() string {
	switch {
	case s.deps.Actions == nil:
		return "the console has no client to act with"
	case s.forbidden != "":
		return s.forbidden
	}
	return ""
}

// KeyMap is for help and the footer.
func (s Screen) KeyMap() help.KeyMap { return s.Keys() }

// DisabledKeys lists rollback with its reason when a run-time check
// disabled it.
func (s Screen) DisabledKeys() []keys.Disabled {
	r := s.rollbackReason()
	b := s.c.Keys.History.Rollback
	if r == "" || !b.Enabled() {
		return nil
	}
	return []keys.Disabled{{Action: "history.rollback", Keys: b.Help().Key, Desc: b.Help().Desc, Reason: r}}
}

// CapturesInput is false: the screen has no text field.
func (s Screen) CapturesInput() bool { return false }

// SetSize sets the body area.
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	s.scroll()
	return s
}

// Commands lists the palette entries.
func (s Screen) Commands() []common.Command {
	k := s.Keys()
	cmds := []common.Command{}
	if rev := s.Selected(); rev != nil {
		cmds = append(cmds, common.Command{Title: "Diff selected revision against current", Keys: k.Diff.Help().Key, Msg: openDiffMsg{}})
		if k.Rollback.Enabled() && !rev.Current {
			cmds = append(cmds, common.Command{Title: "Roll back to selected revision", Keys: k.Rollback.Help().Key, Msg: openRollbackMsg{}})
		}
		if t, why, ok := s.SuggestedTarget(); ok && k.Rollback.Enabled() {
			cmds = append(cmds, common.Command{Title: "Roll back to revision " + t.Label() + " (" + why + ")", Msg: rollbackToMsg{UID: t.Source.UID, Why: why}})
		}
	}
	if k.Health.Enabled() {
		cmds = append(cmds, common.Command{Title: "Health of " + textsafe.String(s.ref.String()), Keys: k.Health.Help().Key, Msg: openHealthMsg{}})
	}
	return append(cmds, common.Command{Title: "Back to workloads", Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}})
}

type openDiffMsg struct{}
type openRollbackMsg struct{}
type openHealthMsg struct{}

// rollbackToMsg opens the rollback flow to a chosen revision with the
// reason it was chosen.
type rollbackToMsg struct {
	UID types.UID
	Why string
}

// Incident is the incident in progress shown in the header.
func (s Screen) Incident() (finder.InProgress, bool) {
	if s.incident == nil {
		return finder.InProgress{}, false
	}
	return *s.incident, true
}

// History is the last history read (nil before the first).
func (s Screen) History() *rollout.History { return s.hist }

// Selected is the selected revision, nil when there is none.
func (s Screen) Selected() *rollout.Revision {
	if s.hist == nil || len(s.hist.Revisions) == 0 {
		return nil
	}
	i := len(s.hist.Revisions) - 1 - s.cursor
	if i < 0 || i >= len(s.hist.Revisions) {
		return nil
	}
	return &s.hist.Revisions[i]
}

// Update handles loads, live changes and keys, then asks for the health
// of revisions that came on screen.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	next, cmd := s.update(msg)
	sc := next.(Screen)
	if check := sc.checkHealth(); check != nil {
		return sc, tea.Batch(cmd, check)
	}
	return sc, cmd
}

func (s Screen) update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case PresetMsg:
		if msg.Ref == s.ref && s.health != nil {
			s.presetDetected(msg)
		}
	case RevisionHealthMsg:
		if msg.Ref == s.ref && s.health != nil {
			s.revisionJudged(msg)
		}
	case LoadedMsg:
		if msg.Ref != s.ref || msg.seq != s.seq {
			return s, nil // an older read, or another workload's
		}
		s.loaded(msg)
	case finder.InProgressMsg:
		s.incident = nil
		if p, ok := msg.Workloads[s.ref]; ok {
			s.incident = &p
		}
		s.scroll()
	case AccessCheckedMsg:
		if msg.Ref == s.ref {
			var fe *kube.ForbiddenError
			if errors.As(msg.Err, &fe) {
				s.forbidden = textsafe.String(fe.Error())
			}
		}
	case common.ClusterChangedMsg:
		if s.touches(msg) {
			cmd := s.fetch()
			return s, cmd
		}
	case openDiffMsg:
		return s, s.openDiff()
	case openRollbackMsg:
		return s, s.openRollback()
	case openHealthMsg:
		return s, s.openHealth()
	case rollbackToMsg:
		return s, s.rollbackTo(msg)
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return s, nil
}

func (s *Screen) loaded(msg LoadedMsg) {
	s.loading = false
	s.err = msg.Err
	if msg.Err != nil && s.hist != nil && !isGone(msg.Err) {
		// Keep showing the last good history beside the error.
		return
	}
	s.hist = msg.History
	s.windows = nil
	if s.hist != nil {
		s.windows = rollout.LiveWindows(s.hist, s.c.Now())
	}
	s.cursor = 0
	if s.hist != nil && s.selected != "" {
		for i := range s.hist.Revisions {
			if s.hist.Revisions[i].Source.UID == s.selected {
				s.cursor = len(s.hist.Revisions) - 1 - i
			}
		}
	}
	if r := s.Selected(); r != nil {
		s.selected = r.Source.UID
	}
	s.scroll()
}

func isGone(err error) bool {
	var nf *rollout.NotFoundError
	var nh *rollout.NoHistoryError
	return errors.As(err, &nf) || errors.As(err, &nh)
}

func (s Screen) key(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	k := s.Keys()
	n := 0
	if s.hist != nil {
		n = len(s.hist.Revisions)
	}
	switch {
	case key.Matches(msg, k.Up):
		s.move(-1, n)
	case key.Matches(msg, k.Down):
		s.move(1, n)
	case key.Matches(msg, k.Diff):
		return s, s.openDiff()
	case key.Matches(msg, k.Rollback):
		return s, s.openRollback()
	case key.Matches(msg, k.Health):
		return s, s.openHealth()
	case key.Matches(msg, s.c.Keys.Global.Back):
		return s, func() tea.Msg { return common.BackMsg{} }
	}
	return s, nil
}

func (s *Screen) move(d, n int) {
	s.cursor = max(min(s.cursor+d, n-1), 0)
	if r := s.Selected(); r != nil {
		s.selected = r.Source.UID
	}
	s.scroll()
}

func (s Screen) openDiff() tea.Cmd {
	rev := s.Selected()
	if rev == nil {
		return nil
	}
	d, cmd := diff.New(s.c, s.hist, *rev)
	return func() tea.Msg { return common.PushScreenMsg{Screen: d, Cmd: cmd} }
}

// openRollback opens the rollback flow to the selected revision. On the
// current revision, which there is no rolling back to, it suggests a
// target instead: the last known good revision when one is known, else
// kubectl's default (the previous revision), saying which and why.
func (s Screen) openRollback() tea.Cmd {
	rev := s.Selected()
	if rev == nil || !s.Keys().Rollback.Enabled() {
		return nil
	}
	target, why := *rev, ""
	if rev.Current {
		t, reason, ok := s.SuggestedTarget()
		if !ok {
			return nil
		}
		target, why = *t, reason
	}
	r, cmd := rollback.New(s.deps, s.c, s.ref, target)
	if why != "" {
		r = r.WithReason(why)
	}
	return func() tea.Msg { return common.PushScreenMsg{Screen: r, Cmd: cmd} }
}

// SuggestedTarget is the revision to roll back to from the current one,
// and why: the last known good revision, else the previous one as
// kubectl picks it.
func (s Screen) SuggestedTarget() (*rollout.Revision, string, bool) {
	if s.hist == nil {
		return nil, "", false
	}
	if r, h, ok := s.LastKnownGood(); ok {
		return r, "last known good: rev " + r.Label() + ", " + liveSummary(h), true
	}
	var prev *rollout.Revision
	for i := range s.hist.Revisions {
		r := &s.hist.Revisions[i]
		if r.Number < s.hist.Current && (prev == nil || r.Number > prev.Number) {
			prev = r
		}
	}
	if prev == nil {
		return nil, "", false
	}
	why := "the previous revision, as kubectl rollout undo picks it"
	switch {
	case s.health == nil:
	case !s.health.detected && s.health.detectErr != nil:
		why += " (health unknown: " + s.health.detectErr.Error() + ")"
	default:
		why += " (no earlier revision is known to have been healthy while live)"
	}
	return prev, why, true
}

func (s Screen) rollbackTo(msg rollbackToMsg) tea.Cmd {
	if s.hist == nil || !s.Keys().Rollback.Enabled() {
		return nil
	}
	rev, ok := s.hist.FindByUID(msg.UID)
	if !ok {
		return nil
	}
	r, cmd := rollback.New(s.deps, s.c, s.ref, *rev)
	r = r.WithReason(msg.Why)
	return func() tea.Msg { return common.PushScreenMsg{Screen: r, Cmd: cmd} }
}

func (s Screen) openHealth() tea.Cmd {
	h, cmd := health.New(s.deps, s.c, s.ref)
	return func() tea.Msg { return common.PushScreenMsg{Screen: h, Cmd: cmd} }
}

// touches reports whether a change concerns this workload or the objects
// it owns.
func (s Screen) touches(msg common.ClusterChangedMsg) bool {
	var uid types.UID
	if s.hist != nil {
		uid = s.hist.UID
	}
	return msg.Touches(s.ref, uid)
}
