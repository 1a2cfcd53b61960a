package history

import (
	"fmt"
	"strings"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
)

// headLines is the title, the rollout state, a blank line and the column
// headings above the table; an incident in progress adds its line under
// the title.
const headLines = 4

// layout splits the body between the table and the details of the
// selected revision; the details go first when space runs out, since the
// table is what the screen is for.
func (s Screen) layout() (tableH int, details []string) {
	details = s.details()
	tableH = s.height - headLines
	if s.incident != nil {
		tableH--
	}
	if s.err != nil {
		tableH--
	}
	if len(details) > 0 && tableH-len(details)-1 >= 3 {
		tableH -= len(details) + 1
	} else {
		details = nil
	}
	return max(tableH, 0), details
}

// scroll keeps the cursor inside the visible rows.
func (s *Screen) scroll() {
	tableH, _ := s.layout()
	if tableH <= 0 {
		s.offset = s.cursor
		return
	}
	if s.cursor < s.offset {
		s.offset = s.cursor
	}
	if s.cursor >= s.offset+tableH {
		s.offset = s.cursor - tableH + 1
	}
	n := 0
	if s.hist != nil {
		n = len(s.hist.Revisions)
	}
	s.offset = max(min(s.offset, n-tableH), 0)
}

// View renders the revision table.
func (s Screen) View() string {
	st := s.c.Styles
	var lines []string
	title := st.Title.Render(textsafe.String(s.ref.String())) + st.Muted.Render(" · namespace "+textsafe.String(s.ref.Namespace))
	if h := s.hist; h != nil {
		title += st.Muted.Render(fmt.Sprintf(" · %d revisions, current %d", len(h.Revisions), h.Current))
	}
	lines = append(lines, title)
	if p := s.incident; p != nil {
		lines = append(lines, common.Truncate(st.Warning.Render(finder.Flag+" "+p.Text()), s.width))
	}
	switch {
	case s.loading && s.hist == nil:
		lines = append(lines, st.Muted.Render("Loading history…"))
	case s.hist == nil && s.err != nil:
		lines = append(lines, st.Error.Render("✗ "+textsafe.String(s.err.Error())))
	case s.hist != nil:
		lines = append(lines, s.statusLine(), "")
		tableH, details := s.layout()
		lines = append(lines, s.table(tableH)...)
		if s.err != nil {
			lines = append(lines, st.Error.Render("✗ "+textsafe.String(s.err.Error())+" (showing the last history read)"))
		}
		if len(details) > 0 {
			lines = append(lines, "")
			lines = append(lines, details...)
		}
	}
	return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
}

// StatusText is the rollout state in words with its glyph and counts, as
// `mayday status` says it (never colour alone).
func StatusText(st rollout.Status) string {
	g, w := finder.PhaseText(st.Phase)
	return fmt.Sprintf("%s %s  updated %d · ready %d · available %d of %d", g, w, st.Updated, st.Ready, st.Available, st.Desired)
}

func (s Screen) statusLine() string {
	st := s.c.Styles
	h := s.hist
	style := st.Info
	switch h.Status.Phase {
	case rollout.PhaseComplete:
		style = st.Success
	case rollout.PhaseFailed:
		style = st.Danger
	case rollout.PhasePaused:
		style = st.Warning
	}
	line := style.Render(StatusText(h.Status))
	if h.Status.Message != "" {
		line += st.Muted.Render("  " + textsafe.String(h.Status.Message))
	}
	return line
}

// ShortImages names each (non-init) container's image without its
// registry path, which is the same on every row; the details show it.
func ShortImages(r *rollout.Revision) string {
	var out []string
	for _, im := range r.Images {
		if im.Init {
			continue
		}
		img := im.Image
		if i := strings.LastIndex(img, "/"); i >= 0 {
			img = img[i+1:]
		}
		out = append(out, textsafe.String(img))
	}
	return strings.Join(out, " ")
}

const (
	currentMark  = "◀ current"
	lastGoodMark = "★ last good"
	// healthW fits "✓ 12.5% 1.75s" and "? unknown".
	healthW = 14
)

