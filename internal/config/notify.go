package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/notify"
	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// Notify is the notify section: webhooks told about incidents.
type Notify struct {
	Webhooks []Webhook
}

// Webhook is one notify.webhooks entry. The URL is in the file, or in the
// environment variable URLEnv (so the token in it stays out of the file).
type Webhook struct {
	notify.Webhook
	URLEnv string
	Line   int
}

// Resolve returns the webhook to deliver to, its URL read from the
// environment when configured so.
func (w Webhook) Resolve(getenv func(string) string) (notify.Webhook, error) {
	h := w.Webhook
	if w.URLEnv != "" {
		h.URL = strings.TrimSpace(getenv(w.URLEnv))
		if h.URL == "" {
			return h, fmt.Errorf("webhook %s: the environment variable %s (its urlEnv) is not set", w.Name, w.URLEnv)
		}
	}
	return h, h.Check()
}

// Resolve resolves every configured webhook; those that cannot be used
// are left out and reported.
func (n Notify) Resolve(getenv func(string) string) ([]notify.Webhook, []error) {
	var out []notify.Webhook
	var errs []error
	for _, w := range n.Webhooks {
		h, err := w.Resolve(getenv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, h)
	}
	return out, errs
}

func readNotify(m yamlfields.Mapping) Notify {
	var n Notify
	m.Known("webhooks")
	list, ok := sequence(m, "webhooks")
	if !ok {
		return n
	}
	names := map[string]int{}
	for i, item := range list.Content {
		e := yamlfields.Entry{Key: fmt.Sprintf("webhooks[%d]", i), KeyN: item, Value: item}
		wm, ok := m.MapAt(e)
		if !ok {
			continue
		}
		w, ok := readWebhook(wm)
		if !ok {
			continue
		}
		if line, dup := names[w.Name]; dup {
			wm.Errorf("name", "webhook %q is defined twice (first on line %d)", w.Name, line)
			continue
		}
		names[w.Name] = w.Line
		n.Webhooks = append(n.Webhooks, w)
	}
	return n
}

// sequence finds the list under key, reporting anything else.
func sequence(m yamlfields.Mapping, key string) (*yaml.Node, bool) {
	n := m.Node()
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			continue
		}
		v := n.Content[i+1]
		for v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		switch {
		case v.Kind == yaml.SequenceNode:
			return v, true
		case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
			return nil, false
		}
		m.Errorf(key, "expected a list (lines starting with '- name: ...')")
		return nil, false
	}
	return nil, false
}

var webhookName = themeName // letters, digits, '.', '_' and '-'

func readWebhook(m yamlfields.Mapping) (Webhook, bool) {
	m.Known("name", "url", "urlEnv", "format", "events", "timeout", "retries")
	w := Webhook{Line: m.Node().Line}
	w.Format, w.Timeout, w.Retries = notify.FormatSlack, notify.DefaultTimeout, notify.DefaultRetries
	ok := true
	if name, has := m.String("name"); !has || !webhookName.MatchString(name) {
		m.Errorf("name", "a webhook needs a name (letters, digits, '.', '_' and '-'); the journal records deliveries by name, never by URL")
		ok = false
	} else {
		w.Name = name
	}
	url, hasURL := m.String("url")
	env, hasEnv := m.String("urlEnv")
	switch {
	case hasURL && hasEnv:
		m.Errorf("urlEnv", "set url or urlEnv, not both")
		ok = false
	case hasURL:
		if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
			m.Errorf("url", "the URL must start with https:// or http://")
			ok = false
		}
		w.URL = url
	case hasEnv:
		w.URLEnv = env
	default:
		m.Errorf("url", "a webhook needs url (or urlEnv, the name of an environment variable holding it)")
		ok = false
	}
	if f, has := m.String("format"); has {
		switch notify.Format(f) {
		case notify.FormatSlack, notify.FormatJSON:
			w.Format = notify.Format(f)
		default:
			m.Errorf("format", "%q is not a format (slack or json)", f)
			ok = false
		}
	}
	if events, has := m.StringList("events"); has {
		known := notify.Events()
		for _, e := range events {
			if !slices.Contains(known, incident.Type(e)) {
				m.Errorf("events", "%q is not an event (%s)", e, eventNames(known))
				ok = false
				continue
			}
			w.Events = append(w.Events, incident.Type(e))
		}
	}
	if d, has := m.Duration("timeout", 100*time.Millisecond, time.Minute); has {
		w.Timeout = d
	}
	if s, has := m.String("retries"); has {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 10 {
			m.Errorf("retries", "%q is not a number of retries (0 to 10)", s)
			ok = false
		} else {
			w.Retries = n
		}
	}
	return w, ok
}

func eventNames(ts []incident.Type) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
