package report

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/glamour/v2"
	gansi "charm.land/glamour/v2/ansi"
	gstyles "charm.land/glamour/v2/styles"
	"github.com/charmbracelet/colorprofile"

	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/redact"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/styles"
)

// Draft renders the report's Markdown exactly as `mayday report` does on
// the same journal: the journal read, drafted with the default redactor,
// the edits merged (saved ones, or edits when given), the journal's
// warnings listed, generated at now, times in loc.
func Draft(path string, edits *report.Edits, tmplName, tmpl string, now time.Time, loc *time.Location) (Drafted, error) {
	inc, recs, warns, err := journal.Read(path)
	if err != nil {
		return Drafted{}, err
	}
	d := Drafted{Incident: inc, Records: len(recs), Warnings: len(warns)}
	if edits != nil {
		d.Edits = *edits
	} else {
		d.Edits, d.EditsErr = report.LoadEdits(report.EditsPath(path))
	}
	r, err := report.Draft(inc, recs, report.Analysis{Redactor: redact.New()})
	if err != nil {
		return d, err
	}
	r = r.WithEdits(d.Edits)
	r.Generated = now
	r.Location = loc
	for _, w := range warns {
		r.Journal.Warnings = append(r.Journal.Warnings, w.String())
	}
	d.Markdown, err = report.Markdown(r, tmplName, tmpl)
	return d, err
}

// Drafted is a report drafted from its journal.
type Drafted struct {
	Markdown []byte
	Incident journal.Incident
	Records  int
	Warnings int
	// Edits are the engineer's text merged in; EditsErr says why the
	// saved ones could not be read (the draft is shown without them).
	Edits    report.Edits
	EditsErr error
}

// ExportPath is where x writes the report: <journal dir>/<ID>.md.
func ExportPath(journalPath, id string) string {
	if journal.CheckID(id) != nil {
		id = strings.TrimSuffix(filepath.Base(journalPath), ".jsonl")
	}
	return filepath.Join(filepath.Dir(journalPath), id+".md")
}

// fingerprint tells whether the journal or the saved edits changed: a
// stat of each, cheap enough for every tick.
type fingerprint struct {
	size, editsSize int64
	mod, editsMod   time.Time
	err             string
}

func stat(path string) fingerprint {
	var fp fingerprint
	fi, err := os.Stat(path)
	if err != nil {
		fp.err = err.Error()
		return fp
	}
	fp.size, fp.mod = fi.Size(), fi.ModTime()
	if ei, err := os.Stat(report.EditsPath(path)); err == nil {
		fp.editsSize, fp.editsMod = ei.Size(), ei.ModTime()
	} else if !errors.Is(err, fs.ErrNotExist) {
		fp.err = err.Error()
	}
	return fp
}

// look is how the report is rendered: the width and the glamour style.
type look struct {
	width int
	style string
}

// lookFor picks glamour's style for the program's colour profile and
// background: without colour, the ASCII style (no colour, ASCII marks)
// keeps NO_COLOR readable.
func lookFor(s styles.Styles, width int) look {
	switch {
	case s.Profile <= colorprofile.ASCII:
		return look{width: width, style: gstyles.AsciiStyle}
	case s.Dark:
		return look{width: width, style: gstyles.DarkStyle}
	}
	return look{width: width, style: gstyles.LightStyle}
}

// render turns the Markdown into terminal text with glamour, wrapped at
// the width. The output's colours are downsampled by Bubble Tea to the
// terminal's profile.
func render(md []byte, l look) (string, error) {
	var st gansi.StyleConfig
	switch l.style {
	case gstyles.AsciiStyle:
		st = gstyles.ASCIIStyleConfig
	case gstyles.LightStyle:
		st = gstyles.LightStyleConfig
	default:
		st = gstyles.DarkStyleConfig
	}
	r, err := glamour.NewTermRenderer(glamour.WithStyles(st), glamour.WithWordWrap(max(l.width, 10)))
	if err != nil {
		return "", err
	}
	// A team's template may print journal text without escaping it:
	// control characters never reach the terminal (newlines and tabs stay).
	out, err := r.RenderBytes([]byte(textsafe.Block(string(md))))
	if err != nil {
		return "", err
	}
	return strings.Trim(string(out), "\n"), nil
}
