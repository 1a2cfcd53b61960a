// Package themes holds mayday's colour themes: small semantic palettes
// stored as YAML data files. The built-in ones are embedded in the binary;
// users add their own (or override a built-in) as NAME.yaml in
// $XDG_CONFIG_HOME/mayday/themes/. Every file is validated on load and a
// problem is reported with the file, the line and the field.
package themes

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mayday-tui/mayday/internal/yamlfields"
)

//go:embed *.yaml
var builtinFS embed.FS // read-only: embedded files cannot change

// Default is the theme used when none is chosen or the chosen one is bad.
const Default = "default"

// Palette is a theme's semantic colours. Each is "#rrggbb", "#rgb", an ANSI
// index "0".."255", or "" for the terminal's own colour.
type Palette struct {
	Fg          string
	Bg          string
	Muted       string
	Accent      string
	Success     string
	Warning     string
	Danger      string
	Info        string
	Selection   string // background of the selected row
	SelectionFg string // text of the selected row
	Border      string
	Series      []string // graph series, in order
}

// Frame is an optional border drawn around the whole screen.
type Frame struct {
	Border string // none, normal, rounded, thick or double
	Color  string // the palette field that colours it, e.g. danger
	Label  string // text shown in the top border, e.g. PRODUCTION
}

// Theme is one validated theme.
type Theme struct {
	Name        string
	Description string
	// Source is where the theme came from ("built-in" or a path).
	Source string
	// Dark is the palette for dark backgrounds (the file's "palette").
	Dark Palette
	// Light, when set, replaces Dark on light backgrounds.
	Light *Palette
	Frame Frame
}

// Palette returns the palette for a dark or light background.
func (t Theme) Palette(darkBackground bool) Palette {
	if !darkBackground && t.Light != nil {
		return *t.Light
	}
	return t.Dark
}

// Catalog is every theme that loaded, built-in and user, and the problems
// found in the files that did not.
type Catalog struct {
	themes map[string]Theme
	// Problems lists the user theme files that failed to load.
	Problems []error
	broken   map[string]error
}

// Builtin loads only the embedded themes. They are tested, so an error
// here is a bug in the binary.
func Builtin() (*Catalog, error) {
	c := &Catalog{themes: map[string]Theme{}, broken: map[string]error{}}
	files, err := fs.Glob(builtinFS, "*.yaml")
	if err != nil {
		return nil, err
	}
	// Load the ones others extend first: "extends" names only built-ins.
	slices.SortFunc(files, func(a, b string) int {
		return strings.Compare(orderKey(a), orderKey(b))
	})
	var errs []error
	for _, f := range files {
		data, err := builtinFS.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t, err := Parse("themes/"+f, data, c.themes)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.Source = "built-in"
		c.themes[t.Name] = t
	}
	return c, errors.Join(errs...)
}

func orderKey(f string) string {
	if f == Default+".yaml" {
		return ""
	}
	return f
}

// Load returns the built-in themes plus the user's from dir (which may be
// "" or missing). A bad user file is recorded in Problems and skipped.
func Load(dir string) (*Catalog, error) {
	c, err := Builtin()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return c, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.Problems = append(c.Problems, fmt.Errorf("reading user themes: %w", err))
		}
		return c, nil
	}
	builtins := map[string]Theme{}
	for k, v := range c.themes {
		builtins[k] = v
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		name := strings.TrimSuffix(e.Name(), ext)
		data, err := os.ReadFile(path)
		if err == nil {
			var t Theme
			t, err = Parse(path, data, builtins)
			if err == nil {
				t.Source = path
				c.themes[t.Name] = t
				continue
			}
		}
		c.Problems = append(c.Problems, err)
		c.broken[name] = err
	}
	return c, nil
}

