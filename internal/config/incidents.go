package config

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"

	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// Incidents is the incidents section: where journals live and the
// report's template.
type Incidents struct {
	// Dir holds the journals ("": $XDG_DATA_HOME/mayday/incidents).
	Dir string
	// ReportTemplate is a text/template file for `mayday report` and the
	// report screen ("": the built-in template).
	ReportTemplate string
}

// DefaultIncidentsDir is where journals live unless configured:
// $XDG_DATA_HOME/mayday/incidents.
func DefaultIncidentsDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "mayday", "incidents")
	}
	return filepath.Join(xdg.DataHome, "mayday", "incidents")
}

// readIncidents reads the section; relative paths are relative to the
// config file's directory and ~/ is the home directory.
func readIncidents(doc *yamlfields.Doc, m yamlfields.Mapping) Incidents {
	var in Incidents
	m.Known("dir", "reportTemplate")
	base := filepath.Dir(doc.File())
	if d, ok := m.String("dir"); ok {
		in.Dir = expandPath(base, d)
	}
	if t, ok := m.String("reportTemplate"); ok {
		path := expandPath(base, t)
		data, err := os.ReadFile(path)
		switch {
		case err != nil:
			m.Errorf("reportTemplate", "cannot read %s: %v", path, pathErr(err))
		default:
			if err := report.CheckTemplate(path, string(data)); err != nil {
				m.Errorf("reportTemplate", "%v", err)
			} else {
				in.ReportTemplate = path
			}
		}
	}
	return in
}

func expandPath(base, p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	if !filepath.IsAbs(p) {
		return filepath.Join(base, p)
	}
	return p
}
