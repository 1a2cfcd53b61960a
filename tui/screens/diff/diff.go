// Package diff is the screen d opens on a revision: what changed from
// that revision to the current template, summary first, then the unified
// diff, scrollable.
package diff

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/diffview"
)

// ComputedMsg carries a finished diff.
type ComputedMsg struct {
	// Source identifies the revision the diff was asked for.
	Source types.UID
	Diff   rollout.Diff
}

// Screen shows one diff.
type Screen struct {
	c             *common.Common
	ref           rollout.Ref
	source        types.UID
	title         string
	diff          *rollout.Diff
	vp            viewport.Model
	width, height int
}

// New returns the screen and the command computing the diff: a YAML
// render and a line diff of two templates is work for a command, not for
// Update.
func New(c *common.Common, h *rollout.History, rev rollout.Revision) (Screen, tea.Cmd) {
	from := fmt.Sprintf("revision %d", rev.Number)
	to := fmt.Sprintf("current template (revision %d)", h.Current)
	s := Screen{
		c: c, ref: h.Workload, source: rev.Source.UID,
		title: textsafe.String(fmt.Sprintf("%s: %s → %s", h.Workload, from, to)),
		vp:    viewport.New(),
	}
	s.vp.SoftWrap = true
	// The screen's own keys drive the viewport, so help lists what works.
	s.vp.KeyMap = viewport.KeyMap{}
	fromT, toT, src := rev.Template, h.Template.DeepCopy(), rev.Source.UID
	cmd := func() tea.Msg {
		if fromT == nil {
			return ComputedMsg{Source: src, Diff: rollout.Diff{FromLabel: from, ToLabel: to}}
		}
		return ComputedMsg{Source: src, Diff: rollout.DiffTemplatesLabeled(fromT, toT, from, to)}
	}
	return s, cmd
}

// Title names the screen.
func (s Screen) Title() string { return "diff" }

// KeyMap is the scrolling keys.
func (s Screen) KeyMap() help.KeyMap { return s.c.Keys.Diff }

// CapturesInput is false.
func (s Screen) CapturesInput() bool { return false }

// Commands: only back.
func (s Screen) Commands() []common.Command {
	return []common.Command{{Title: "Back to history", Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}}}
}

// SetSize gives the viewport the body below the title line.
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	s.vp.SetWidth(s.width)
	s.vp.SetHeight(max(s.height-2, 0))
	return s
}

// Diff is the computed diff (nil until it arrives).
func (s Screen) Diff() *rollout.Diff { return s.diff }

// Update takes the diff and scrolls.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case ComputedMsg:
		if msg.Source != s.source || s.diff != nil {
			return s, nil
		}
		d := msg.Diff
		s.diff = &d
		s.vp.SetContentLines(diffview.Lines(s.c, d))
	case tea.KeyPressMsg:
		k := s.c.Keys.Diff
		switch {
		case key.Matches(msg, k.Up):
			s.vp.ScrollUp(1)
		case key.Matches(msg, k.Down):
			s.vp.ScrollDown(1)
		case key.Matches(msg, k.PageUp):
			s.vp.PageUp()
		case key.Matches(msg, k.PageDown):
			s.vp.PageDown()
		case key.Matches(msg, k.Top):
			s.vp.GotoTop()
		case key.Matches(msg, k.Bottom):
			s.vp.GotoBottom()
		case key.Matches(msg, s.c.Keys.Global.Back):
			return s, func() tea.Msg { return common.BackMsg{} }
		}
	}
	return s, nil
}

// View renders the title, the position and the viewport.
func (s Screen) View() string {
	st := s.c.Styles
	title := st.Title.Render(s.title)
	if s.diff == nil {
		return common.Fit(title+"\n"+st.Muted.Render("Computing the diff…"), s.width, s.height)
	}
	pos := ""
	if total := s.vp.TotalLineCount(); total > s.vp.Height() {
		first := s.vp.YOffset() + 1
		last := min(s.vp.YOffset()+s.vp.Height(), total)
		pos = fmt.Sprintf("lines %d–%d of %d", first, last, total)
	}
	head := common.PadRight(title, max(s.width-common.Width(pos), 0)) + st.Muted.Render(pos)
	body := s.vp.View()
	return common.Fit(strings.Join([]string{head, "", body}, "\n"), s.width, s.height)
}
