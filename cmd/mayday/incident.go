package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/notify"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/redact"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

func newIncidentCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Open, list, show, annotate and close incidents (the incident journal)",
		Long: `An incident's journal records what mayday saw and did: signals, decisions,
every action's plan, dry run, confirmation, execution and verification, notes
and notifications, each with its time, actor and host. Journals are files
under $XDG_DATA_HOME/mayday/incidents (or --journal-dir); they need no cluster
and can be copied to another machine. See docs/incident.md.`,
		Example: `  mayday incident open "checkout errors" --severity SEV2 --workload deployment/checkout
  mayday incident ls
  mayday incident show INC-20261125-1420-checkout
  mayday incident note INC-20261125-1420-checkout "payments team paged"
  mayday incident close INC-20261125-1420-checkout --resolution "rolled back to revision 4"
  mayday incident reconcile INC-20261125-1420-checkout
  mayday incident analyze INC-20261125-1420-checkout deployment/checkout`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			return usagef(cmd, "unknown command %q for \"mayday incident\": use open, ls, show, note, close, reconcile or analyze", args[0])
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newIncidentOpenCmd(a), newIncidentListCmd(a), newIncidentShowCmd(a), newIncidentNoteCmd(a), newIncidentCloseCmd(a),
		newIncidentReconcileCmd(a), newIncidentAnalyzeCmd(a))
	return cmd
}

func newIncidentOpenCmd(a *app) *cobra.Command {
	var severity, owner, id string
	var workloads []string
	cmd := &cobra.Command{
		Use:   "open TITLE",
		Short: "Open an incident: its journal starts with who, when and what",
		Example: `  mayday incident open "checkout errors" --severity SEV2 --workload deployment/checkout
  mayday --demo incident open "checkout 5xx after deploy" -w deploy/checkout -n shop`,
		Args: exactArgs(1, 1, "TITLE"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	f := cmd.Flags()
	f.StringVar(&severity, "severity", "", "Severity, such as SEV1-SEV4 or P1-P4")
	f.StringArrayVarP(&workloads, "workload", "w", nil, "Affected workload as KIND/NAME (repeatable); its namespace is -n's")
	f.StringVar(&owner, "owner", "", "Who owns the incident (default: you)")
	f.StringVar(&id, "id", "", "The incident id (default: INC-DATE-TIME-NAME from the first workload or the title)")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		o, err := format()
		if err != nil {
			return err
		}
		opened, err := a.openedFromFlags(cmd, args[0], severity, owner, id, workloads)
		if err != nil {
			return err
		}
		js, err := a.journals(cmd)
		if err != nil {
			return err
		}
		j, err := incident.Open(js.dir, opened, js.opts)
		if err != nil {
			return fmt.Errorf("cannot open the incident: %w", err)
		}
		defer j.Close()
		inc := j.Incident()
		if o.Machine() {
			err = output.WriteDoc(cmd.OutOrStdout(), o, incidentDoc(inc, 0))
		} else {
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "opened %s: %s\njournal %s\n", textsafe.String(inc.ID), textsafe.String(inc.Title), textsafe.String(inc.Path))
		}
		js.finish(ctx, cmd, j, 0)
		return err
	})
	return cmd
}

var severityPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$`) // compiled once, never changed

// openedFromFlags checks open's arguments before anything is written.
func (a *app) openedFromFlags(cmd *cobra.Command, title, severity, owner, id string, workloads []string) (incident.Opened, error) {
	o := incident.Opened{Title: strings.TrimSpace(title), Severity: strings.ToUpper(severity), Owner: owner, ID: id}
	switch {
	case o.Title == "":
		return o, usagef(cmd, "the title is empty: say in a few words what is wrong")
	case strings.ContainsAny(o.Title+owner, "\n\r"):
		return o, usagef(cmd, "the title and --owner must be one line")
	case severity != "" && !severityPattern.MatchString(severity):
		return o, usagef(cmd, "--severity %q: use a short level such as SEV2 or P1", severity)
	}
	if id != "" {
		if err := incident.CheckID(id); err != nil {
			return o, usagef(cmd, "--id: %v", err)
		}
	}
	ns := a.namespace()
	for _, w := range workloads {
		name, err := workloadName(w)
		if err != nil {
			return o, usagef(cmd, "--workload: %v", err)
		}
		o.Workloads = append(o.Workloads, incident.Workload{Namespace: ns, Name: name})
	}
	if o.Owner == "" {
		o.Owner = a.journalActor()
	}
	return o, nil
}

// otherKinds are what actions act on besides rollout's kinds.
var otherKinds = map[string]string{"app": "app", "service": "service", "svc": "service", "httproute": "httproute",
	"virtualservice": "virtualservice", "vs": "virtualservice", "rollout": "rollout"}

var nameCheck = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`) // compiled once, never changed

