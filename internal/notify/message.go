package notify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/redact"
)

// Message is the generic JSON document (FormatJSON).
type Message struct {
	// Event is the record type announced.
	Event    incident.Type `json:"event"`
	Text     string        `json:"text"`
	Incident IncidentInfo  `json:"incident"`
	Record   RecordInfo    `json:"record"`
}

// IncidentInfo is the incident a message is about.
type IncidentInfo struct {
	ID        string              `json:"id"`
	Title     string              `json:"title"`
	Severity  string              `json:"severity,omitempty"`
	Owner     string              `json:"owner"`
	Status    incident.Status     `json:"status"`
	Opened    time.Time           `json:"opened"`
	Workloads []incident.Workload `json:"workloads,omitempty"`
	Actions   int                 `json:"actions"`
}

// RecordInfo is the journal record announced.
type RecordInfo struct {
	Seq   int64     `json:"seq"`
	Time  time.Time `json:"time"`
	Actor string    `json:"actor"`
	Host  string    `json:"host,omitempty"`
	// Payload is the record's payload as the journal stores it.
	Payload incident.Payload `json:"payload"`
}

// NewMessage describes a record of an incident, with secrets masked.
func NewMessage(inc incident.Incident, r incident.Record, red *redact.Redactor) Message {
	text := fmt.Sprintf("%s %s: %s", inc.ID, r.Type, r.Payload.Summary())
	if inc.Severity != "" {
		text = "[" + inc.Severity + "] " + text
	}
	return Message{
		Event: r.Type,
		Text:  red.String(text),
		Incident: IncidentInfo{ID: inc.ID, Title: red.String(inc.Title), Severity: inc.Severity, Owner: inc.Owner,
			Status: inc.Status, Opened: inc.Opened, Workloads: inc.Workloads, Actions: inc.Actions},
		Record: RecordInfo{Seq: r.Seq, Time: r.Time, Actor: r.Actor, Host: r.Host, Payload: r.Payload},
	}
}

// body encodes the message in a webhook's format.
func body(f Format, m Message) ([]byte, error) {
	if f == FormatSlack {
		return json.Marshal(slackMessage(m))
	}
	return json.Marshal(m)
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackBody struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// slackMessage is a Slack incoming-webhook body: text for notifications
// and clients without blocks, blocks for the channel.
func slackMessage(m Message) slackBody {
	headline := fmt.Sprintf("*%s* %s", slackEscape(m.Incident.ID), slackEscape(m.Incident.Title))
	if m.Incident.Severity != "" {
		headline = fmt.Sprintf("*[%s]* ", slackEscape(m.Incident.Severity)) + headline
	}
	what := fmt.Sprintf("%s *%s*: %s", emoji(m.Event), m.Event, slackEscape(m.Record.Payload.Summary()))
	context := fmt.Sprintf("%s · by %s · owner %s · %s", m.Record.Time.UTC().Format("2006-01-02 15:04:05 UTC"),
		slackEscape(m.Record.Actor), slackEscape(m.Incident.Owner), m.Incident.Status)
	return slackBody{
		Text: m.Text,
		Blocks: []slackBlock{
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: headline + "\n" + what}},
			{Type: "context", Elements: []slackText{{Type: "mrkdwn", Text: context}}},
		},
	}
}

// slackEscape escapes the three characters Slack's mrkdwn treats as
// markup, so cluster strings cannot ping @channel or forge links.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// emoji pairs a word with a glyph; the word carries the meaning.
func emoji(t incident.Type) string {
	switch t {
	case incident.TypeOpened:
		return ":rotating_light:"
	case incident.TypeVerified:
		return ":white_check_mark:"
	case incident.TypeFailed:
		return ":x:"
	case incident.TypeClosed:
		return ":checkered_flag:"
	case incident.TypeExecuted:
		return ":arrows_counterclockwise:"
	}
	return ":memo:"
}
