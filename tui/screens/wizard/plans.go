package wizard

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
)

// verifyKind is how an action's effect is observed.
type verifyKind int

const (
	// verifyWorkload: the rollout completes, then health recovers.
	verifyWorkload verifyKind = iota
	// verifyTrafficShift: the objects hold the change and the endpoints
	// follow, then health recovers.
	verifyTrafficShift
	// verifyPaused: the workload is seen paused.
	verifyPaused
)

// opPlan is one planned action other than a rollback, ready for its
// server dry run, confirmation and execution. Its text is escaped.
type opPlan struct {
	action string // event name: set-image, pause, resume, switch, canary-rollback
	desc   string // what is in flight, for the quit confirmation
	title  string
	head   []headLine // what changes, in a few lines
	// diff is the pod template's change, when the action changes one.
	diff      *rollout.Diff
	diffTitle string
	checks    []action.Check
	warnings  []rollout.Warning
	records   []string
	question  string
	skip      string // non-empty: nothing to do, and why
	actor     string
	verify    verifyKind
	traffic   *action.TrafficPlan
	dryRun    func(ctx context.Context) (string, error)
	execute   func(ctx context.Context) (string, error)
}

// headLine is a labelled line of a plan ("from", "set"); its text wraps
// under itself.
type headLine struct{ label, text string }

// planner plans an action; it runs in a command and is called again after
// a conflict, on the workload as it is then.
type planner func(ctx context.Context) (*opPlan, error)

func safe(s string) string { return textsafe.String(s) }

// setImagePlanner plans a rollforward to the images in settings.
func setImagePlanner(ops common.Operations, ref rollout.Ref, settings []rollout.ImageSetting, reason string, now func() time.Time) planner {
	return func(ctx context.Context) (*opPlan, error) {
		prep, err := ops.PrepareSetImage(ctx, action.SetImageRequest{Ref: ref, Settings: settings, Reason: reason, Now: now()})
		if err != nil {
			return nil, err
		}
		p := prep.Plan
		op := &opPlan{
			action: action.SetImageAction, desc: "rollforward of " + ref.String(), actor: prep.Actor,
			title:    "Roll forward " + safe(ref.String()) + " in namespace " + safe(ref.Namespace),
			head:     []headLine{{"from", fmt.Sprintf("revision %d", p.FromRevision)}},
			diff:     &p.Diff,
			warnings: p.Warnings,
			records:  []string{"change-cause " + fmt.Sprintf("%q", safe(p.ChangeCause())), "actor " + safe(prep.Actor)},
			question: fmt.Sprintf("Set image %s on %s?", safe(settingsText(p.Settings)), safe(ref.String())),
			verify:   verifyWorkload,
		}
		op.diffTitle = fmt.Sprintf("Changes from revision %d to the new template", p.FromRevision)
		for _, c := range p.Changes {
			op.head = append(op.head, headLine{"set", safe(c.Container) + ": " + safe(c.From) + " → " + safe(c.To)})
		}
		if p.Skip {
			op.skip = safe(p.SkipReason)
		}
		op.dryRun = func(ctx context.Context) (string, error) {
			res, err := ops.SetImage(ctx, p, action.DryRunServer)
			if err != nil {
				return "", err
			}
			return res.Message, nil
		}
		op.execute = func(ctx context.Context) (string, error) {
			res, err := ops.SetImage(ctx, p, action.DryRunNone)
			if res == nil {
				return "", err
			}
			return res.Message, err
		}
		return op, nil
	}
}

func settingsText(s []rollout.ImageSetting) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

// pausePlanner plans pausing (pause) or resuming the rollout.
func pausePlanner(ops common.Operations, ref rollout.Ref, pause bool, reason string) planner {
	return func(ctx context.Context) (*opPlan, error) {
		p, err := ops.PreparePause(ctx, action.PauseRequest{Ref: ref, Pause: pause, Reason: reason})
		if err != nil {
			return nil, err
		}
		verb, verify := "Resume", verifyWorkload
		if pause {
			verb, verify = "Pause", verifyPaused
		}
		op := &opPlan{
			action: p.Action(), desc: strings.ToLower(verb) + " of " + ref.String(), actor: p.Attribution.Actor,
			title: verb + " the rollout of " + safe(ref.String()) + " in namespace " + safe(ref.Namespace),
			head: []headLine{{"plan", safe(p.Message)},
				{"now", fmt.Sprintf("%d of %d pods updated, %d available", p.Rollout.Updated, p.Rollout.Desired, p.Rollout.Available)}},
			records:  []string{"actor " + safe(p.Attribution.Actor)},
			question: fmt.Sprintf("%s the rollout of %s?", verb, safe(ref.String())),
			verify:   verify,
		}
		if pause && reason != "" {
			op.records = append(op.records, "reason "+fmt.Sprintf("%q", safe(reason))+" (mayday.dev/pause-reason)")
		}
		if p.Noop {
			op.skip = safe(p.Message)
		}
		op.dryRun = func(ctx context.Context) (string, error) {
			res, err := ops.Pause(ctx, p, action.DryRunServer)
			if err != nil {
				return "", err
			}
			return res.Message, nil
		}
		op.execute = func(ctx context.Context) (string, error) {
			res, err := ops.Pause(ctx, p, action.DryRunNone)
			if res == nil {
				return "", err
			}
			return res.Message, err
		}
		return op, nil
	}
}

// trafficPlanner plans a blue-green switch or a canary rollback.
func trafficPlanner(ops common.Operations, req action.TrafficRequest) planner {
	return func(ctx context.Context) (*opPlan, error) {
		p, err := ops.PlanTraffic(ctx, req)
		if err != nil {
			return nil, err
		}
		what := "Switch " + safe(p.Object.String())
		if req.Action == action.CanaryRollbackAction {
			what = "Roll back the canary of " + safe(p.Object.String())
		}
		op := &opPlan{
			action: req.Action, desc: req.Action + " of " + p.Object.String(), actor: p.Request.Attribution.Actor,
			title: what + " in namespace " + safe(p.Object.Namespace) + " (" + safe(p.Pattern) + ")",
			head:  []headLine{{"plan", safe(p.Summary)}}, checks: p.Checks, warnings: p.Warnings,
			records:  []string{"actor " + safe(p.Request.Attribution.Actor)},
			question: safe(p.Summary) + "?", verify: verifyTrafficShift, traffic: p,
		}
		for _, c := range p.Changes {
			op.head = append(op.head, headLine{"", "- " + safe(c)})
		}
		if p.Skip {
			op.skip = safe(p.SkipReason)
		}
		op.dryRun = func(ctx context.Context) (string, error) {
			res, err := ops.ExecuteTraffic(ctx, p, action.DryRunServer)
			if err != nil {
				return "", err
			}
			return res.Message, nil
		}
		op.execute = func(ctx context.Context) (string, error) {
			res, err := ops.ExecuteTraffic(ctx, p, action.DryRunNone)
			if res == nil {
				return "", err
			}
			return res.Message, err
		}
		return op, nil
	}
}
