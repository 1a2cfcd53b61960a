package wizard

import (
	"fmt"
	"strings"
	"time"

	"github.com/distribution/reference"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// execKind is how the wizard carries out a recommendation.
type execKind int

const (
	// execNone: nothing to execute (keep watching, investigate).
	execNone execKind = iota
	// execRollback: the rollback flow, embedded.
	execRollback
	// execOp: a set-image, pause, resume or traffic action.
	execOp
	// execCommand: the console cannot carry it out; the command to run
	// is shown instead.
	execCommand
)

// execution is a recommendation made concrete.
type execution struct {
	kind execKind
	// label says what x does ("roll back to revision 5").
	label string
	// rev and why are the rollback's target and why it was chosen.
	rev rollout.Revision
	why string
	// plan plans the action (execOp).
	plan planner
	// cli is the command that does the same from a shell.
	cli string
	// note says why nothing is executed here (execNone, execCommand).
	note string
	// reason is recorded with the change.
	reason string
}

// executionFor turns a recommendation into what the wizard can run: the
// workload's history and evidence as gathered name the objects.
func (s Screen) executionFor(rec decide.Recommendation) execution {
	ref := s.ref
	ns := " -n " + shellQuote(ref.Namespace)
	reason := reasonFrom(rec)
	x := execution{reason: reason}
	t := rec.Target
	var h *rollout.History
	var ev decide.Evidence
	if s.gathered != nil {
		h, ev = s.gathered.History, *s.gathered.Evidence
	}
	ops := s.deps.Decision.Ops
	switch rec.Action {
	case decide.NoAction:
		x.note = "Nothing to execute: keep watching the workload's health."
	case decide.Investigate:
		x.note = "Nothing safe to execute yet: find the cause (the health screen shows the evidence)."
	case decide.Rollback:
		x.cli = fmt.Sprintf("mayday undo %s%s --to-revision %d --reason %s", ref, ns, t.Revision, shellQuote(reason))
		x.label = "roll back to revision " + fmt.Sprint(t.Revision)
		if h != nil && t.Kind == decide.TargetRevision {
			if r, ok := h.Find(t.Revision); ok {
				x.kind, x.rev, x.why = execRollback, *r, t.Basis
				return x
			}
		}
		x.kind, x.note = execCommand, "The target revision is not in the history as read."
	case decide.Rollforward:
		x.label = "roll forward to " + t.Image
		container, err := containerFor(h, t.Image)
		name := container
		if err != nil {
			name = "CONTAINER"
		}
		x.cli = fmt.Sprintf("mayday set-image %s%s %s --reason %s --watch", ref, ns, shellQuote(name+"="+t.Image), shellQuote(reason))
		if err != nil {
			x.kind, x.note = execCommand, err.Error()
			return x
		}
		x.kind = execOp
		x.plan = setImagePlanner(ops, ref, []rollout.ImageSetting{{Container: container, Image: t.Image}}, reason, s.c.Now)
	case decide.Pause, decide.Resume:
		pause := rec.Action == decide.Pause
		verb := "resume"
		if pause {
			verb = "pause"
		}
		x.label = verb + " the rollout"
		x.cli = fmt.Sprintf("mayday %s %s%s --reason %s", verb, ref, ns, shellQuote(reason))
		x.kind, x.plan = execOp, pausePlanner(ops, ref, pause, reason)
	case decide.BlueGreenSwitch:
		bg := ev.Traffic.BlueGreen
		if bg == nil || t.Side == "" {
			x.kind, x.note = execCommand, "No blue-green pair was found in the evidence: name the Service."
			x.cli = "mayday switch service/NAME" + ns
			x.label = "switch traffic back"
			return x
		}
		x.label = "switch " + bg.Service + " to " + t.Side
		x.cli = fmt.Sprintf("mayday switch service/%s%s --to %s --reason %s", bg.Service, ns, shellQuote(t.Side), shellQuote(reason))
		x.kind = execOp
		x.plan = trafficPlanner(ops, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Namespace: ref.Namespace,
			Name: bg.Service, To: t.Side, Attribution: rollout.Attribution{Reason: reason}, Now: s.c.Now()})
	case decide.CanaryRollback:
		x.label = "send all traffic back to the stable version"
		kind, name := canaryObject(ev.Traffic.Canary)
		x.cli = fmt.Sprintf("mayday canary rollback %s/%s%s --reason %s", kind, name, ns, shellQuote(reason))
		if name == "NAME" {
			x.kind, x.note = execCommand, "The canary's object is not known from the evidence: name it."
			return x
		}
		x.kind = execOp
		x.plan = trafficPlanner(ops, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: kind, Namespace: ref.Namespace,
			Name: name, Attribution: rollout.Attribution{Reason: reason}, Now: s.c.Now()})
	case decide.RollbackApp, decide.PartialRollback:
		app := ev.App.Name
		if app == "" {
			app = "NAME"
		}
		at := "TIME"
		if t.Kind == decide.TargetTime {
			at = t.Time.UTC().Format(time.RFC3339)
		}
		x.label = "roll the application back"
		x.cli = fmt.Sprintf("mayday undo app/%s%s --to-time %s --reason %s", app, ns, at, shellQuote(reason))
		if rec.Action == decide.PartialRollback {
			x.label = "roll some parts of the application back"
			x.cli += " --only COMPONENTS"
		}
		x.kind, x.note = execCommand, "Application rollbacks run from the command line: it plans every part, dry-runs them and asks once."
	default:
		x.kind, x.note = execCommand, "The console does not run "+string(rec.Action)+"."
	}
	return x
}

