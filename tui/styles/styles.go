// Package styles turns a theme's palette into lipgloss styles. Styles are
// built per program (each SSH session has its own colour profile and
// background), never held globally, and are named for what they mean
// (Danger, Muted), not for their colours.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/mayday-tui/mayday/themes"
)

// Styles is the semantic style set of one program.
type Styles struct {
	// Theme is the theme the styles came from.
	Theme themes.Theme
	// Profile is the colour profile the styles were built for. At ASCII
	// and below no colour is set at all; emphasis is bold, underline and
	// reverse only, so NO_COLOR keeps every distinction.
	Profile colorprofile.Profile
	// Dark says the palette for a dark background is in use.
	Dark bool

	Base    lipgloss.Style
	Muted   lipgloss.Style
	Accent  lipgloss.Style
	Bold    lipgloss.Style
	Success lipgloss.Style
	Warning lipgloss.Style
	Danger  lipgloss.Style
	Info    lipgloss.Style

	Title    lipgloss.Style // a screen's title
	Header   lipgloss.Style // a table's column headings
	Selected lipgloss.Style // the selected row
	Match    lipgloss.Style // characters a fuzzy filter matched
	Prompt   lipgloss.Style // input prompts ("/", ">")
	Key      lipgloss.Style // a key in help text
	Border   lipgloss.Style // border colour for boxes
	Badge    lipgloss.Style // loud short labels such as RO
	Error    lipgloss.Style // error messages

	StatusBar lipgloss.Style // the status bar line

	// Frame, when FrameBorder is set, is drawn around the whole screen.
	Frame       lipgloss.Style
	FrameBorder *lipgloss.Border
	FrameLabel  string

	// Series are graph colours (nil at ASCII).
	Series []color.Color
}

// New builds styles for a theme, a background and a colour profile.
func New(t themes.Theme, darkBackground bool, profile colorprofile.Profile) Styles {
	p := t.Palette(darkBackground)
	colour := profile > colorprofile.ASCII
	c := func(v string) color.Color {
		if !colour || v == "" {
			return nil
		}
		return lipgloss.Color(v)
	}
	fg := func(v string) lipgloss.Style {
		s := lipgloss.NewStyle()
		if col := c(v); col != nil {
			s = s.Foreground(col)
		}
		return s
	}
	s := Styles{Theme: t, Profile: profile, Dark: darkBackground}
	s.Base = fg(p.Fg)
	s.Muted = fg(p.Muted)
	s.Accent = fg(p.Accent)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Success = fg(p.Success)
	s.Warning = fg(p.Warning)
	s.Danger = fg(p.Danger).Bold(true)
	s.Info = fg(p.Info)
	s.Title = fg(p.Accent).Bold(true)
	s.Header = fg(p.Muted).Bold(true)
	s.Prompt = fg(p.Accent).Bold(true)
	s.Key = fg(p.Accent).Bold(true)
	s.Border = fg(p.Border)
	s.Error = fg(p.Danger).Bold(true)
	s.Match = fg(p.Accent).Bold(true).Underline(true)
	s.StatusBar = fg(p.Fg)
	if colour {
		s.Selected = lipgloss.NewStyle().Background(c(p.Selection))
		if sf := c(p.SelectionFg); sf != nil {
			s.Selected = s.Selected.Foreground(sf)
		}
		s.Badge = lipgloss.NewStyle().Bold(true).Foreground(c(p.Bg)).Background(c(p.Warning))
		if c(p.Bg) == nil {
			s.Badge = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(c(p.Warning))
		}
		for _, v := range p.Series {
			s.Series = append(s.Series, c(v))
		}
	} else {
		// Without colour the selection and badges are reverse video, and
		// matched characters are underlined: attributes survive NO_COLOR.
		s.Selected = lipgloss.NewStyle().Reverse(true)
		s.Badge = lipgloss.NewStyle().Bold(true).Reverse(true)
	}
	if b := border(t.Frame.Border); b != nil {
		s.FrameBorder = b
		s.Frame = lipgloss.NewStyle().Border(*b).Bold(true)
		if col := c(p.Color(t.Frame.Color)); col != nil {
			s.Frame = s.Frame.BorderForeground(col).Foreground(col)
		}
		s.FrameLabel = t.Frame.Label
	}
	return s
}

func border(name string) *lipgloss.Border {
	var b lipgloss.Border
	switch name {
	case "normal":
		b = lipgloss.NormalBorder()
	case "rounded":
		b = lipgloss.RoundedBorder()
	case "thick":
		b = lipgloss.ThickBorder()
	case "double":
		b = lipgloss.DoubleBorder()
	default:
		return nil
	}
	return &b
}

// Colorless reports whether the styles carry no colour (ASCII, NoTTY).
func (s Styles) Colorless() bool { return s.Profile <= colorprofile.ASCII }
