// Package notify tells the team about an incident through webhooks: a
// Slack-compatible message or a generic JSON document per journal record
// of the configured kinds (incident opened, action executed, verified or
// failed, incident closed). Deliveries run in the background with a
// timeout and retries; each outcome is written back to the journal as a
// notification-sent or notification-failed record. They never hold up the
// caller.
package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"
)

// Format is the body a webhook receives.
type Format string

const (
	// FormatSlack is a Slack incoming-webhook message (text and blocks);
	// Mattermost and Rocket.Chat accept it too.
	FormatSlack Format = "slack"
	// FormatJSON is mayday's own document (see docs/incident.md).
	FormatJSON Format = "json"
)

// Defaults for a webhook that does not set them.
const (
	DefaultTimeout = 5 * time.Second
	DefaultRetries = 3
	DefaultBackoff = time.Second
	maxBackoff     = 30 * time.Second
)

// Webhook is one configured receiver.
type Webhook struct {
	// Name identifies the webhook in the journal (the URL, which usually
	// holds a token, is never written down).
	Name   string
	URL    string
	Format Format
	// Events are the record types announced (empty: DefaultEvents).
	Events []incident.Type
	// Timeout bounds each attempt; Retries is the number of attempts
	// after the first.
	Timeout time.Duration
	Retries int
}

// DefaultEvents are announced when a webhook does not list its own.
func DefaultEvents() []incident.Type {
	return []incident.Type{incident.TypeOpened, incident.TypeExecuted, incident.TypeVerified, incident.TypeFailed, incident.TypeClosed}
}

// Events are the record types a webhook may announce: every type except
// the notifications themselves.
func Events() []incident.Type {
	var out []incident.Type
	for _, t := range incident.Types() {
		if !isNotification(t) {
			out = append(out, t)
		}
	}
	return out
}

func isNotification(t incident.Type) bool {
	return t == incident.TypeNotificationSent || t == incident.TypeNotificationFailed
}

// Check reports what is wrong with a webhook's settings.
func (w Webhook) Check() error {
	var problems []string
	if w.Name == "" {
		problems = append(problems, "no name")
	}
	if !strings.HasPrefix(w.URL, "https://") && !strings.HasPrefix(w.URL, "http://") {
		problems = append(problems, "the URL must start with https:// or http://")
	}
	if w.Format != FormatSlack && w.Format != FormatJSON {
		problems = append(problems, fmt.Sprintf("format %q is not slack or json", w.Format))
	}
	for _, e := range w.Events {
		if !slices.Contains(Events(), e) {
			problems = append(problems, fmt.Sprintf("%q is not an event", e))
		}
	}
	if w.Timeout < 0 || w.Retries < 0 {
		problems = append(problems, "timeout and retries must not be negative")
	}
	if len(problems) > 0 {
		return fmt.Errorf("webhook %s: %s", w.Name, strings.Join(problems, "; "))
	}
	return nil
}

// wants reports whether the webhook announces records of type t.
func (w Webhook) wants(t incident.Type) bool {
	if isNotification(t) {
		return false
	}
	events := w.Events
	if len(events) == 0 {
		events = DefaultEvents()
	}
	return slices.Contains(events, t)
}

func (w Webhook) timeout() time.Duration {
	if w.Timeout <= 0 {
		return DefaultTimeout
	}
	return w.Timeout
}
