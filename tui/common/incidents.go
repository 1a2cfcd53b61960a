package common

import (
	"context"

	"github.com/mayday-tui/mayday/internal/incident"
)

// Incidents is the console's incident journal: the incident its actions
// are recorded in. The console opens one with n, or the first action
// opens one; every later action of the session is journaled there. The
// tui declares it; cmd/mayday gives an implementation over
// internal/incident.
type Incidents interface {
	// Current is the incident the console records in (false: none yet).
	Current() (incident.Incident, bool)
	// Open starts a new incident and makes it current. An empty Owner is
	// the console's actor; an empty ID is chosen from the time and the
	// first workload.
	Open(o incident.Opened) (incident.Incident, error)
	// Note appends the engineer's text to the current incident.
	Note(text string) error
	// Actor is who the console records as acting.
	Actor() string
	// Dir is the journal directory (shown, and where reports are
	// exported next to their journal).
	Dir() string
	// Lookup finds an incident by id in Dir (false: its journal is not
	// on this machine: another engineer's mayday opened it).
	Lookup(id string) (incident.Incident, bool)
	// Pending are the intents of earlier sessions' incidents in Dir
	// whose outcome is unknown (mayday stopped between sending a change
	// and recording how it ended), to be reconciled against the cluster.
	Pending() []incident.PendingIntent
	// Reconcile settles the pending intents by reading their objects back
	// from the cluster (see actionlog.Reconcile) and journals what it
	// found; it returns a line per intent, and Pending is read again.
	Reconcile(ctx context.Context) ([]string, error)
}
