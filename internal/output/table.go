package output

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// table lays out rows in columns by display width (CJK and emoji take two
// cells), with two spaces between columns.
type table struct {
	header []string
	rows   [][]string
}

const gap = "  "

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// widths returns the natural width of each column.
func (t *table) widths() []int {
	w := make([]int, len(t.header))
	for _, row := range append([][]string{t.header}, t.rows...) {
		for i, c := range row {
			if n := runewidth.StringWidth(c); n > w[i] {
				w[i] = n
			}
		}
	}
	return w
}

// render writes the table. If maxWidth > 0 and the table is wider, the
// column shrink (usually the last, free-text one) is cut with "…" so that
// each line fits: a wrapped table is unreadable at 80 columns.
func (t *table) render(out io.Writer, maxWidth, shrink int, st Styles) error {
	w := t.widths()
	if maxWidth > 0 && shrink >= 0 && shrink < len(w) {
		total := 0
		for _, n := range w {
			total += n
		}
		total += len(gap) * (len(w) - 1)
		if over := total - maxWidth; over > 0 {
			w[shrink] = max(w[shrink]-over, min(w[shrink], 12))
		}
	}
	var b strings.Builder
	line := func(cells []string, header bool) {
		b.Reset()
		for i, c := range cells {
			if runewidth.StringWidth(c) > w[i] {
				c = runewidth.Truncate(c, w[i], "…")
			}
			if header {
				b.WriteString(st.Header(c))
			} else {
				b.WriteString(c)
			}
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", w[i]-runewidth.StringWidth(c)))
				b.WriteString(gap)
			}
		}
		// An empty last cell leaves padding behind; trim it.
		_, _ = io.WriteString(out, strings.TrimRight(b.String(), " ")+"\n")
	}
	line(t.header, true)
	for _, r := range t.rows {
		line(r, false)
	}
	return nil
}

// fit cuts s to width display cells with "…" (width <= 0: no limit).
func fit(s string, width int) string {
	if width <= 0 || runewidth.StringWidth(s) <= width {
		return s
	}
	return runewidth.Truncate(s, width, "…")
}

// wrapText breaks text into lines of at most width display cells at
// spaces; a word longer than a line is cut. width <= 0 returns one line.
// Warnings and changes are wrapped, not cut: what they say matters in full.
func wrapText(text string, width int) []string {
	if width <= 0 || runewidth.StringWidth(text) <= width {
		return []string{text}
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case runewidth.StringWidth(line)+1+runewidth.StringWidth(word) <= width:
			line += " " + word
		default:
			lines = append(lines, fit(line, width))
			line = word
		}
	}
	return append(lines, fit(line, width))
}

// printHanging prints text after prefix (plain, for its width) wrapped to
// width, continuation lines indented under the text. style styles the
// prefix; styledText, if not "", replaces the text when it fits one line.
func printHanging(w io.Writer, prefix string, style func(string) string, text, styledText string, width int) {
	pw := runewidth.StringWidth(prefix)
	avail := 0
	if width > 0 {
		avail = max(width-pw, 20)
	}
	lines := wrapText(text, avail)
	if len(lines) == 1 && styledText != "" {
		lines[0] = styledText
	}
	for i, l := range lines {
		if i == 0 {
			_, _ = io.WriteString(w, style(prefix)+l+"\n")
		} else {
			_, _ = io.WriteString(w, strings.Repeat(" ", pw)+l+"\n")
		}
	}
}