// workloadName normalises KIND/NAME (deploy/x → deployment/x).
func workloadName(s string) (string, error) {
	if r, err := rollout.ParseRef(s, ""); err == nil {
		return r.String(), nil
	}
	kind, name, ok := strings.Cut(s, "/")
	k, known := otherKinds[strings.ToLower(kind)]
	if !ok || !known || !nameCheck.MatchString(name) {
		return "", fmt.Errorf("%q is not KIND/NAME (deployment/checkout, statefulset/ledger, service/web, app/shop)", s)
	}
	return k + "/" + name, nil
}

// namespace is -n, else the demo's, else the kubeconfig's (read from the
// file only: the incident commands never call the cluster).
func (a *app) namespace() string {
	if ns := *a.kube.Namespace; ns != "" {
		return ns
	}
	if a.demo {
		return demo.Namespace
	}
	if ns, _, err := a.kube.ToRawKubeConfigLoader().Namespace(); err == nil && ns != "" {
		return ns
	}
	return "default"
}

// journalActor names the person at the keyboard without asking the
// cluster: the demo's user, else the OS user (as actions record it when
// the cluster cannot say).
func (a *app) journalActor() string {
	if a.demo {
		return demo.User
	}
	return "os:" + kube.OSUser()
}

// journalSet is what the incident commands share: where journals are,
// how records are written and who is notified.
type journalSet struct {
	dir      string
	opts     incident.Options
	cfg      *config.Config
	notifier *notify.Notifier
	bound    time.Duration
}

// journals reads the config (problems are warnings) and sets up the
// journal directory and the webhooks.
func (a *app) journals(cmd *cobra.Command) (*journalSet, error) {
	cfg, cfgErr := config.Load(a.configPaths().ConfigFile())
	if cfgErr != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", oneLine(cfgErr.Error()))
	}
	js := &journalSet{cfg: cfg, dir: a.journalDir(cmd, cfg)}
	red := redact.New()
	js.opts = incident.Options{Actor: a.journalActor(), Now: a.env.now, Redactor: red}
	hooks, errs := cfg.Notify.Resolve(a.env.getenv)
	for _, err := range errs {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s; it is not notified\n", oneLine(err.Error()))
	}
	if len(hooks) > 0 {
		js.notifier = &notify.Notifier{Hooks: hooks, Redactor: red,
			OnError: func(err error) { a.env.logger.Warn("notification", "error", err.Error()) }}
		js.opts.Observe = js.notifier.Observe
		js.bound = js.notifier.MaxDuration() + time.Second
	}
	return js, nil
}

// journalDir is --journal-dir, else incidents.dir from the config, else
// the XDG data directory.
func (a *app) journalDir(cmd *cobra.Command, cfg *config.Config) string {
	if f := cmd.Flag("journal-dir"); f != nil && f.Value.String() != "" {
		return f.Value.String()
	}
	if cfg != nil && cfg.Incidents.Dir != "" {
		return cfg.Incidents.Dir
	}
	return config.DefaultIncidentsDir(a.env.getenv)
}

