// Package config reads mayday's configuration file,
// $XDG_CONFIG_HOME/mayday/config.yaml (see docs/config.md). Every problem
// is reported with the file and line; a missing file means the defaults.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/adrg/xdg"

	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// Config is the parsed configuration file.
type Config struct {
	// Path is the file read ("" when defaults only).
	Path string
	// Theme is the default theme name ("" means the built-in default).
	Theme string
	// Contexts are per kube-context settings, by name or glob pattern.
	Contexts []Context
	// Keys rebinds actions of the console; see docs/config.md.
	Keys []KeyBinding
	// Refresh tunes how often the console redraws.
	Refresh Refresh
	// Health is thresholds and per-workload metric settings.
	Health Health
	// Notify is the webhooks told about incidents.
	Notify Notify
	// Incidents is where journals live and the report's template.
	Incidents Incidents
}

// Context is the settings for kube contexts matching Name (an exact name or
// a glob such as prod-*). Unset fields are nil.
type Context struct {
	Name       string
	Theme      string
	ReadOnly   *bool
	Production *bool
	Prometheus Prometheus
	Line       int
}

// KeyBinding binds an action ("finder.open", "global.quit") to keys. An
// empty list disables the action.
type KeyBinding struct {
	Action string
	Keys   []string
	Line   int
}

// Refresh settings.
type Refresh struct {
	// Tick is how often time-dependent text (clock, data age) is redrawn.
	Tick time.Duration
	// Coalesce is how long to gather a burst of cluster changes into one
	// redraw.
	Coalesce time.Duration
}

// Defaults are used for anything the file does not set.
func Defaults() *Config {
	return &Config{Refresh: Refresh{Tick: time.Second, Coalesce: 50 * time.Millisecond}}
}

// Paths are the directories mayday reads and writes; tests pass their own
// instead of reading the process environment.
type Paths struct {
	ConfigDir string // holds config.yaml and themes/
	StateDir  string // holds the log file
}

// DefaultPaths follows the XDG base directory spec.
func DefaultPaths() Paths {
	return Paths{
		ConfigDir: filepath.Join(xdg.ConfigHome, "mayday"),
		StateDir:  filepath.Join(xdg.StateHome, "mayday"),
	}
}

// ConfigFile is the config file's path.
func (p Paths) ConfigFile() string { return filepath.Join(p.ConfigDir, "config.yaml") }

// ThemesDir is where user themes live.
func (p Paths) ThemesDir() string { return filepath.Join(p.ConfigDir, "themes") }

// LogFile is where the console logs.
func (p Paths) LogFile() string { return filepath.Join(p.StateDir, "mayday.log") }

// Load reads the file at path. A missing file gives the defaults and no
// error; an invalid one gives the defaults merged with what was valid and
// an error listing every problem, so the caller can show it and go on.
func Load(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return Defaults(), nil
	}
	if err != nil {
		return Defaults(), fmt.Errorf("reading config: %w", err)
	}
	return Parse(file, data)
}

// Parse reads a config file's contents.
func Parse(file string, data []byte) (*Config, error) {
	c := Defaults()
	c.Path = file
	doc, root, err := yamlfields.Parse(file, data)
	if err != nil {
		return c, err
	}
	root.Known("theme", "contexts", "keys", "refresh", "health", "notify", "incidents")
	if t, ok := root.String("theme"); ok {
		if err := checkThemeName(t); err != nil {
			root.Errorf("theme", "%v", err)
		} else {
			c.Theme = t
		}
	}
	if m, ok := root.Map("contexts"); ok {
		c.Contexts = readContexts(doc, m)
	}
	if m, ok := root.Map("health"); ok {
		c.Health = readHealth(m)
	}
	if m, ok := root.Map("keys"); ok {
		c.Keys = readKeys(m)
	}
	if m, ok := root.Map("notify"); ok {
		c.Notify = readNotify(m)
	}
	if m, ok := root.Map("incidents"); ok {
		c.Incidents = readIncidents(doc, m)
	}
	if m, ok := root.Map("refresh"); ok {
		m.Known("tick", "coalesce")
		if d, ok := m.Duration("tick", 250*time.Millisecond, time.Minute); ok {
			c.Refresh.Tick = d
		}
		if d, ok := m.Duration("coalesce", 0, 5*time.Second); ok {
			c.Refresh.Coalesce = d
		}
	}
	return c, doc.Err()
}

var themeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`) // compiled once, never changed

func checkThemeName(t string) error {
	if !themeName.MatchString(t) {
		return fmt.Errorf("%q is not a theme name (letters, digits, '.', '_' and '-')", t)
	}
	return nil
}

func readContexts(doc *yamlfields.Doc, m yamlfields.Mapping) []Context {
	var out []Context
	for _, e := range m.Entries() {
		if _, err := path.Match(e.Key, ""); err != nil {
			m.ErrorfAt(e, "%q is not a valid context name or glob pattern", e.Key)
			continue
		}
		cm, ok := m.MapAt(e)
		if !ok {
			continue
		}
		cm.Known("theme", "readOnly", "production", "prometheus")
		ctx := Context{Name: e.Key, Line: e.KeyN.Line, Prometheus: DefaultPrometheus()}
		if t, ok := cm.String("theme"); ok {
			if err := checkThemeName(t); err != nil {
				cm.Errorf("theme", "%v", err)
			} else {
				ctx.Theme = t
			}
		}
		if b, ok := cm.Bool("readOnly"); ok {
			ctx.ReadOnly = &b
		}
		if b, ok := cm.Bool("production"); ok {
			ctx.Production = &b
		}
		if pm, ok := cm.Map("prometheus"); ok {
			ctx.Prometheus = readPrometheus(doc, pm)
		}
		out = append(out, ctx)
	}
	return out
}

func readKeys(m yamlfields.Mapping) []KeyBinding {
	var out []KeyBinding
	for _, e := range m.Entries() {
		scope, action, ok := strings.Cut(e.Key, ".")
		if !ok || scope == "" || action == "" {
			m.ErrorfAt(e, "name an action as SCREEN.ACTION, for example finder.open or global.quit")
			continue
		}
		keys, ok := m.StringListAt(e)
		if !ok {
			continue
		}
		for _, k := range keys {
			if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t") {
				m.ErrorfAt(e, "%q is not a key (write keys as q, enter, ctrl+k, shift+tab, f5)", k)
				ok = false
			}
		}
		if ok {
			out = append(out, KeyBinding{Action: e.Key, Keys: keys, Line: e.KeyN.Line})
		}
	}
	return out
}

// Settings are the effective settings for one kube context.
type Settings struct {
	Theme      string
	ReadOnly   bool
	Production bool
	// ProductionReason says why the context counts as production.
	ProductionReason string
	Prometheus       Prometheus
}

// For returns the settings for a kube context. An exact name beats a glob;
// among globs the first in the file wins. A context not marked either way
// counts as production when its name contains "prod", so a missing config
// errs on the safe side.
func (c *Config) For(kubeContext string) Settings {
	s := Settings{Theme: c.Theme, Prometheus: DefaultPrometheus()}
	var match *Context
	for i := range c.Contexts {
		if c.Contexts[i].Name == kubeContext {
			match = &c.Contexts[i]
			break
		}
	}
	if match == nil {
		for i := range c.Contexts {
			if ok, _ := path.Match(c.Contexts[i].Name, kubeContext); ok {
				match = &c.Contexts[i]
				break
			}
		}
	}
	if match != nil {
		if match.Theme != "" {
			s.Theme = match.Theme
		}
		if match.ReadOnly != nil {
			s.ReadOnly = *match.ReadOnly
		}
		s.Prometheus = match.Prometheus
		if match.Production != nil {
			s.Production = *match.Production
			if s.Production {
				s.ProductionReason = fmt.Sprintf("marked production in %s (line %d)", c.Path, match.Line)
			}
			return s
		}
	}
	if strings.Contains(strings.ToLower(kubeContext), "prod") {
		s.Production = true
		s.ProductionReason = fmt.Sprintf("the context name %q contains \"prod\"", kubeContext)
	}
	return s
}

// ContextNames lists the configured context names and patterns.
func (c *Config) ContextNames() []string {
	out := make([]string, 0, len(c.Contexts))
	for _, x := range c.Contexts {
		out = append(out, x.Name)
	}
	return slices.Clip(out)
}