func (s Screen) table(tableH int) []string {
	st := s.c.Styles
	h := s.hist
	if len(h.Revisions) == 0 {
		return []string{st.Muted.Render("  no rollout history found")}
	}
	revW, imgW := len("REV"), len("IMAGES")
	for i := range h.Revisions {
		revW = max(revW, len(h.Revisions[i].Label()))
		imgW = max(imgW, common.Width(ShortImages(&h.Revisions[i])))
	}
	markW, hw := len(currentMark), 0
	var lkg *rollout.Revision
	if s.health != nil {
		// Health while live, and the last known good revision's mark.
		markW, hw = len([]rune(lastGoodMark)), healthW
		lkg, _, _ = s.LastKnownGood()
	}
	fixed := 2 + revW + 1 + markW + 1 + 7 + 1 + 6 + 1
	if hw > 0 {
		fixed += hw + 1
	}
	imgW = min(imgW, max((s.width-fixed)*3/5, len("IMAGES")))
	causeW := max(s.width-fixed-imgW-1, 0)
	row := func(cursor, rev, mark, created, ready, health, imgs, cause string) string {
		out := cursor + common.PadRight(rev, revW) + " " + common.PadRight(mark, markW) + " " +
			common.PadRight(created, 7) + " " + common.PadRight(ready, 6) + " "
		if hw > 0 {
			out += common.PadRight(health, hw) + " "
		}
		return out + common.PadRight(imgs, imgW) + " " + common.Truncate(cause, causeW)
	}
	out := []string{st.Header.Render(row("  ", "REV", "", "CREATED", "READY", "WHILE LIVE", "IMAGES", "CHANGE-CAUSE"))}
	end := min(s.offset+tableH, len(h.Revisions))
	for i := s.offset; i < end; i++ {
		r := &h.Revisions[len(h.Revisions)-1-i]
		mark := ""
		switch {
		case r.Current:
			mark = currentMark
		case lkg != nil && lkg.Source.UID == r.Source.UID:
			mark = lastGoodMark
		}
		cursor := "  "
		if i == s.cursor {
			cursor = "▸ "
		}
		health := ""
		if hw > 0 {
			health = textsafe.String(s.healthText(r))
		}
		line := row(cursor, r.Label(), mark, common.Age(s.c.Now(), r.Created),
			fmt.Sprintf("%d/%d", r.Ready, r.Desired), health, ShortImages(r), textsafe.String(r.ChangeCause))
		if i == s.cursor {
			line = st.Selected.Render(common.PadRight(line, s.width))
		}
		out = append(out, line)
	}
	if tableH > 0 && len(h.Revisions) > tableH {
		// Say that there is more, and where we are, on the heading line.
		more := st.Muted.Render(fmt.Sprintf(" (%d–%d of %d)", s.offset+1, end, len(h.Revisions)))
		out[0] = common.Truncate(out[0], max(s.width-common.Width(more), 0)) + more
	}
	return out
}

// liveLine is the selected revision's health over its live window.
func (s Screen) liveLine(r *rollout.Revision) string {
	st := s.c.Styles
	w, ok := s.windowOf(r)
	if !ok {
		return st.Muted.Render("unknown window")
	}
	span := w.Start.UTC().Format("Jan 2 15:04") + "–"
	if r.Current {
		span += "now"
	} else {
		span += w.End.UTC().Format("15:04 UTC")
	}
	if w.Estimated {
		span += " (start estimated)"
	}
	h, ok := s.RevisionHealth(r)
	if !ok {
		return st.Muted.Render(textsafe.String(s.healthText(r)) + "  " + span)
	}
	text := h.Verdict.State.Glyph() + " " + h.Verdict.State.String() + "  " + textsafe.String(h.Verdict.Reason)
	if lkg, _, ok := s.LastKnownGood(); ok && lkg.Source.UID == r.Source.UID {
		text = lastGoodMark + " · " + text
	}
	return text + st.Muted.Render("  "+span)
}

// details describes the selected revision in full: what the table cuts.
func (s Screen) details() []string {
	r := s.Selected()
	if r == nil {
		return nil
	}
	st := s.c.Styles
	head := fmt.Sprintf("Revision %s", r.Label())
	if !r.Created.IsZero() {
		head += " · created " + r.Created.UTC().Format("2006-01-02 15:04 UTC") + " (" + common.Age(s.c.Now(), r.Created) + " ago)"
	}
	if r.Source.Name != "" {
		head += " · " + r.Source.Kind + " " + textsafe.String(r.Source.Name)
	}
	cause := textsafe.String(r.ChangeCause)
	if cause == "" {
		cause = st.Muted.Render("(none)")
	}
	out := []string{st.Bold.Render(head), st.Muted.Render("  change-cause  ") + cause}
	if s.health != nil {
		out = append(out, st.Muted.Render("  while live    ")+s.liveLine(r))
	}
	nameW := 0
	for _, im := range r.Images {
		nameW = max(nameW, common.Width(textsafe.String(im.Container)))
	}
	for i, im := range r.Images {
		label := "  images        "
		if i > 0 {
			label = strings.Repeat(" ", len(label))
		}
		name := textsafe.String(im.Container)
		if im.Init {
			name += " (init)"
		}
		out = append(out, st.Muted.Render(label)+common.PadRight(name, nameW)+"  "+textsafe.String(im.Image))
	}
	return out
}
