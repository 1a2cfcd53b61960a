// Package workloads is the first screen: the finder over every workload.
package workloads

import (
	"context"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
	"github.com/mayday-tui/mayday/tui/screens/health"
)

// Screen wraps the finder as a common.Screen. It is a value: Update
// returns the new state, as with every model of the console.
type Screen struct {
	c      *common.Common
	deps   common.Deps
	finder finder.Model
	checks *checks
}

// New returns the screen in its loading state. With a metrics source the
// finder gets health columns, filled in for the rows on screen.
func New(c *common.Common, deps common.Deps) Screen {
	if deps.Ctx == nil {
		deps.Ctx = context.Background()
	}
	s := Screen{c: c, deps: deps, finder: finder.New(c), checks: newChecks()}
	if deps.Health != nil {
		s.finder.ShowHealth()
	}
	return s
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
	if r, ok := s.finder.Selected(); ok && k.Health.Enabled() {
		out = append(out, common.Command{Title: "Health of " + textsafe.String(r.Ref.String()), Keys: k.Health.Help().Key,
			Msg: openHealthMsg{}})
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
type openHealthMsg struct{}

// Update feeds the finder, then asks for the health of workloads that
// came on screen (or whose health is due again).
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	next, cmd := s.update(msg)
	sc := next.(Screen)
	if check := sc.checkVisible(); check != nil {
		return sc, tea.Batch(cmd, check)
	}
	return sc, cmd
}

func (s Screen) update(msg tea.Msg) (common.Screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case CheckedMsg:
		s.checked(msg)
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
	case openHealthMsg:
		return s, s.openHealth()
	case tea.KeyPressMsg:
		if !s.finder.CapturesInput() && key.Matches(msg, s.c.Keys.Finder.Health) {
			return s, s.openHealth()
		}
		s.finder, cmd = s.finder.Update(msg)
	default:
		s.finder, cmd = s.finder.Update(msg)
	}
	return s, cmd
}

// openHealth opens the selected workload's health screen.
func (s Screen) openHealth() tea.Cmd {
	r, ok := s.finder.Selected()
	if !ok {
		return nil
	}
	h, cmd := health.New(s.deps, s.c, r.Ref)
	return func() tea.Msg { return common.PushScreenMsg{Screen: h, Cmd: cmd} }
}

func (s *Screen) setNotice(msg common.ClusterChangedMsg) {
	if msg.Health.Err != nil {
		s.finder.SetNotice(textsafe.String(msg.Health.Err.Error()))
	} else {
		s.finder.SetNotice("")
	}
}
