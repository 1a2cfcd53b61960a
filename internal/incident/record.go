package incident

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// FormatVersion is the journal format this mayday writes and the newest it
// reads. A record with a higher version is from a newer mayday.
const FormatVersion = 1

// Type says what a record is; it selects the payload.
type Type string

// Record types, in roughly the order an incident produces them.
const (
	TypeOpened             Type = "incident-opened"
	TypeSignal             Type = "signal-observed"
	TypeDecision           Type = "decision"
	TypePlanned            Type = "action-planned"
	TypeDryRun             Type = "dry-run"
	TypeConfirmed          Type = "confirmed"
	TypeIntent             Type = "action-intent"
	TypeExecuted           Type = "executed"
	TypeResult             Type = "action-result"
	TypeVerified           Type = "verified"
	TypeFailed             Type = "failed"
	TypeProgress           Type = "progress"
	TypeAnalysis           Type = "analysis"
	TypeNote               Type = "note"
	TypeNotificationSent   Type = "notification-sent"
	TypeNotificationFailed Type = "notification-failed"
	TypeClosed             Type = "incident-closed"
)

// Types lists every record type this version knows.
func Types() []Type {
	return []Type{TypeOpened, TypeSignal, TypeDecision, TypePlanned, TypeDryRun, TypeConfirmed,
		TypeIntent, TypeExecuted, TypeResult, TypeVerified, TypeFailed, TypeProgress, TypeAnalysis, TypeNote,
		TypeNotificationSent, TypeNotificationFailed, TypeClosed}
}

// Record is one line of the journal.
type Record struct {
	// Seq numbers the records of an incident from 1, in file order.
	Seq      int64
	Time     time.Time
	Type     Type
	Incident string
	// Actor is who did it: the kube user, or "os:NAME".
	Actor string
	// Host and PID are where it was written.
	Host    string
	PID     int
	Payload Payload
}

// envelope is a record as stored: one JSON object per line.
type envelope struct {
	V        int             `json:"v"`
	Seq      int64           `json:"seq"`
	Time     time.Time       `json:"time"`
	Type     Type            `json:"type"`
	Incident string          `json:"incident"`
	Actor    string          `json:"actor,omitempty"`
	Host     string          `json:"host,omitempty"`
	PID      int             `json:"pid,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// MarshalJSON writes the record as the journal stores it.
func (r Record) MarshalJSON() ([]byte, error) {
	env := envelope{V: FormatVersion, Seq: r.Seq, Time: r.Time, Type: r.Type, Incident: r.Incident,
		Actor: r.Actor, Host: r.Host, PID: r.PID}
	if r.Payload != nil {
		data, err := json.Marshal(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("encoding the %s payload: %w", r.Type, err)
		}
		env.Data = data
	}
	return json.Marshal(env)
}

// UnmarshalJSON reads a stored record. A payload that does not fit its
// type is kept as Raw, so nothing is lost.
func (r *Record) UnmarshalJSON(data []byte) error {
	env, err := decodeEnvelope(data)
	if err != nil {
		return err
	}
	*r, err = env.record()
	return err
}

// NewerFormatError is a record from a newer mayday than this one.
type NewerFormatError struct {
	Version int
}

func (e *NewerFormatError) Error() string {
	return fmt.Sprintf("written by a newer mayday (journal format %d; this mayday reads up to %d): upgrade mayday to read it", e.Version, FormatVersion)
}

func decodeEnvelope(data []byte) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return env, err
	}
	switch {
	case env.V > FormatVersion:
		return env, &NewerFormatError{Version: env.V}
	case env.V < 1:
		return env, fmt.Errorf("no format version")
	case env.Seq < 1:
		return env, fmt.Errorf("no sequence number")
	case env.Type == "":
		return env, fmt.Errorf("no record type")
	}
	return env, nil
}

// record decodes the payload; a payload that does not decode is kept as
// Raw and reported.
func (env envelope) record() (Record, error) {
	r := Record{Seq: env.Seq, Time: env.Time, Type: env.Type, Incident: env.Incident,
		Actor: env.Actor, Host: env.Host, PID: env.PID}
	p, err := decodePayload(env.Type, env.Data)
	if err != nil {
		r.Payload = Raw{Data: env.Data}
		return r, fmt.Errorf("the %s payload does not decode (kept as is): %w", env.Type, err)
	}
	r.Payload = p
	return r, nil
}

// typedEnvelope decodes a line and its payload in one pass: Data holds a
// pointer to the payload type the line names, which encoding/json fills.
type typedEnvelope struct {
	V        int       `json:"v"`
	Seq      int64     `json:"seq"`
	Time     time.Time `json:"time"`
	Type     Type      `json:"type"`
	Incident string    `json:"incident"`
	Actor    string    `json:"actor,omitempty"`
	Host     string    `json:"host,omitempty"`
	PID      int       `json:"pid,omitempty"`
	Data     Payload   `json:"data,omitempty"`
}

// decodeLine decodes one journal line. envErr means the line is not a
// record; recErr that its payload does not fit its type (kept as Raw).
// The common line, written by mayday, decodes in one pass; anything
// unusual takes the general path, which gives the same result.
func decodeLine(line []byte) (r Record, envErr, recErr error) {
	if t, ok := peekType(line); ok {
		if p := newPayload(t); p != nil {
			env := typedEnvelope{Data: p}
			if err := json.Unmarshal(line, &env); err == nil && env.Type == t && env.Data == p &&
				env.V >= 1 && env.V <= FormatVersion && env.Seq >= 1 {
				return Record{Seq: env.Seq, Time: env.Time, Type: env.Type, Incident: env.Incident,
					Actor: env.Actor, Host: env.Host, PID: env.PID, Payload: deref(p)}, nil, nil
			}
		}
	}
	env, err := decodeEnvelope(line)
	if err != nil {
		return Record{}, err, nil
	}
	r, err = env.record()
	return r, nil, err
}

var typeKey = []byte(`"type":"`)

// peekType finds the record type of a line as mayday writes it (the type
// before the payload, no escapes in it).
func peekType(line []byte) (Type, bool) {
	i := bytes.Index(line, typeKey)
	if i < 0 || bytes.Index(line, []byte(`"data":`)) < i {
		return "", false
	}
	rest := line[i+len(typeKey):]
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return Type(rest[:end]), true
}
