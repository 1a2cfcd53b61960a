package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/rest"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/internal/version"
)

// Exit codes. Scripts may rely on them; docs/cli.md lists them.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitTimeout     = 3   // status --watch: the rollout did not finish within --timeout
	exitInterrupted = 130 // Ctrl-C or SIGTERM, as shells report SIGINT
)

// environment is what the process gives the program; tests build their own.
type environment struct {
	in          io.Reader
	out, errOut io.Writer
	stdinTTY    bool
	stdoutTTY   bool
	width       int
	getenv      func(string) string
	logger      *slog.Logger
	// newDemo builds the in-process cluster behind --demo. Tests hand in
	// one cluster for several commands, so an undo is seen by history.
	newDemo func() (*demo.Cluster, error)
	now     func() time.Time
	// paths locate the config file (nil: the XDG defaults).
	paths *config.Paths
}

// app holds the parsed global flags and the services built from them for
// one invocation.
type app struct {
	env      *environment
	kube     *genericclioptions.ConfigFlags
	demo     bool
	readOnly bool
	// traceRequests prints every API request to stderr at the end (for
	// the side-by-side benchmarks; kubectl -v=6 shows the same).
	traceRequests bool
	trace         *kube.RequestTrace
	// started is set when a command's RunE begins: an error before that
	// is a usage error (flags, arguments, unknown command).
	started bool
	conn    *kube.Connection
	// demoCluster is the cluster behind --demo, once connected.
	demoCluster *demo.Cluster
	// prometheusURL (--prometheus) overrides the config's.
	prometheusURL string
	// consoleOpts holds the console's own flags.
	consoleOpts consoleFlags
	// journal is the incident journal of an action command that changes
	// the cluster (nil otherwise).
	journal *actionJournal
}

func newApp(env *environment) *app {
	if env.getenv == nil {
		env.getenv = func(string) string { return "" }
	}
	if env.logger == nil {
		env.logger = slog.New(slog.DiscardHandler)
	}
	if env.now == nil {
		env.now = time.Now
	}
	return &app{env: env, kube: kube.NewConfigFlags()}
}

// run executes one command line and returns the process exit code. Errors
// are printed here, as one line on stderr.
func run(ctx context.Context, args []string, env *environment) int {
	a := newApp(env)
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(env.in)
	root.SetOut(env.out)
	root.SetErr(env.errOut)
	err := root.ExecuteContext(ctx)
	if a.trace != nil {
		a.trace.Print(env.errOut)
	}
	if err == nil {
		return exitOK
	}
	code, msg := a.describe(ctx, err)
	env.logger.Info("command failed", "args", args, "exit", code, "error", err.Error())
	fmt.Fprintf(env.errOut, "error: %s\n", oneLine(msg))
	return code
}

// usageError is an error in how mayday was called (exit 2).
type usageError struct {
	err  error
	help string // the command whose --help explains the usage
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), help: cmd.CommandPath()}
}

// exitError ends a command with a specific exit code and message.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// describe maps an error to an exit code and a one-line message that says
// what was wrong and what to do.
func (a *app) describe(ctx context.Context, err error) (int, string) {
	var ue *usageError
	var ee *exitError
	var cfg *kube.ConfigError
	switch {
	case errors.As(err, &ee):
		return ee.code, ee.msg
	case errors.As(err, &ue):
		return exitUsage, fmt.Sprintf("%v; see '%s --help'", ue.err, ue.help)
	case !a.started:
		// Flag, argument and command errors from cobra come before RunE.
		return exitUsage, cobraUsage(err)
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err())):
		return exitInterrupted, "interrupted"
	case errors.As(err, &cfg):
		return exitFailed, cfg.Error()
	case errors.Is(err, action.ErrReadOnly):
		return exitFailed, err.Error()
	}
	var nf *rollout.NotFoundError
	if errors.As(err, &nf) {
		return exitFailed, fmt.Sprintf("%s; list workloads with kubectl get %s -n %s, or pass -n NAMESPACE",
			textsafe.String(nf.Error()), nf.Ref.Kind.Resource(), textsafe.String(nf.Ref.Namespace))
	}
	return exitFailed, textsafe.String(kube.Describe(err, a.conn))
}

// cobraUsage adds a hint to cobra's flag and argument errors.
func cobraUsage(err error) string {
	msg := oneLine(err.Error())
	if !strings.Contains(msg, "--help") {
		msg += "; see 'mayday --help'"
	}
	return msg
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }), "; ")
}

// outputOptions are the printing options for the terminal in use.
func (a *app) outputOptions() output.Options {
	color := a.env.stdoutTTY && a.env.getenv("NO_COLOR") == "" && a.env.getenv("TERM") != "dumb"
	return output.Options{Color: color, Width: a.env.width, Now: a.env.now()}
}

// connect builds the connection: the in-process demo cluster, or the
// cluster of the kubeconfig. live starts the demo's controllers, which
// only commands that watch or change the cluster need.
func (a *app) connect(ctx context.Context, live bool) (*kube.Connection, error) {
	if a.conn != nil {
		return a.conn, nil
	}
	if a.demo {
		cl, err := a.env.newDemo()
		if err != nil {
			return nil, fmt.Errorf("starting the demo cluster: %w", err)
		}
		if live {
			cl.Start(ctx)
		}
		a.demoCluster = cl
		ns := demo.Namespace
		if *a.kube.Namespace != "" {
			ns = *a.kube.Namespace
		}
		a.conn = &kube.Connection{Client: cl.Client(), WatchClient: cl.Client(), Namespace: ns,
			Context: demo.Context, Server: "the in-process demo cluster"}
		return a.conn, nil
	}
	if a.traceRequests {
		a.trace = &kube.RequestTrace{}
		a.kube.WrapConfigFn = func(c *rest.Config) *rest.Config {
			c.Wrap(a.trace.Wrap)
			return c
		}
	}
	conn, err := kube.Connect(a.kube, "mayday/"+version.Get().Version)
	if err != nil {
		return nil, err
	}
	a.conn = conn
	return conn, nil
}

// ref parses KIND/NAME in the namespace of the connection. A bad
// reference is a usage error.
func (a *app) ref(cmd *cobra.Command, arg string, conn *kube.Connection) (rollout.Ref, error) {
	r, err := rollout.ParseRef(arg, conn.Namespace)
	if err != nil {
		return r, &usageError{err: err, help: cmd.CommandPath()}
	}
	return r, nil
}

// history connects and reads the history of KIND/NAME straight from the
// API (a one-shot command has no cache to warm).
func (a *app) history(ctx context.Context, cmd *cobra.Command, arg string) (*rollout.History, error) {
	conn, err := a.connect(ctx, false)
	if err != nil {
		return nil, err
	}
	ref, err := a.ref(cmd, arg, conn)
	if err != nil {
		return nil, err
	}
	return rollout.GetHistory(ctx, kube.APIReader{Client: conn.Client}, ref)
}

// parseRef validates KIND/NAME before connecting (namespace filled later).
func parseRef(cmd *cobra.Command, arg string) error {
	if _, err := rollout.ParseRef(arg, ""); err != nil {
		return &usageError{err: err, help: cmd.CommandPath()}
	}
	return nil
}
