// Package history is the workload screen that Enter on the finder opens.
//
// PLACEHOLDER: this is a read-only preview of the revision history (the
// same rollout.GetHistory the CLI's `mayday history` uses, read from the
// informer cache, refreshed live). The real history screen, with the
// revision list component, diff (d) and the rollback flow (r), replaces it
// in the next step of issue 3.
package history

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
	"github.com/mayday-tui/mayday/tui/keys"
)

// LoadedMsg carries a history read.
type LoadedMsg struct {
	Ref     rollout.Ref
	seq     int
	History *rollout.History
	Err     error
}

// Screen shows one workload's revisions.
type Screen struct {
	c             *common.Common
	ctx           context.Context
	reader        rollout.Reader
	ref           rollout.Ref
	width, height int
	hist          *rollout.History
	err           error
	loading       bool
	seq           int
	cursor        int
}

// New returns the screen and the command that loads the history.
func New(ctx context.Context, c *common.Common, reader rollout.Reader, ref rollout.Ref) (Screen, tea.Cmd) {
	s := Screen{c: c, ctx: ctx, reader: reader, ref: ref, loading: true}
	cmd := s.fetch()
	return s, cmd
}

// fetch reads the history in a command: the cache reader takes a lock and
// walks indexes, which is not Update's business.
func (s *Screen) fetch() tea.Cmd {
	s.seq++
	ctx, r, ref, seq := s.ctx, s.reader, s.ref, s.seq
	return func() tea.Msg {
		h, err := rollout.GetHistory(ctx, r, ref)
		return LoadedMsg{Ref: ref, seq: seq, History: h, Err: err}
	}
}

func (s Screen) Title() string { return s.ref.String() }

// KeyMap lists only what the placeholder does: help must not offer diff
// and rollback before they exist.
func (s Screen) KeyMap() help.KeyMap { return previewKeys{s.c.Keys.History} }

type previewKeys struct{ h keys.History }

func (p previewKeys) ShortHelp() []key.Binding  { return []key.Binding{p.h.Up, p.h.Down} }
func (p previewKeys) FullHelp() [][]key.Binding { return [][]key.Binding{{p.h.Up, p.h.Down}} }
func (s Screen) CapturesInput() bool            { return false }
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	return s
}

// Commands: none yet beyond going back (diff and rollback come with the
// real screen).
func (s Screen) Commands() []common.Command {
	return []common.Command{{Title: "Back to workloads", Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}}}
}

// Update handles loads, live changes and keys.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case LoadedMsg:
		if msg.Ref != s.ref || msg.seq != s.seq {
			return s, nil
		}
		s.loading = false
		s.hist, s.err = msg.History, msg.Err
		if s.hist != nil {
			s.cursor = min(s.cursor, max(len(s.hist.Revisions)-1, 0))
		}
	case common.ClusterChangedMsg:
		if s.touches(msg) {
			cmd := s.fetch()
			return s, cmd
		}
	case tea.KeyPressMsg:
		k := s.c.Keys.History
		switch {
		case key.Matches(msg, k.Up):
			s.cursor = max(s.cursor-1, 0)
		case key.Matches(msg, k.Down):
			if s.hist != nil {
				s.cursor = min(s.cursor+1, max(len(s.hist.Revisions)-1, 0))
			}
		case key.Matches(msg, s.c.Keys.Global.Back):
			return s, func() tea.Msg { return common.BackMsg{} }
		}
	}
	return s, nil
}

// touches reports whether a change concerns this workload or the objects
// it owns.
func (s Screen) touches(msg common.ClusterChangedMsg) bool {
	if msg.Changes == nil {
		return true
	}
	for _, c := range msg.Changes {
		if c.Kind == string(s.ref.Kind) && c.Namespace == s.ref.Namespace && c.Name == s.ref.Name {
			return true
		}
		if s.hist != nil && c.OwnerUID != "" && c.OwnerUID == s.hist.UID {
			return true
		}
	}
	return false
}

// View renders the revision table.
func (s Screen) View() string {
	st := s.c.Styles
	var lines []string
	title := st.Title.Render(textsafe.String(s.ref.String())) + st.Muted.Render(" · revision history (preview: diff and rollback come next)")
	lines = append(lines, title)
	switch {
	case s.loading && s.hist == nil:
		lines = append(lines, st.Muted.Render("Loading history…"))
	case s.err != nil:
		lines = append(lines, st.Error.Render("✗ "+textsafe.String(s.err.Error())))
	case s.hist != nil:
		h := s.hist
		g, w := finder.PhaseText(h.Status.Phase)
		lines = append(lines, fmt.Sprintf("%s %s  %s", g, w, st.Muted.Render(textsafe.String(h.Status.Message))))
		lines = append(lines, "")
		lines = append(lines, st.Header.Render(fmt.Sprintf("  %-12s %-9s %-8s %-7s %-30s %s", "REV", "", "CREATED", "READY", "CHANGE-CAUSE", "IMAGES")))
		for i := len(h.Revisions) - 1; i >= 0; i-- {
			r := h.Revisions[i]
			num := strconv.FormatInt(r.Number, 10)
			if len(r.FormerNumbers) > 0 {
				var f []string
				for _, n := range r.FormerNumbers {
					f = append(f, strconv.FormatInt(n, 10))
				}
				num += " (was " + strings.Join(f, ",") + ")"
			}
			var imgs []string
			for _, im := range r.Images {
				if !im.Init {
					imgs = append(imgs, textsafe.String(im.Image))
				}
			}
			mark := ""
			if r.Current {
				mark = "◀ current"
			}
			line := fmt.Sprintf("  %-12s %-9s %-8s %-7s %-30s %s", num, mark, common.Age(s.c.Now(), r.Created),
				fmt.Sprintf("%d/%d", r.Ready, r.Desired), common.Truncate(textsafe.String(r.ChangeCause), 30), strings.Join(imgs, ", "))
			if len(h.Revisions)-1-i == s.cursor {
				line = st.Selected.Render("▸" + line[1:])
			}
			lines = append(lines, line)
		}
		if len(h.Revisions) == 0 {
			lines = append(lines, st.Muted.Render("  no rollout history found"))
		}
	}
	return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
}
