package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/mayday-tui/mayday/internal/textsafe"
)

//go:embed default.md.tmpl
var defaultTemplate string

// DefaultTemplate is the built-in Markdown template, a starting point for
// a team's own.
func DefaultTemplate() string { return defaultTemplate }

// Markdown renders the report through tmpl (empty: the built-in
// template). name names the template in errors (a file name).
func Markdown(r Report, name, tmpl string) ([]byte, error) {
	if tmpl == "" {
		name, tmpl = "built-in report template", defaultTemplate
	}
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs(r.Location)).Parse(tmpl)
	if err != nil {
		return nil, fmt.Errorf("the report template %w", err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, r); err != nil {
		return nil, fmt.Errorf("rendering the report: %w", err)
	}
	return b.Bytes(), nil
}

// CheckTemplate parses a template without rendering it.
func CheckTemplate(name, tmpl string) error {
	_, err := template.New(name).Funcs(funcs(nil)).Parse(tmpl)
	return err
}

// JSON renders the report as an indented JSON document.
func JSON(r Report) ([]byte, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

func funcs(loc *time.Location) template.FuncMap {
	if loc == nil {
		loc = time.UTC
	}
	return template.FuncMap{
		"at": func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.In(loc).Format("2006-01-02 15:04:05 MST")
		},
		"clock": func(t time.Time) string { return t.In(loc).Format("15:04:05") },
		"date":  func(t time.Time) string { return t.In(loc).Format("Monday 2 January 2006") },
		"dur":   humanDuration,
		// text is one line of untrusted text; cell also protects a table.
		"text":  func(s string) string { return textsafe.String(s) },
		"cell":  cell,
		"para":  func(s string) string { return textsafe.Block(strings.TrimSpace(s)) },
		"fence": fence,
		"pct":   func(f float64) string { return formatFloat(100*f) + "%" },
		"logText": func(lines []LogLine) string {
			var b strings.Builder
			for _, l := range lines {
				b.WriteString(l.Pod)
				if l.Container != "" {
					b.WriteString("/" + l.Container)
				}
				b.WriteString(": " + l.Line + "\n")
			}
			return b.String()
		},
	}
}

// cell makes text safe in a Markdown table cell: one line, pipes escaped.
func cell(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
	return strings.ReplaceAll(textsafe.String(s), "|", `\|`)
}

// fence wraps text in a code fence longer than any backtick run inside,
// so the text cannot close it early.
func fence(lang, s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + lang + "\n" + textsafe.Block(strings.TrimRight(s, "\n")) + "\n" + f
}

// humanDuration prints 1h 12m, 4m 05s, 42s.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// formatFloat prints a count or a percentage without noise: 1234, 41.2.
func formatFloat(f float64) string {
	if f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

func itoa(n int) string { return strconv.Itoa(n) }
