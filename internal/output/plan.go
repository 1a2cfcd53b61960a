package output

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// AttributionDoc says who rolls back and why.
type AttributionDoc struct {
	Actor    string `json:"actor"`
	Reason   string `json:"reason"`
	Incident string `json:"incident"`
}

// WarningDoc is something to know before acting. Level is info or
// warning; Code is a stable identifier (last-applied, gitops, hpa,
// mutable-image, history-limit, cold).
type WarningDoc struct {
	Level   string `json:"level"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// PlanDoc is an undo plan: what `mayday undo` will do, computed before
// doing it.
type PlanDoc struct {
	Kind         string      `json:"kind"` // always "UndoPlan"
	Workload     WorkloadDoc `json:"workload"`
	FromRevision int64       `json:"fromRevision"`
	ToRevision   int64       `json:"toRevision"`
	// Target identifies the revision's object: revision numbers move
	// when the controller renumbers, the UID does not.
	Target SourceDoc `json:"target"`
	// ResourceVersion is the workload's version the plan was made
	// against; the write succeeds only if it is still current.
	ResourceVersion string `json:"resourceVersion"`
	// Skip is true when the workload already runs the target template.
	Skip        bool           `json:"skip"`
	SkipReason  string         `json:"skipReason"`
	ChangeCause string         `json:"changeCause"`
	Attribution AttributionDoc `json:"attribution"`
	// Changes go from the current template to the target's.
	Changes   []ChangeDoc     `json:"changes"`
	Unified   string          `json:"unified"`
	Warnings  []WarningDoc    `json:"warnings"`
	PatchType string          `json:"patchType"`
	Patch     json.RawMessage `json:"patch"`
	PlannedAt time.Time       `json:"plannedAt"`
}

// NewPlanDoc converts a plan.
func NewPlanDoc(p *rollout.Plan) PlanDoc {
	d := PlanDoc{
		Kind: "UndoPlan", Workload: workloadDoc(p.Workload), FromRevision: p.FromRevision, ToRevision: p.ToRevision,
		Target:          SourceDoc{Kind: p.Target.Kind, Name: p.Target.Name, UID: string(p.Target.UID), Hash: p.Target.Hash},
		ResourceVersion: p.ResourceVersion, Skip: p.Skip, SkipReason: p.SkipReason, ChangeCause: p.ChangeCause(),
		Attribution: AttributionDoc{Actor: p.Attribution.Actor, Reason: p.Attribution.Reason, Incident: p.Attribution.Incident},
		Changes:     changeDocs(p.Diff.Summary), Unified: p.Diff.Unified, Warnings: []WarningDoc{},
		PatchType: string(p.PatchType), Patch: p.Patch, PlannedAt: p.PlannedAt.UTC(),
	}
	for _, w := range p.Warnings {
		d.Warnings = append(d.Warnings, WarningDoc{Level: string(w.Level), Code: w.Code, Message: w.Message})
	}
	if d.Patch == nil {
		d.Patch = json.RawMessage("null")
	}
	return d
}

// PrintPlan prints what an undo will do, before it is done. h (optional)
// is the history the plan was made from; it adds the target's age and
// change-cause.
func PrintPlan(w io.Writer, p *rollout.Plan, h *rollout.History, o Options) {
	st := o.Styles()
	fmt.Fprintln(w, st.Bold(fmt.Sprintf("Plan: roll back %s in namespace %s", textsafe.String(p.Workload.String()), textsafe.String(p.Workload.Namespace))))
	var from, to *rollout.Revision
	var names imageNamer
	if h != nil {
		from, _ = h.Find(p.FromRevision)
		to, _ = h.FindByUID(p.Target.UID)
		names = newImageNamer(h.Revisions)
	} else {
		names = imageNamer{prefix: map[string]string{}}
	}
	fromLine := fmt.Sprintf("  from  revision %d", p.FromRevision)
	if p.FromRevision == 0 {
		fromLine = "  from  the current template (no revision matches it yet)"
	}
	if from != nil {
		fromLine += "  " + names.images(from.Images)
	}
	fmt.Fprintln(w, fit(fromLine, o.Width))
	toLine := fmt.Sprintf("  to    revision %d", p.ToRevision)
	if to != nil {
		toLine += "  " + names.images(to.Images)
	}
	fmt.Fprintln(w, fit(toLine, o.Width))
	if to != nil {
		detail := fmt.Sprintf("created %s ago", age(to.Created, o.now()))
		if to.ChangeCause != "" {
			detail += " · " + textsafe.String(to.ChangeCause)
		}
		for _, l := range wrapText(detail, max(o.Width-8, 0)) {
			fmt.Fprintln(w, "        "+st.Muted(l))
		}
	}
	fmt.Fprintln(w)
	if p.Skip {
		fmt.Fprintf(w, "Nothing to do: skipped rollback (%s)\n", textsafe.String(p.SkipReason))
	} else {
		PrintChanges(w, fmt.Sprintf("Changes from revision %d to revision %d", p.FromRevision, p.ToRevision), p.Diff.Summary, o)
		fmt.Fprintln(w)
		printHanging(w, "Records:  ", st.Bold, fmt.Sprintf("change-cause %q", textsafe.String(p.ChangeCause())), "", o.Width)
		attr := "          actor " + textsafe.String(p.Attribution.Actor)
		if p.Attribution.Incident != "" {
			attr += ", incident " + textsafe.String(p.Attribution.Incident)
		}
		fmt.Fprintln(w, attr)
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w)
		PrintWarnings(w, p.Warnings, o)
	}
}

// PrintWarnings prints warnings with a glyph and a word for their level.
func PrintWarnings(w io.Writer, ws []rollout.Warning, o Options) {
	st := o.Styles()
	fmt.Fprintf(w, "Warnings (%d):\n", len(ws))
	for _, x := range ws {
		label, style := "i info:   ", st.Muted
		if x.Level == rollout.LevelWarning {
			label, style = "! warning:", st.Warning
		}
		printHanging(w, "  "+label+" ", style, textsafe.String(x.Message), "", o.Width)
	}
}

// PlanChanges lists, in words, how a re-made plan differs from the first
// one (after a conflict).
func PlanChanges(old, new *rollout.Plan) []string {
	var out []string
	if old.ResourceVersion != new.ResourceVersion {
		out = append(out, fmt.Sprintf("the workload moved from resourceVersion %s to %s", old.ResourceVersion, new.ResourceVersion))
	}
	if old.FromRevision != new.FromRevision {
		out = append(out, fmt.Sprintf("the current revision is now %d (was %d)", new.FromRevision, old.FromRevision))
	}
	if old.ToRevision != new.ToRevision {
		out = append(out, fmt.Sprintf("the target was renumbered: revision %d is now revision %d (same %s %s)",
			old.ToRevision, new.ToRevision, new.Target.Kind, textsafe.String(new.Target.Name)))
	}
	if new.Skip && !old.Skip {
		out = append(out, "the workload already runs the target template now: nothing left to do")
	}
	oldC, newC := changeStrings(old.Diff.Summary), changeStrings(new.Diff.Summary)
	for _, c := range newC {
		if !slices.Contains(oldC, c) {
			out = append(out, "new change: "+c)
		}
	}
	for _, c := range oldC {
		if !slices.Contains(newC, c) {
			out = append(out, "no longer a change: "+c)
		}
	}
	oldW, newW := warningStrings(old.Warnings), warningStrings(new.Warnings)
	for _, x := range newW {
		if !slices.Contains(oldW, x) {
			out = append(out, "new warning: "+x)
		}
	}
	return out
}

func changeStrings(cs []rollout.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c.Kind) + " " + ChangeText(c, Styles{})
	}
	return out
}

func warningStrings(ws []rollout.Warning) []string {
	out := make([]string, len(ws))
	for i, x := range ws {
		out[i] = textsafe.String(x.Message)
	}
	return out
}

// ConflictDoc describes a concurrent change found when writing.
type ConflictDoc struct {
	// Concurrent lists what the other writer changed in the template
	// between planning and writing.
	Concurrent []ChangeDoc `json:"concurrent"`
	// PlanChanges says in words how the re-made plan differs.
	PlanChanges []string `json:"planChanges"`
	// Previous is the plan that hit the conflict.
	Previous PlanDoc `json:"previous"`
}

// UndoDoc is the document `mayday undo -o json|yaml` prints.
type UndoDoc struct {
	Kind string `json:"kind"` // always "UndoResult"
	// Plan is the plan that was executed (after a conflict, the re-made one).
	Plan PlanDoc `json:"plan"`
	// DryRun is none, client or server.
	DryRun string `json:"dryRun"`
	// Outcome is applied, skipped, dry-run or not-applied.
	Outcome string `json:"outcome"`
	Message string `json:"message"`
	// OutcomeWasUnknown is true when the API did not answer the write and
	// Outcome comes from reading the workload back.
	OutcomeWasUnknown bool   `json:"outcomeWasUnknown"`
	ResourceVersion   string `json:"resourceVersion"`
	// StatusReplans counts writes refused only because the controllers
	// had updated status meanwhile; each was planned again and re-sent.
	StatusReplans int `json:"statusReplans"`
	// NewRevision is the number the controller gives the restored
	// revision (the highest number + 1); 0 when nothing was applied.
	NewRevision int64 `json:"newRevision"`
	// Conflict is set when the first write met a concurrent change and
	// the plan was made again (--yes).
	Conflict   *ConflictDoc `json:"conflict,omitempty"`
	EventError string       `json:"eventError"`
}

// NewUndoDoc converts a result.
func NewUndoDoc(res *action.Result, newRevision int64, conflict *ConflictDoc) UndoDoc {
	return UndoDoc{Kind: "UndoResult", Plan: NewPlanDoc(res.Plan), DryRun: string(res.DryRun), Outcome: string(res.Outcome),
		Message: res.Message, OutcomeWasUnknown: res.Unknown, ResourceVersion: res.ResourceVersion, StatusReplans: res.Replans,
		NewRevision: newRevision, Conflict: conflict, EventError: res.EventError}
}

// NewConflictDoc describes a conflict and the re-made plan.
func NewConflictDoc(ce *action.ConflictError) *ConflictDoc {
	d := &ConflictDoc{Concurrent: changeDocs(ce.Concurrent.Summary), PlanChanges: []string{}, Previous: NewPlanDoc(ce.Old)}
	if ce.New != nil {
		d.PlanChanges = append(d.PlanChanges, PlanChanges(ce.Old, ce.New)...)
	}
	return d
}
