// Command mayday is a terminal incident console for Kubernetes deployment
// rollback. This package is wiring only: flags, subcommands, and building
// the services from internal/ that do the work.
package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/logfile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	logger, closeLog := openLog()
	// client-go logs through klog, which writes to stderr by default and
	// would spill onto the terminal; send it to the log file instead.
	logfile.RouteKlog(logger)
	code := run(ctx, os.Args[1:], &environment{
		in: os.Stdin, out: os.Stdout, errOut: os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		width:     terminalWidth(os.Stdout),
		getenv:    os.Getenv,
		logger:    logger,
		newDemo:   func() (*demo.Cluster, error) { return demo.New(demo.Options{}) },
	})
	stop()
	_ = closeLog.Close()
	os.Exit(code)
}

func openLog() (*slog.Logger, io.Closer) {
	path := os.Getenv("MAYDAY_LOG_FILE")
	if path == "" {
		var err error
		if path, err = logfile.DefaultPath(); err != nil {
			return logfile.Discard(), io.NopCloser(nil)
		}
	}
	level := slog.LevelInfo
	if os.Getenv("MAYDAY_DEBUG") != "" {
		level = slog.LevelDebug
	}
	logger, closer, _ := logfile.Open(path, level)
	return logger, closer
}

func terminalWidth(f *os.File) int {
	if !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}
