// Package rollback is the flow r opens on a revision: the plan (what
// changes, warnings, the server dry run), the confirmation (typing the
// workload's name in production), the write, and the rollout's live
// progress. Every read and write runs in a command; the plan shown is the
// plan executed; a conflict with another writer shows what they changed
// and the new plan, and asks again.
package rollback

import (
	"errors"
	"strconv"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/keys"
)

// Phase is where the flow is.
type Phase int

const (
	Planning     Phase = iota // reading, checking permission
	PlanFailed                // no plan: forbidden, read-only, paused, …
	DryRunning                // plan shown, the server dry run runs
	DryRunFailed              // the API server refused the dry run
	Confirming                // waiting for the user's yes
	Skipped                   // the workload already runs the target
	Executing                 // the write is in flight
	ExecFailed                // the write failed or its outcome is unknown
	Watching                  // the rollout runs (or ended)
)

// Screen is the flow for one rollback.
type Screen struct {
	c     *common.Common
	deps  common.Deps
	ref   rollout.Ref
	rev   rollout.Revision
	token string

	// why says why this target was suggested ("last known good: rev 4,
	// error ratio 0.2% while live"); "" when the user picked it.
	why string

	phase    Phase
	plan     *rollout.Plan
	hist     *rollout.History // as read when planning, for the plan's header
	err      error
	dry      *action.Result
	drySeq   int
	conflict *action.ConflictError
	typed    string // the workload name, typed in production

	result   *action.Result
	started  time.Time // when the write was answered
	finished time.Time // when the rollout reached an end
	progSeq  int
	live     *rollout.History
	pods     []Pod
	progErr  error

	vp            viewport.Model
	bar           progress.Model
	width, height int
}

// Options say why the target was suggested and what to record.
type Options struct {
	// Why is shown beside the target (WithReason).
	Why string
	// Reason is recorded in the change-cause and the Event, as the CLI's
	// --reason.
	Reason string
}

// New returns the flow and its first command, the plan.
func New(deps common.Deps, c *common.Common, ref rollout.Ref, rev rollout.Revision) (Screen, tea.Cmd) {
	return NewWith(deps, c, ref, rev, Options{})
}

// NewWith is New with a suggestion's reason and a reason to record.
func NewWith(deps common.Deps, c *common.Common, ref rollout.Ref, rev rollout.Revision, o Options) (Screen, tea.Cmd) {
	s := Screen{
		c: c, deps: deps, ref: ref, rev: rev, why: o.Why,
		// The token ties answers to this flow: two flows for the same
		// revision (leave, open again) must not take each other's answers.
		token: string(rev.Source.UID) + "@" + strconv.FormatInt(c.Now().UnixNano(), 10),
		vp:    viewport.New(),
		bar:   progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░')),
	}
	s.vp.SoftWrap = true
	s.vp.KeyMap = viewport.KeyMap{}
	if deps.Actions == nil {
		s.phase, s.err = PlanFailed, errors.New("the console has no client to act with")
		return s, nil
	}
	return s, prepare(deps, s.token, ref, rev.Source.UID, rev.Number, o.Reason, c.Now())
}

// WithReason says why the target was suggested rather than picked.
func (s Screen) WithReason(why string) Screen {
	s.why = why
	s.refresh()
	return s
}

// Reason is why the target was suggested ("" when picked).
func (s Screen) Reason() string { return s.why }

// Target is the revision rolled back to, as chosen.
func (s Screen) Target() rollout.Revision { return s.rev }

// Phase is where the flow is.
func (s Screen) Phase() Phase { return s.phase }

// Plan is the plan shown (nil before it is made).
func (s Screen) Plan() *rollout.Plan { return s.plan }

// Err is the flow's error, if it stopped on one.
func (s Screen) Err() error { return s.err }

// Title names the flow.
func (s Screen) Title() string { return "rollback" }

// KeyMap shows the keys that apply in this phase.
func (s Screen) KeyMap() help.KeyMap { return s.keys() }

func (s Screen) keys() keys.Rollback {
	k := s.c.Keys.Rollback
	if s.phase != Confirming {
		k.Confirm.SetEnabled(false)
		k.Cancel.SetEnabled(false)
	}
	if s.production() {
		// Typing the name: y and n are letters; enter confirms.
		k.Confirm = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "confirm (type the name first)"))
		k.Cancel.SetEnabled(false)
	}
	if s.phase == Watching {
		k.Up.SetEnabled(false)
		k.Down.SetEnabled(false)
		k.PageUp.SetEnabled(false)
		k.PageDown.SetEnabled(false)
	}
	return k
}

// production reports whether confirming takes the workload's name.
func (s Screen) production() bool { return s.c.Production && s.phase == Confirming }

// CapturesInput is true while the name is typed, so q and ? are letters.
func (s Screen) CapturesInput() bool { return s.production() }

// Commands lists palette entries.
func (s Screen) Commands() []common.Command {
	var out []common.Command
	if s.phase == Confirming && !s.c.Production {
		out = append(out, common.Command{Title: "Confirm rollback", Keys: s.c.Keys.Rollback.Confirm.Help().Key, Msg: confirmMsg{}})
	}
	title := "Cancel rollback"
	if s.phase == Watching {
		title = "Back to history (the rollout goes on)"
	}
	return append(out, common.Command{Title: title, Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}})
}

type confirmMsg struct{}

// SetSize sizes the plan viewport and the progress bars.
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	s.vp.SetWidth(s.width)
	s.vp.SetHeight(max(s.height-1-s.promptHeight(), 0))
	s.bar.SetWidth(max(min(s.width-24, 50), 5))
	s.refresh()
	return s
}