// finish waits for the webhooks the command's records started (at most
// as long as their attempts can take) and says how each went.
func (js *journalSet) finish(ctx context.Context, cmd *cobra.Command, j *incident.Journal, from int64) {
	if js.notifier == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, js.bound)
	defer cancel()
	if err := js.notifier.Wait(ctx); err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: webhooks still being tried after %s; their outcome will not be recorded\n", js.bound)
		return
	}
	for _, r := range j.Records() {
		if p, ok := r.Payload.(incident.Notification); ok && r.Seq > from && r.PID == os.Getpid() {
			if r.Type == incident.TypeNotificationFailed {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", textsafe.String(p.Summary()))
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s\n", textsafe.String(p.Summary()))
			}
		}
	}
}

// locate finds the journal of an id or a file path given as argument.
func (a *app) locate(cmd *cobra.Command, js *journalSet, arg string) (string, error) {
	path, err := incident.Locate(js.dir, arg)
	if err != nil {
		var nf *incident.NotFoundError
		if errors.As(err, &nf) {
			return "", err
		}
		if strings.Contains(err.Error(), "not an incident id") {
			return "", usagef(cmd, "%v", err)
		}
		return "", err
	}
	return path, nil
}

func newIncidentListCmd(a *app) *cobra.Command {
	var openOnly bool
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"list"},
		Short:   "List incidents, newest first",
		Args:    exactArgs(0, 0, "none"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	cmd.Flags().BoolVar(&openOnly, "open", false, "Only incidents still open")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		o, err := format()
		if err != nil {
			return err
		}
		js, err := a.journals(cmd)
		if err != nil {
			return err
		}
		list, err := incident.List(js.dir)
		if err != nil {
			return err
		}
		var shown []incident.Listed
		for _, l := range list {
			if !openOnly || (l.Err == nil && l.Status == incident.StatusOpen) {
				shown = append(shown, l)
			}
		}
		w := cmd.OutOrStdout()
		if o.Machine() {
			docs := []incidentListDoc{}
			for _, l := range shown {
				docs = append(docs, listDoc(l))
			}
			return output.WriteDoc(w, o, docs)
		}
		if len(shown) == 0 {
			_, err := fmt.Fprintf(w, "no incidents in %s\n", textsafe.String(js.dir))
			return err
		}
		return incident.WriteList(w, shown, incident.TextOptions{Location: time.Local})
	})
	return cmd
}

func newIncidentShowCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show ID|FILE",
		Short: "Show an incident's timeline; actions whose outcome is unknown are marked",
		Long: `Show an incident and its timeline from its journal: an id in the journal
directory, or the path of a journal file (one copied from another machine).
An action whose intent was recorded but not its result (mayday stopped between
sending the change and recording how it ended) is shown as "outcome unknown":
check the workload before going on.`,
		Example: `  mayday incident show INC-20261125-1420-checkout
  mayday incident show ./INC-20261125-1420-checkout.jsonl -o json`,
		Args: exactArgs(1, 1, "ID or FILE"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		o, err := format()
		if err != nil {
			return err
		}
		js, err := a.journals(cmd)
		if err != nil {
			return err
		}
		path, err := a.locate(cmd, js, args[0])
		if err != nil {
			return err
		}
		inc, recs, warns, err := incident.Read(path)
		if err != nil {
			return err
		}
		warnJournal(cmd.ErrOrStderr(), warns)
		entries := incident.Timeline(recs)
		if o.Machine() {
			return output.WriteDoc(cmd.OutOrStdout(), o, showDoc(inc, entries, warns))
		}
		return incident.WriteShow(cmd.OutOrStdout(), inc, entries, incident.TextOptions{Location: time.Local})
	})
	return cmd
}

func warnJournal(w io.Writer, warns []incident.Warning) {
	for _, x := range warns {
		fmt.Fprintf(w, "warning: journal %s\n", textsafe.String(x.String()))
	}
}

func newIncidentNoteCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "note ID TEXT...",
		Short:   "Add a note to an incident's journal",
		Example: `  mayday incident note INC-20261125-1420-checkout "payments team paged"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef(cmd, "%s takes an incident id and the note's text", cmd.CommandPath())
			}
			return nil
		},
	}
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		text := strings.TrimSpace(strings.Join(args[1:], " "))
		if text == "" {
			return usagef(cmd, "the note is empty")
		}
		return a.appendTo(ctx, cmd, args[0], func(j *incident.Journal) (incident.Record, error) {
			return j.Note("", text)
		})
	})
	return cmd
}

func newIncidentCloseCmd(a *app) *cobra.Command {
	var resolution string
	cmd := &cobra.Command{
		Use:     "close ID",
		Short:   "Close an incident",
		Example: `  mayday incident close INC-20261125-1420-checkout --resolution "rolled back to revision 4"`,
		Args:    exactArgs(1, 1, "ID"),
	}
	cmd.Flags().StringVar(&resolution, "resolution", "", "How it ended, in a line")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		return a.appendTo(ctx, cmd, args[0], func(j *incident.Journal) (incident.Record, error) {
			if p := incident.Pending(j.Records()); len(p) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %d action(s) with outcome unknown (#%d first); check the workloads before relying on the report\n", len(p), p[0].Seq)
			}
			return j.CloseIncident("", strings.TrimSpace(resolution))
		})
	})
	return cmd
}

// loadJournal opens the journal of an incident id or journal file for
// appending, warning about damaged lines; the caller closes it.
func (a *app) loadJournal(cmd *cobra.Command, arg string) (*incident.Journal, *journalSet, error) {
	js, err := a.journals(cmd)
	if err != nil {
		return nil, nil, err
	}
	path, err := a.locate(cmd, js, arg)
	if err != nil {
		return nil, nil, err
	}
	j, err := incident.LoadFile(path, js.opts)
	if err != nil {
		return nil, nil, err
	}
	warnJournal(cmd.ErrOrStderr(), j.Warnings())
	return j, js, nil
}

// appendTo loads an incident's journal, appends one record and prints it.
func (a *app) appendTo(ctx context.Context, cmd *cobra.Command, arg string, add func(*incident.Journal) (incident.Record, error)) error {
	j, js, err := a.loadJournal(cmd, arg)
	if err != nil {
		return err
	}
	defer j.Close()
	r, err := add(j)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s #%d %s\n", textsafe.String(r.Incident), r.Seq, textsafe.String(r.Payload.Summary()))
	js.finish(ctx, cmd, j, r.Seq-1)
	return err
}

// incidentListDoc is one incident in `incident ls -o json`.
type incidentListDoc struct {
	incident.Incident
	// Pending counts actions whose outcome is unknown.
	Pending  int    `json:"pending"`
	Warnings int    `json:"warnings"`
	Error    string `json:"error,omitempty"`
}

func listDoc(l incident.Listed) incidentListDoc {
	d := incidentListDoc{Incident: normalized(l.Incident), Pending: l.Pending, Warnings: l.Warnings}
	if l.Err != nil {
		d.Error = l.Err.Error()
	}
	return d
}

func incidentDoc(inc incident.Incident, pending int) incidentListDoc {
	return incidentListDoc{Incident: normalized(inc), Pending: pending}
}

func normalized(inc incident.Incident) incident.Incident {
	if inc.Workloads == nil {
		inc.Workloads = []incident.Workload{}
	}
	return inc
}

// incidentShowDoc is `incident show -o json`.
type incidentShowDoc struct {
	Incident incident.Incident `json:"incident"`
	Timeline []incident.Entry  `json:"timeline"`
	// Pending are the intents whose outcome is unknown.
	Pending  []incident.Entry `json:"pending"`
	Warnings []string         `json:"warnings"`
}

func showDoc(inc incident.Incident, entries []incident.Entry, warns []incident.Warning) incidentShowDoc {
	d := incidentShowDoc{Incident: normalized(inc), Timeline: entries, Pending: []incident.Entry{}, Warnings: []string{}}
	for _, e := range entries {
		if e.Unknown {
			d.Pending = append(d.Pending, e)
		}
	}
	for _, w := range warns {
		d.Warnings = append(d.Warnings, w.String())
	}
	return d
}
