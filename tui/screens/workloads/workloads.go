// Package workloads is the first screen: the finder over every workload.
package workloads

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
)

// Screen wraps the finder as a common.Screen. It is a value: Update
// returns the new state, as with every model of the console.
type Screen struct {
	c      *common.Common
	finder finder.Model
}

// New returns the screen in its loading state.
func New(c *common.Common) Screen {
	return Screen{c: c, finder: finder.New(c)}
}

// Finder exposes the finder (tests, benchmarks).
func (s Screen) Finder() finder.Model { return s.finder }

func (s Screen) Title() string       { return "Workloads" }
func (s Screen) KeyMap() help.KeyMap { return s.c.Keys.Finder }
func (s Screen) CapturesInput() bool { return s.finder.CapturesInput() }
func (s Screen) View() string        { return s.finder.View() }
func (s Screen) SetSize(w, h int) common.Screen {
	s.finder.SetSize(w, h)
	return s
}

// Commands are the finder's palette entries.
func (s Screen) Commands() []common.Command {
	k := s.c.Keys.Finder
	var out []common.Command
	if r, ok := s.finder.Selected(); ok && k.Open.Enabled() {
		out = append(out, common.Command{Title: "Open history of " + textsafe.String(r.Ref.String()), Keys: k.Open.Help().Key,
			Msg: common.OpenWorkloadMsg{Ref: r.Ref}})
	}
	if k.Filter.Enabled() {
		out = append(out, common.Command{Title: "Filter workloads", Keys: k.Filter.Help().Key, Msg: focusFilterMsg{}})
	}
	if s.finder.Query() != "" {
		out = append(out, common.Command{Title: "Clear the filter", Keys: k.ClearFilter.Help().Key, Msg: clearFilterMsg{}})
	}
	return out
}

type focusFilterMsg struct{}
type clearFilterMsg struct{}

// Update feeds the finder.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case common.ClusterChangedMsg:
		s.setNotice(msg)
		s.finder, cmd = s.finder.SetRows(msg.Rows, msg.Health.Synced)
	case common.TickMsg:
		if msg.Health.Err != nil && !s.finder.Loaded() {
			s.finder.SetNotice(textsafe.String(msg.Health.Err.Error()))
		}
	case focusFilterMsg:
		s.finder = s.finder.Focus()
	case clearFilterMsg:
		s.finder, cmd = s.finder.ClearFilter()
	default:
		s.finder, cmd = s.finder.Update(msg)
	}
	return s, cmd
}

func (s *Screen) setNotice(msg common.ClusterChangedMsg) {
	if msg.Health.Err != nil {
		s.finder.SetNotice(textsafe.String(msg.Health.Err.Error()))
	} else {
		s.finder.SetNotice("")
	}
}