// canaryObject names what `mayday canary rollback` takes for a canary.
func canaryObject(c *decide.Canary) (kind, name string) {
	if c == nil {
		return "KIND", "NAME"
	}
	switch c.Mechanism {
	case "deployment-pair":
		if strings.Contains(c.Name, ",") {
			return "deployment", "NAME" // several canaries: the engineer names one
		}
		return "deployment", c.Name
	case "argo-rollouts":
		return "rollout", c.Name
	case "httproute":
		return "httproute", "NAME"
	case "istio":
		return "virtualservice", "NAME"
	}
	return "KIND", "NAME"
}

// containerFor picks the container a fixed image is for: the only one,
// or the one running the same repository. Anything else is the
// engineer's to say.
func containerFor(h *rollout.History, image string) (string, error) {
	if h == nil {
		return "", fmt.Errorf("the workload's containers were not read")
	}
	cs := h.Template.Spec.Containers
	if len(cs) == 1 {
		return cs[0].Name, nil
	}
	want := repository(image)
	var match []string
	for _, c := range cs {
		if want != "" && repository(c.Image) == want {
			match = append(match, c.Name)
		}
	}
	if len(match) == 1 {
		return match[0], nil
	}
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return "", fmt.Errorf("%s has %d containers (%s) and none alone runs %s: say which one the fixed image is for",
		h.Workload, len(cs), strings.Join(names, ", "), want)
}

func repository(image string) string {
	n, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return ""
	}
	return n.Name()
}

// reasonFrom is the reason recorded with the change, short enough for a
// change-cause: the outcome, how many questions led there, and the
// answers the engineer gave (the rest came from the evidence).
func reasonFrom(rec decide.Recommendation) string {
	r := fmt.Sprintf("decision %s after %d %s", rec.Outcome, len(rec.Path), plural(len(rec.Path), "question", "questions"))
	var given []string
	for _, s := range rec.Path {
		if s.Engineer == "" || len(s.Answer) > 20 {
			continue // evidence, or a long text answer the action names anyway
		}
		a := s.Node + "=" + s.Answer
		if s.Overridden {
			a += " (override)"
		}
		given = append(given, a)
	}
	if len(given) == 0 {
		return r + ", all answered from evidence"
	}
	return r + "; answered: " + strings.Join(given, ", ")
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
