package output

import "time"

// Options say how to print for people.
type Options struct {
	// Color enables ANSI colours: only on a terminal, never with NO_COLOR.
	// Meaning never depends on colour alone; glyphs and words carry it.
	Color bool
	// Width is the terminal width; 0 means unknown (a pipe or a file):
	// nothing is cut.
	Width int
	// Now is the reference for ages ("3d"); zero means time.Now.
	Now time.Time
}

func (o Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// Styles are semantic text styles: a no-op without colour.
type Styles struct{ color bool }

// Styles returns the styles for these options.
func (o Options) Styles() Styles { return Styles{color: o.Color} }

func (s Styles) wrap(code, text string) string {
	if !s.color || text == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s Styles) Header(t string) string  { return s.wrap("1", t) }
func (s Styles) Bold(t string) string    { return s.wrap("1", t) }
func (s Styles) Muted(t string) string   { return s.wrap("2", t) }
func (s Styles) Added(t string) string   { return s.wrap("32", t) }
func (s Styles) Removed(t string) string { return s.wrap("31", t) }
func (s Styles) Hunk(t string) string    { return s.wrap("36", t) }
func (s Styles) Warning(t string) string { return s.wrap("33", t) }
func (s Styles) Danger(t string) string  { return s.wrap("1;31", t) }
func (s Styles) Success(t string) string { return s.wrap("32", t) }