// Update drives the flow.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case PreparedMsg:
		if msg.token == s.token {
			return s.prepared(msg)
		}
	case DryRunMsg:
		if msg.token == s.token && msg.seq == s.drySeq {
			return s.dryRunDone(msg)
		}
	case ExecutedMsg:
		if msg.token == s.token {
			return s.executed(msg)
		}
	case ProgressMsg:
		if msg.token == s.token && msg.seq == s.progSeq {
			s.progressed(msg)
		}
	case common.ClusterChangedMsg:
		if s.phase == Watching && s.finished.IsZero() && s.touches(msg) {
			return s, s.readProgress()
		}
	case confirmMsg:
		if s.phase == Confirming && !s.c.Production {
			return s.confirm()
		}
	case tea.PasteMsg:
		if s.production() {
			s.typed += textsafe.String(msg.Content)
		}
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return s, nil
}

func (s Screen) prepared(msg PreparedMsg) (common.Screen, tea.Cmd) {
	s.plan, s.hist, s.err = msg.Plan, msg.History, msg.Err
	switch {
	case msg.Err != nil:
		s.phase = PlanFailed
	case msg.Plan.Skip:
		s.phase = Skipped
	default:
		s.phase = DryRunning
		s.refresh()
		return s, s.dryRun()
	}
	s.refresh()
	return s, nil
}

func (s *Screen) dryRun() tea.Cmd {
	s.drySeq++
	s.dry = nil
	return dryRun(s.deps, s.token, s.drySeq, s.plan)
}

func (s Screen) dryRunDone(msg DryRunMsg) (common.Screen, tea.Cmd) {
	var ce *action.ConflictError
	switch {
	case errors.As(msg.Err, &ce) && ce.New != nil:
		// Someone changed the workload since the plan: show what, adopt
		// the plan made on the new state, and check it again.
		s.conflict, s.plan = ce, ce.New
		cmd := s.dryRun()
		s.refresh()
		return s, cmd
	case msg.Err != nil:
		s.phase, s.err = DryRunFailed, msg.Err
	default:
		s.phase, s.dry, s.typed = Confirming, msg.Result, ""
	}
	s.refresh()
	return s, nil
}

func (s Screen) key(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	k := s.keys()
	if s.production() {
		switch msg.String() {
		case "enter":
			if s.typed == s.ref.Name {
				return s.confirm()
			}
			return s, nil
		case "backspace":
			if r := []rune(s.typed); len(r) > 0 {
				s.typed = string(r[:len(r)-1])
			}
			return s, nil
		case "esc":
			return s, back
		case "up", "down", "pgup", "pgdown":
			// Scrolling the plan still works while typing.
		default:
			if msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 {
				s.typed += msg.Text
			}
			return s, nil
		}
	}
	switch {
	case key.Matches(msg, k.Confirm):
		return s.confirm()
	case key.Matches(msg, k.Cancel), key.Matches(msg, s.c.Keys.Global.Back):
		// Before the write: nothing was changed. After: the rollout goes
		// on without us watching.
		return s, back
	case key.Matches(msg, k.Up):
		s.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		s.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		s.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		s.vp.PageDown()
	}
	return s, nil
}

func back() tea.Msg { return common.BackMsg{} }

func (s Screen) confirm() (common.Screen, tea.Cmd) {
	if s.phase != Confirming || s.plan == nil {
		return s, nil
	}
	s.phase = Executing
	s.refresh()
	return s, execute(s.deps, s.token, s.plan)
}

func (s Screen) executed(msg ExecutedMsg) (common.Screen, tea.Cmd) {
	var ce *action.ConflictError
	switch {
	case errors.As(msg.Err, &ce) && ce.New != nil:
		// Nothing was written. Show the other writer's change and the new
		// plan, dry-run it, and ask again.
		s.conflict, s.plan, s.phase = ce, ce.New, DryRunning
		cmd := s.dryRun()
		s.refresh()
		return s, cmd
	case msg.Err != nil:
		s.phase, s.err, s.result = ExecFailed, msg.Err, msg.Result
		s.refresh()
		return s, nil
	}
	s.result = msg.Result
	if msg.Result.Outcome == action.OutcomeSkipped {
		s.phase = Skipped
		s.refresh()
		return s, nil
	}
	s.phase, s.started = Watching, s.c.Now()
	s.refresh()
	return s, s.readProgress()
}

func (s *Screen) readProgress() tea.Cmd {
	s.progSeq++
	return readProgress(s.deps, s.token, s.progSeq, s.ref)
}

func (s *Screen) progressed(msg ProgressMsg) {
	s.progErr = msg.Err
	if msg.History != nil {
		s.live, s.pods = msg.History, msg.Pods
	}
	if s.Landed() && s.live.Status.Done() && s.finished.IsZero() {
		s.finished = s.c.Now()
	}
}

// Landed reports whether the controller has made the target the current
// revision. Until then the status read is the one before the write (the
// cache may not have seen it yet) and must not be reported as the
// rollback's outcome.
func (s Screen) Landed() bool {
	if s.live == nil || s.plan == nil {
		return false
	}
	r, ok := s.live.FindByUID(s.plan.Target.UID)
	return ok && r.Current && s.live.Current != s.plan.FromRevision && s.live.Status.Desired >= 0
}

// Done reports whether the rollout reached complete or failed.
func (s Screen) Done() bool { return !s.finished.IsZero() }

// Status is the live rollout status (zero before the first read).
func (s Screen) Status() rollout.Status {
	if s.live == nil {
		return rollout.Status{}
	}
	return s.live.Status
}

func (s Screen) touches(msg common.ClusterChangedMsg) bool {
	var uid types.UID
	if s.plan != nil {
		uid = s.plan.UID
	}
	return msg.Touches(s.ref, uid)
}
