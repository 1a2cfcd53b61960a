package logfile

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenAppendsAndRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "mayday.log")
	l, c, err := Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	l.Info("first", "k", "v")
	l.Debug("hidden")
	c.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "msg=first k=v") || strings.Contains(string(data), "hidden") {
		t.Errorf("log = %q", data)
	}
	if err := os.WriteFile(path, make([]byte, maxSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, c, err = Open(path, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if st, err := os.Stat(path + ".1"); err != nil || st.Size() != maxSize+1 {
		t.Errorf("not rotated: %v", err)
	}
}

func TestOpenFailureDiscards(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, c, err := Open(filepath.Join(blocker, "mayday.log"), slog.LevelInfo)
	if err == nil {
		t.Fatal("expected an error for a path below a file")
	}
	l.Info("goes nowhere")
	c.Close()
}
