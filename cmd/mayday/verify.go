package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// recorder writes the actions' events to the log file, one record each,
// and to the action's incident journal.
func (a *app) recorder() action.Recorder {
	return action.RecorderFunc(func(e action.Event) {
		a.env.logger.Info("action event", "action", e.Action, "phase", string(e.Phase), "namespace", e.Namespace,
			"workload", e.Workload, "actor", e.Actor, "duration", e.Duration, "detail", e.Detail)
		if a.journal != nil {
			a.journal.keeper.Record(e)
		}
	})
}

// healthOrNote is the metric source for a health bake, or nil with the
// reason it is not checked.
func (a *app) healthOrNote(cmd *cobra.Command) (*metrics.Health, string) {
	h, err := a.health(cmd, true)
	if err != nil {
		return nil, err.Error()
	}
	return h, ""
}

// verifier builds the verification of the actions of this command: it
// prints each rollout status change and verdict as a line, prefixed with
// the workload when several are followed at once.
func (a *app) verifier(conn *kube.Connection, w io.Writer, health *metrics.Health, bake, timeout time.Duration, actionName, actor string, several bool) *action.Verifier {
	opts := a.outputOptions()
	var mu sync.Mutex
	last := map[rollout.Ref]string{}
	prefix := func(ref rollout.Ref) string {
		if several {
			return textsafe.String(ref.String()) + "  "
		}
		return ""
	}
	return &action.Verifier{
		Client: conn.Client, WatchClient: conn.WatchClient, Probe: conn.Timeout, Timeout: timeout,
		Health: health, Bake: bake, Recorder: a.recorder(), Action: actionName, Actor: actor,
		OnStatus: func(ref rollout.Ref, s rollout.Status) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintln(w, prefix(ref)+output.ProgressLine(s, a.env.now(), opts))
		},
		OnBake: func(ref rollout.Ref, bake, settle time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(w, "%s%s  health: waiting up to %s for a healthy verdict, judged on what served after the rollout (%s at least)\n",
				prefix(ref), a.env.now().Format("15:04:05"), bake, settle)
		},
		OnHealth: func(ref rollout.Ref, v metrics.Verdict) {
			mu.Lock()
			defer mu.Unlock()
			// One line per change of state, not per poll (the values in
			// the reason move on every poll).
			key := v.State.String()
			if last[ref] == key {
				return
			}
			last[ref] = key
			line := fmt.Sprintf("%s  health %s %s", a.env.now().Format("15:04:05"), v.State.Glyph(), v.State)
			if v.Reason != "" && v.State != metrics.Healthy {
				line += ": " + textsafe.String(v.Reason)
			}
			fmt.Fprintln(w, prefix(ref)+line)
		},
	}
}

// printVerification prints one line saying what was observed.
func printVerification(w io.Writer, v *action.Verification, o output.Options) {
	st := o.Styles()
	glyph := st.Success("✓ verified:")
	if !v.Verified() {
		glyph = st.Danger("✗ not verified:")
	}
	fmt.Fprintf(w, "%s %s %s\n", glyph, textsafe.String(v.Workload.String()), textsafe.String(v.Summary()))
}

// verificationError is the exit for a verification that did not succeed:
// 3 when the rollout was still going at --timeout, else 1.
func verificationError(vs []*action.Verification, timeout time.Duration) error {
	for _, v := range vs {
		if v.TimedOut {
			return &exitError{code: exitTimeout, msg: fmt.Sprintf("timed out after %s waiting for the rollout of %s: %s",
				timeout, textsafe.String(v.Workload.String()), textsafe.String(v.Rollout.Message))}
		}
	}
	for _, v := range vs {
		if !v.Verified() {
			return &exitError{code: exitFailed, msg: fmt.Sprintf("%s not verified: %s", textsafe.String(v.Workload.String()), textsafe.String(v.Summary()))}
		}
	}
	return nil
}

// ask asks a yes/no question on the terminal; without one it refuses with
// refusal, since a change nobody confirmed must not happen because stdin
// was a pipe.
func (a *app) ask(ctx context.Context, cmd *cobra.Command, question, refusal string) error {
	if !a.env.stdinTTY {
		return fmt.Errorf("%s", refusal)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s [y/N] ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		answer <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(cmd.ErrOrStderr())
		return &exitError{code: exitInterrupted, msg: "interrupted: nothing was changed"}
	case s := <-answer:
		if s == "y" || s == "yes" {
			return nil
		}
		return &exitError{code: exitFailed, msg: "not confirmed: nothing was changed"}
	}
}

// confirmed records who confirmed an action and how.
func (a *app) confirmed(actionName, namespace, workload, actor string, yes bool) {
	how := "answered yes on the terminal"
	if yes {
		how = "--yes"
	}
	a.recorder().Record(action.Event{Time: a.env.now(), Action: actionName, Namespace: namespace, Workload: workload,
		Phase: action.PhaseConfirmed, Actor: actor, Detail: map[string]any{"by": how}})
}
