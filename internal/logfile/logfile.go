// Package logfile sends mayday's diagnostics to a file in the XDG state
// directory, never to the terminal: stdout carries results that scripts
// parse (and, later, the console's screen), stderr carries one-line errors.
package logfile

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/adrg/xdg"
	"k8s.io/klog/v2"
)

// maxSize is the size at which the log is rotated on open (one old file is
// kept): an incident tool must not slowly fill a bastion's disk.
const maxSize = 10 << 20

// DefaultPath is $XDG_STATE_HOME/mayday/mayday.log (~/.local/state/...),
// creating the directory.
func DefaultPath() (string, error) {
	return xdg.StateFile(filepath.Join("mayday", "mayday.log"))
}

// Open appends to the log file at path and returns a logger writing to it.
// When the file cannot be opened the logger discards everything and the
// error says why; mayday still works without a log.
func Open(path string, level slog.Level) (*slog.Logger, io.Closer, error) {
	if path == "" {
		return Discard(), io.NopCloser(nil), nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Discard(), io.NopCloser(nil), err
	}
	if st, err := os.Stat(path); err == nil && st.Size() > maxSize {
		_ = os.Rename(path, path+".1")
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return Discard(), io.NopCloser(nil), err
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})), f, nil
}

// Discard is a logger that writes nothing.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// RouteKlog sends client-go's klog output (reflector retries, throttling
// notices, API warnings) to logger. klog's default writes to stderr, which
// would spill onto the user's terminal in the middle of a table. klog's
// configuration is process-global by its design; call this once from main.
func RouteKlog(logger *slog.Logger) {
	klog.SetSlogLogger(logger)
}
