package wizard

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
)

// GatheredMsg carries a workload's evidence, or why it could not be read.
type GatheredMsg struct {
	token    string
	seq      int
	Gathered *evidence.Gathered
	// Actor is who answers in this console (recorded with overrides).
	Actor string
	Err   error
	Took  time.Duration
}

// gather reads the evidence while the acting user's name is asked: both
// go to the cluster and do not depend on each other.
func gather(deps common.Deps, token string, seq int, ref rollout.Ref) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		var (
			wg    sync.WaitGroup
			actor string
		)
		if deps.Actions != nil {
			wg.Go(func() { actor = deps.Actions.Actor(deps.Ctx) })
		}
		g, err := deps.Decision.Gather(deps.Ctx, ref)
		wg.Wait()
		return GatheredMsg{token: token, seq: seq, Gathered: g, Actor: actor, Err: err, Took: time.Since(start)}
	}
}

// opPlannedMsg carries a planned action (set-image, pause, resume,
// traffic), or why it cannot be planned.
type opPlannedMsg struct {
	token string
	seq   int
	plan  *opPlan
	err   error
}

// opDryRunMsg carries the server dry run of the plan shown.
type opDryRunMsg struct {
	token string
	seq   int
	msg   string
	err   error
}

// opExecutedMsg carries the answer to the write.
type opExecutedMsg struct {
	token string
	seq   int
	msg   string
	err   error
}

func planOp(token string, seq int, fn func(ctx context.Context) (*opPlan, error), ctx context.Context) tea.Cmd {
	return func() tea.Msg {
		p, err := fn(ctx)
		return opPlannedMsg{token: token, seq: seq, plan: p, err: err}
	}
}

func dryRunOp(ctx context.Context, token string, seq int, p *opPlan) tea.Cmd {
	return func() tea.Msg {
		msg, err := p.dryRun(ctx)
		return opDryRunMsg{token: token, seq: seq, msg: msg, err: err}
	}
}

// executeOp writes, bracketed so that quitting asks first; the write runs
// to its end even if the console's context ends, and its answer reaches
// every screen (this one may have been left meanwhile).
func executeOp(ctx context.Context, token string, seq int, p *opPlan) tea.Cmd {
	started := func() tea.Msg { return common.ActionStartedMsg{Desc: p.desc} }
	write := func() tea.Msg {
		msg, err := p.execute(context.WithoutCancel(ctx))
		return common.ActionFinishedMsg{Then: opExecutedMsg{token: token, seq: seq, msg: msg, err: err}}
	}
	return tea.Sequence(started, write)
}

// verifyUpdate is one observation of a verification in progress.
type verifyUpdate struct {
	status    *rollout.Status
	verdict   *metrics.Verdict
	verdictAt time.Time
}

// verifyDone is a finished verification.
type verifyDone struct {
	verified bool
	summary  string
	// rolloutFailed says the rollout itself failed (not only health).
	rolloutFailed bool
	health        metrics.Verdict
	healthChecked bool
}

// verifyMsg carries an observation or the end of a verification.
type verifyMsg struct {
	token  string
	seq    int
	update *verifyUpdate
	done   *verifyDone
}

// verifyStream connects a verification running in its own goroutine to
// the screen: observations are offered without blocking (a screen that
// was left reads none), the end is always kept.
type verifyStream struct {
	updates chan verifyUpdate
	done    chan verifyDone
}

func newVerifyStream() *verifyStream {
	return &verifyStream{updates: make(chan verifyUpdate, 32), done: make(chan verifyDone, 1)}
}

func (s *verifyStream) offer(u verifyUpdate) {
	select {
	case s.updates <- u:
	default: // full: the newest observations follow soon
	}
}

func (s *verifyStream) progress() common.VerifyProgress {
	return common.VerifyProgress{
		OnStatus: func(st rollout.Status) { s.offer(verifyUpdate{status: &st}) },
		OnHealth: func(v metrics.Verdict) { s.offer(verifyUpdate{verdict: &v, verdictAt: time.Now()}) },
	}
}

// wait returns the next observation, or the end once every observation
// before it was read. It is issued again after each.
func (s *verifyStream) wait(token string, seq int) tea.Cmd {
	return func() tea.Msg {
		select {
		case u := <-s.updates:
			return verifyMsg{token: token, seq: seq, update: &u}
		case d := <-s.done:
			for {
				select {
				case u := <-s.updates:
					// Observations the end overtook: keep the end for later.
					s.done <- d
					return verifyMsg{token: token, seq: seq, update: &u}
				default:
					return verifyMsg{token: token, seq: seq, done: &d}
				}
			}
		}
	}
}

// verifyRollout follows ref's rollout and bakes its health, in its own
// goroutine started by the command, which then waits for the first
// observation.
func verifyRollout(deps common.Deps, s *verifyStream, token string, seq int, ref rollout.Ref, actionName, actor string) tea.Cmd {
	bake := deps.Decision.BakeTime()
	return func() tea.Msg {
		go func() {
			v := deps.Decision.Ops.Verify(deps.Ctx, ref, actionName, actor, bake, s.progress())
			s.done <- verifyDone{verified: v.Verified(), summary: v.Summary(), rolloutFailed: v.RolloutFailed || v.TimedOut,
				health: v.Health, healthChecked: v.HealthChecked}
		}()
		return s.wait(token, seq)()
	}
}

// verifyTraffic observes a traffic plan's effect and bakes its health.
func verifyTraffic(deps common.Deps, s *verifyStream, token string, seq int, p *action.TrafficPlan) tea.Cmd {
	bake := deps.Decision.BakeTime()
	return func() tea.Msg {
		go func() {
			v := deps.Decision.Ops.VerifyTraffic(deps.Ctx, p, bake, s.progress())
			s.done <- verifyDone{verified: v.Verified(), summary: v.Summary(), rolloutFailed: !v.Traffic,
				health: v.Health, healthChecked: v.HealthChecked}
		}()
		return s.wait(token, seq)()
	}
}

// pausedMsg says whether the workload is seen paused in the cache.
type pausedMsg struct {
	token  string
	seq    int
	paused bool
	status rollout.Status
	err    error
}

// readPaused reads the workload from the cache after a pause.
func readPaused(deps common.Deps, token string, seq int, ref rollout.Ref) tea.Cmd {
	return func() tea.Msg {
		h, err := rollout.GetHistory(deps.Ctx, deps.Reader, ref)
		if err != nil {
			return pausedMsg{token: token, seq: seq, err: err}
		}
		return pausedMsg{token: token, seq: seq, paused: h.Paused, status: h.Status}
	}
}
