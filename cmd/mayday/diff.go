package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func newDiffCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff KIND/NAME A [B]",
		Short: "Compare the pod templates of two revisions (or one with the current template)",
		Long: `Summarise what changes from revision A to revision B (images, environment,
resources, anything else), then show the unified diff of the two pod templates.
With only A, compare revision A with the workload's current template.`,
		Example: `  mayday --demo diff deployment/checkout 4 5
  mayday --demo diff deployment/checkout 4      # revision 4 → current template
  mayday --demo diff deployment/checkout 4 5 -o json`,
		Args: exactArgs(2, 3, "KIND/NAME A [B]"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		if err := parseRef(cmd, args[0]); err != nil {
			return err
		}
		revA, err := parseRevision(cmd, "revision", args[1], false)
		if err != nil {
			return err
		}
		var revB int64
		if len(args) == 3 {
			if revB, err = parseRevision(cmd, "revision", args[2], false); err != nil {
				return err
			}
		}
		h, err := a.history(ctx, cmd, args[0])
		if err != nil {
			return err
		}
		from, ok := h.Find(revA)
		if !ok {
			return &rollout.RevisionNotFoundError{Revision: revA}
		}
		fromSide := output.DiffSideDoc{Revision: revA, Label: fmt.Sprintf("revision %d", revA)}
		toTemplate := &h.Template
		toSide := output.DiffSideDoc{Revision: h.Current, Label: "current template"}
		if h.Current > 0 {
			toSide.Label = fmt.Sprintf("current template (revision %d)", h.Current)
		}
		if revB > 0 {
			to, ok := h.Find(revB)
			if !ok {
				return &rollout.RevisionNotFoundError{Revision: revB}
			}
			toTemplate = to.Template
			toSide = output.DiffSideDoc{Revision: revB, Label: fmt.Sprintf("revision %d", revB)}
		}
		ref := h.Workload
		d := rollout.DiffTemplatesLabeled(from.Template, toTemplate, fromSide.Label, toSide.Label)
		out := cmd.OutOrStdout()
		if f.Machine() {
			return output.WriteDoc(out, f, output.NewDiffDoc(ref, fromSide, toSide, d))
		}
		title := fmt.Sprintf("%s in namespace %s: %s → %s", ref, ref.Namespace, fromSide.Label, toSide.Label)
		return output.PrintDiff(out, title, d, a.outputOptions())
	})
	return cmd
}
