package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/atomicfile"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

type reportFlags struct {
	format, out, template string
	set                   []string
	utc, defaultTemplate  bool
}

func newReportCmd(a *app) *cobra.Command {
	var fl reportFlags
	cmd := &cobra.Command{
		Use:   "report ID|FILE",
		Short: "Draft the incident report from the journal (Markdown or JSON), offline",
		Long: `Draft an incident's report from its journal alone: summary (start, end,
duration, severity, impact), the timeline from deploy to stable, root-cause
hints marked as a draft, the actions taken with their outcomes, prompts for
lessons learned and action items, and an appendix. It needs no cluster: copy
the journal file (and its .report.json edits) to another machine and pass its
path.

The free-text sections (summary, root-cause, lessons-learned, action-items)
take the engineer's text with --set; it is saved next to the journal and
merged into every later report. The template is the built-in one,
incidents.reportTemplate from the config, or --template.`,
		Example: `  mayday report INC-20261125-1420-checkout
  mayday report INC-20261125-1420-checkout --out postmortem.md
  mayday report ./INC-20261125-1420-checkout.jsonl -o json
  mayday report INC-20261125-1420-checkout --set lessons-learned=@lessons.md
  mayday report --default-template > team.md.tmpl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if fl.defaultTemplate {
				return exactArgs(0, 0, "none with --default-template")(cmd, args)
			}
			return exactArgs(1, 1, "ID or FILE")(cmd, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&fl.format, "output", "o", "md", "Output format: md (Markdown) or json")
	f.StringVar(&fl.out, "out", "", "Write the report to FILE (atomically) instead of stdout")
	f.StringVar(&fl.template, "template", "", "A text/template file instead of the configured or built-in template")
	f.StringArrayVar(&fl.set, "set", nil, "Set a free-text section: SECTION=TEXT or SECTION=@FILE ("+strings.Join(report.Sections(), ", ")+"); saved next to the journal")
	f.BoolVar(&fl.utc, "utc", false, "Show times in UTC rather than the local time zone")
	f.BoolVar(&fl.defaultTemplate, "default-template", false, "Print the built-in template (a starting point for a team's own) and exit")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		if fl.defaultTemplate {
			_, err := fmt.Fprint(cmd.OutOrStdout(), report.DefaultTemplate())
			return err
		}
		return a.report(cmd, args[0], fl)
	})
	return cmd
}

func (a *app) report(cmd *cobra.Command, arg string, fl reportFlags) error {
	if fl.format != "md" && fl.format != "markdown" && fl.format != "json" {
		return usagef(cmd, "unknown report format %q: use -o md or json", fl.format)
	}
	sets, err := parseSets(cmd, fl.set)
	if err != nil {
		return err
	}
	js, err := a.journals(cmd)
	if err != nil {
		return err
	}
	tmplName, tmpl, err := a.reportTemplate(cmd, js, fl)
	if err != nil {
		return err
	}
	path, err := a.locate(cmd, js, arg)
	if err != nil {
		return err
	}
	inc, recs, warns, err := incident.Read(path)
	if err != nil {
		return err
	}
	warnJournal(cmd.ErrOrStderr(), warns)
	if p := incident.Pending(recs); len(p) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %d action(s) with outcome unknown; the report says so\n", len(p))
	}
	editsPath := report.EditsPath(path)
	edits, err := report.LoadEdits(editsPath)
	if err != nil {
		if len(sets) > 0 {
			return fmt.Errorf("%v; move it away to start the edits afresh", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", oneLine(err.Error()))
	}
	if len(sets) > 0 {
		for _, s := range sets {
			_ = edits.Set(s.section, s.text) // sections checked by parseSets
		}
		edits.Updated, edits.By = a.env.now().UTC(), a.journalActor()
		if err := report.SaveEdits(editsPath, edits); err != nil {
			return fmt.Errorf("saving the report's edits: %w", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "saved %d section(s) to %s\n", len(sets), textsafe.String(editsPath))
	}
	r, err := report.Draft(inc, recs, report.Analysis{Redactor: js.opts.Redactor})
	if err != nil {
		return err
	}
	r = r.WithEdits(edits)
	r.Generated = a.env.now()
	r.Location = time.Local
	if fl.utc {
		r.Location = time.UTC
	}
	for _, w := range warns {
		r.Journal.Warnings = append(r.Journal.Warnings, w.String())
	}
	var data []byte
	if fl.format == "json" {
		data, err = report.JSON(r)
	} else {
		data, err = report.Markdown(r, tmplName, tmpl)
	}
	if err != nil {
		return err
	}
	if fl.out == "" {
		_, err = cmd.OutOrStdout().Write(data)
		return err
	}
	if err := atomicfile.WriteFile(fl.out, data, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", textsafe.String(fl.out))
	return err
}

// reportTemplate is --template, else the config's, else the built-in
// (empty).
func (a *app) reportTemplate(cmd *cobra.Command, js *journalSet, fl reportFlags) (string, string, error) {
	file := fl.template
	if file == "" && js.cfg != nil {
		file = js.cfg.Incidents.ReportTemplate
	}
	if file == "" || fl.format == "json" {
		return "", "", nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", "", usagef(cmd, "--template: %v", err)
	}
	return file, string(data), nil
}

type sectionText struct{ section, text string }

// parseSets reads --set SECTION=TEXT and SECTION=@FILE.
func parseSets(cmd *cobra.Command, sets []string) ([]sectionText, error) {
	var out []sectionText
	for _, s := range sets {
		section, text, ok := strings.Cut(s, "=")
		if !ok {
			return nil, usagef(cmd, "--set %q: write SECTION=TEXT or SECTION=@FILE", s)
		}
		if err := (&report.Edits{}).Set(section, ""); err != nil {
			return nil, usagef(cmd, "--set: %v", err)
		}
		if file, ok := strings.CutPrefix(text, "@"); ok {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, usagef(cmd, "--set %s: %v", section, err)
			}
			text = string(data)
		}
		out = append(out, sectionText{section: section, text: text})
	}
	return out, nil
}