// Names lists the loadable themes, sorted.
func (c *Catalog) Names() []string {
	out := make([]string, 0, len(c.themes))
	for n := range c.themes {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// Get returns a theme by name.
func (c *Catalog) Get(name string) (Theme, bool) {
	t, ok := c.themes[name]
	return t, ok
}

// Resolve picks the theme to use for name. It never fails to return a
// theme: an unknown or broken one falls back (to the built-in of the same
// name when a user file overriding it is broken, else to the default) and
// the error says why, for the console to show.
func (c *Catalog) Resolve(name string) (Theme, error) {
	if name == "" {
		name = Default
	}
	if berr, broken := c.broken[name]; broken {
		if t, ok := c.themes[name]; ok {
			return t, fmt.Errorf("theme %q: using the built-in one: %w", name, berr)
		}
		return c.themes[Default], fmt.Errorf("theme %q is broken, using %q: %w", name, Default, berr)
	}
	if t, ok := c.themes[name]; ok {
		return t, nil
	}
	return c.themes[Default], fmt.Errorf("unknown theme %q, using %q (available: %s)", name, Default, strings.Join(c.Names(), ", "))
}

// Parse validates one theme file. base holds the themes "extends" may name.
// The theme's name is the file's base name.
func Parse(file string, data []byte, base map[string]Theme) (Theme, error) {
	doc, root, err := yamlfields.Parse(file, data)
	if err != nil {
		return Theme{}, err
	}
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	t := Theme{Name: name}
	root.Known("description", "extends", "palette", "light", "frame")
	t.Description, _ = root.String("description")

	var from *Theme
	if ext, ok := root.String("extends"); ok {
		if b, found := base[ext]; found && ext != name {
			from = &b
		} else if !found || ext == name {
			names := make([]string, 0, len(base))
			for n := range base {
				names = append(names, n)
			}
			slices.Sort(names)
			root.Errorf("extends", "%q is not a built-in theme (built-in: %s)", ext, strings.Join(names, ", "))
		}
	}

	pm, hasPalette := root.Map("palette")
	if from != nil {
		t.Dark = from.Dark
		t.Frame = from.Frame
		if from.Light != nil {
			l := *from.Light
			t.Light = &l
		}
	} else if !hasPalette {
		root.Errorf("palette", "missing: a theme needs a palette (or extends: a built-in theme)")
	}
	readPalette(pm, &t.Dark, from == nil)

	if lm, ok := root.Map("light"); ok {
		light := t.Dark // a light variant starts from the dark one: fields it omits stay
		if t.Light != nil {
			light = *t.Light
		}
		readPalette(lm, &light, false)
		t.Light = &light
	}
	if fm, ok := root.Map("frame"); ok {
		readFrame(fm, &t.Frame)
	}
	if err := doc.Err(); err != nil {
		return Theme{}, err
	}
	return t, nil
}

// paletteFields names the palette's fields in file order, for reading and
// for frame colour references.
func paletteFields(p *Palette) []struct {
	name string
	ptr  *string
	opt  bool // may be empty: the terminal's own colour
} {
	return []struct {
		name string
		ptr  *string
		opt  bool
	}{
		{"fg", &p.Fg, true}, {"bg", &p.Bg, true}, {"muted", &p.Muted, false},
		{"accent", &p.Accent, false}, {"success", &p.Success, false},
		{"warning", &p.Warning, false}, {"danger", &p.Danger, false},
		{"info", &p.Info, false}, {"selection", &p.Selection, false},
		{"selectionFg", &p.SelectionFg, true}, {"border", &p.Border, false},
	}
}

func readPalette(m yamlfields.Mapping, p *Palette, required bool) {
	fields := paletteFields(p)
	allowed := []string{"series"}
	for _, f := range fields {
		allowed = append(allowed, f.name)
	}
	if m.Node() != nil {
		m.Known(allowed...)
	}
	for _, f := range fields {
		v, ok := m.String(f.name)
		if !ok {
			if required && !f.opt && m.Node() != nil {
				m.Errorf(f.name, "missing: every palette needs %s", f.name)
			}
			continue
		}
		if err := ValidColor(v, f.opt); err != nil {
			m.Errorf(f.name, "%v", err)
			continue
		}
		*f.ptr = v
	}
	if s, ok := m.StringList("series"); ok {
		if len(s) == 0 {
			m.Errorf("series", "needs at least one colour")
		}
		var good []string
		for i, c := range s {
			if err := ValidColor(c, false); err != nil {
				m.Errorf("series", "colour %d: %v", i+1, err)
				continue
			}
			good = append(good, c)
		}
		if len(good) == len(s) {
			p.Series = good
		}
	} else if required && m.Node() != nil {
		m.Errorf("series", "missing: a palette needs graph series colours")
	}
}

func readFrame(m yamlfields.Mapping, f *Frame) {
	m.Known("border", "color", "label")
	if b, ok := m.String("border"); ok {
		switch b {
		case "none", "normal", "rounded", "thick", "double":
			f.Border = b
		default:
			m.Errorf("border", "%q is not a border (use none, normal, rounded, thick or double)", b)
		}
	}
	if c, ok := m.String("color"); ok {
		var names []string
		for _, pf := range paletteFields(&Palette{}) {
			names = append(names, pf.name)
		}
		if !slices.Contains(names, c) {
			m.Errorf("color", "%q is not a palette field (use one of %s)", c, strings.Join(names, ", "))
		} else {
			f.Color = c
		}
	}
	if l, ok := m.String("label"); ok {
		if len([]rune(l)) > 30 || strings.ContainsFunc(l, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			m.Errorf("label", "must be at most 30 printable characters")
		} else {
			f.Label = l
		}
	}
}

// Color returns the palette colour a frame names.
func (p Palette) Color(field string) string {
	for _, f := range paletteFields(&p) {
		if f.name == field {
			return *f.ptr
		}
	}
	return ""
}

// ValidColor checks a colour value; empty is allowed when optional.
func ValidColor(v string, optional bool) error {
	switch {
	case v == "":
		if optional {
			return nil
		}
		return errors.New("must not be empty (use #rrggbb, #rgb or an ANSI index 0-255)")
	case strings.HasPrefix(v, "#"):
		h := v[1:]
		if len(h) != 3 && len(h) != 6 {
			break
		}
		if _, err := strconv.ParseUint(h, 16, 32); err != nil {
			break
		}
		return nil
	default:
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 255 {
			return nil
		}
	}
	return fmt.Errorf("%q is not a colour (use #rrggbb, #rgb or an ANSI index 0-255)", v)
}
