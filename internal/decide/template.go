package decide

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// Placeholders lists the names a reason or risk line may use in braces,
// besides {answer:QUESTION}. A line that uses a placeholder with no value
// in the evidence is left out.
func Placeholders() []string {
	return []string{
		"workload", "namespace", "current", "previous", "last-known-good",
		"rollback-target", "rollback-target-health", "target", "health",
		"health-source", "alerts", "since-deploy", "gitops", "hpa",
		"migration", "canary", "canary-share", "stable", "service",
		"live-side", "old-side", "old-side-ready", "replicas", "updated",
		"paused-at", "old-ready", "app", "app-changed", "images",
	}
}

// line is one reason or risk: text with placeholders, shown only when its
// conditions hold.
type line struct {
	parts []part
	when  []cond
	line  int
}

// part is literal text, or a placeholder when ph is set.
type part struct {
	lit string
	ph  string
}

// cond holds when the path answered question id with value.
type cond struct {
	id, value string
	line      int
}

// parseLine splits text into literal parts and placeholders. "{{" and
// "}}" stand for literal braces.
func parseLine(text string) ([]part, error) {
	var parts []part
	var lit strings.Builder
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '{' && i+1 < len(text) && text[i+1] == '{':
			lit.WriteByte('{')
			i++
		case c == '}' && i+1 < len(text) && text[i+1] == '}':
			lit.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(text[i+1:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unclosed { (write {{ for a literal brace)")
			}
			name := text[i+1 : i+1+end]
			if err := checkPlaceholder(name); err != nil {
				return nil, err
			}
			if lit.Len() > 0 {
				parts = append(parts, part{lit: lit.String()})
				lit.Reset()
			}
			parts = append(parts, part{ph: name})
			i += end + 1
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		parts = append(parts, part{lit: lit.String()})
	}
	return parts, nil
}

func checkPlaceholder(name string) error {
	if id, ok := strings.CutPrefix(name, "answer:"); ok {
		if id == "" {
			return fmt.Errorf("{answer:} names no question")
		}
		return nil // the question is checked with the whole policy
	}
	for _, p := range Placeholders() {
		if p == name {
			return nil
		}
	}
	msg := fmt.Sprintf("unknown placeholder {%s}", name)
	if s := yamlfields.Closest(name, Placeholders()); s != "" {
		return fmt.Errorf("%s (did you mean {%s}?)", msg, s)
	}
	return fmt.Errorf("%s (known: %s, answer:QUESTION)", msg, strings.Join(Placeholders(), ", "))
}

// render fills the line's placeholders; ok is false when the line is left
// out (a condition does not hold, or a placeholder has no value).
func (l *line) render(c *renderCtx) (string, bool) {
	for _, w := range l.when {
		if c.answers[w.id] != w.value {
			return "", false
		}
	}
	var b strings.Builder
	for _, p := range l.parts {
		if p.ph == "" {
			b.WriteString(p.lit)
			continue
		}
		v := c.value(p.ph)
		if v == "" {
			return "", false
		}
		b.WriteString(v)
	}
	return textsafe.String(b.String()), true
}

// renderCtx is what lines are rendered against.
type renderCtx struct {
	f       *facts
	answers map[string]string // the answers on the path
	target  Target
}

func revText(r int64) string {
	if r <= 0 {
		return ""
	}
	return strconv.FormatInt(r, 10)
}

// value is a placeholder's value; "" when the evidence does not have it.
func (c *renderCtx) value(name string) string {
	ev := c.f.ev
	r := ev.Rollout
	canary, bg := ev.Traffic.Canary, ev.Traffic.BlueGreen
	switch name {
	case "workload":
		if ev.Workload.Name == "" {
			return ""
		}
		return ev.Workload.String()
	case "namespace":
		return ev.Workload.Namespace
	case "current":
		return revText(ev.CurrentRevision)
	case "previous":
		return revText(c.f.previous)
	case "last-known-good":
		return revText(c.f.lkg)
	case "rollback-target":
		return revText(c.f.rollbackTarget)
	case "rollback-target-health":
		if h := c.f.targetHealth; h != nil && h.Verdict.State != metrics.Unknown {
			return verdictText(h.Verdict)
		}
		return ""
	case "target":
		return c.target.Text
	case "health":
		return verdictText(ev.Health)
	case "health-source":
		return ev.Health.Source
	case "alerts":
		return strings.Join(firingAlerts(ev.Health), ", ")
	case "since-deploy":
		if ev.DeployedAt.IsZero() || ev.Now.IsZero() {
			return ""
		}
		return ago(ev.Now.Sub(ev.DeployedAt))
	case "gitops":
		return ev.GitOps.Name()
	case "hpa":
		return ev.HPA
	case "migration":
		return revText(ev.Migration.Revision)
	case "canary":
		if canary != nil {
			return canary.Name
		}
	case "canary-share":
		if canary != nil && canary.ShareKnown {
			return percent(canary.Share)
		}
	case "stable":
		if canary != nil {
			return canary.Stable
		}
	case "service":
		if bg != nil {
			return bg.Service
		}
	case "live-side":
		if bg != nil {
			return bg.Live
		}
	case "old-side":
		if bg != nil {
			return bg.Idle
		}
	case "old-side-ready":
		if bg != nil {
			return strconv.Itoa(int(bg.IdleReady))
		}
	case "replicas":
		if r.Observed && r.Desired > 0 {
			return strconv.Itoa(int(r.Desired))
		}
	case "updated":
		if r.Observed {
			return strconv.Itoa(int(r.Updated))
		}
	case "paused-at":
		if r.Observed && r.Paused {
			return fmt.Sprintf("%d of %d pods updated", r.Updated, r.Desired)
		}
	case "old-ready":
		if r.Observed {
			return strconv.Itoa(int(r.OldReady))
		}
	case "app":
		if ev.App.Name != "" {
			return ev.App.Name
		}
		return ev.App.Label
	case "app-changed":
		return strings.Join(ev.App.Changed, ", ")
	case "images":
		return strings.Join(ev.Images, ", ")
	default:
		if id, ok := strings.CutPrefix(name, "answer:"); ok {
			return c.answers[id]
		}
	}
	return ""
}
