// Package incident keeps the incident journal: an append-only file of
// JSON lines per incident that records everything mayday saw and did
// (signals, decisions, every action's plan, dry run, confirmation,
// execution and verification, notes, notifications), so that the
// timeline and the report can be rebuilt from it alone, on any machine.
//
// Every record is written with one write call and synced before Append
// returns. A mutation is bracketed by an intent record, synced before the
// change is sent, and a result record after; an intent without a result
// reads back as "outcome unknown". A crash at any point leaves a journal
// that reads back completely up to the last synced record.
package incident

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mayday-tui/mayday/internal/atomicfile"
	"github.com/mayday-tui/mayday/internal/redact"
)

// Options are the journal's defaults and hooks.
type Options struct {
	// Actor is the actor of records that do not name one.
	Actor string
	// Host defaults to the host name.
	Host string
	// Now defaults to time.Now.
	Now func() time.Time
	// Redactor masks secrets in every string of every payload before it
	// is written (nil: by pattern only).
	Redactor *redact.Redactor
	// Observe is called with each record once it is durable, outside the
	// journal's locks; it must return quickly (notifications hand the
	// record to a goroutine, which may append their outcome later).
	Observe func(*Journal, Record)
}

// Journal appends to one incident's journal file. Safe for concurrent use
// by goroutines; processes appending to the same incident take turns
// through a file lock.
type Journal struct {
	path string
	opts Options
	pid  int

	mu sync.Mutex
	f  *os.File
	// size is how much of the file p has read.
	size int64
	// openTail is set when the file does not end with a line end (a write
	// cut short by a crash); the next record starts a new line first.
	openTail bool
	p        parser
}

// Path is the journal file of an incident in dir.
func Path(dir, id string) string { return filepath.Join(dir, id+".jsonl") }

// Open creates the journal of a new incident in dir (created if missing)
// and writes its first record. An empty o.ID gets a fresh id from the time
// and the first workload (else the title); an empty o.Owner is the actor.
// An unusable directory is an error: no incident without a record.
func Open(dir string, o Opened, opts Options) (*Journal, error) {
	opts = opts.withDefaults()
	if o.Owner == "" {
		o.Owner = opts.Actor
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("the journal directory is not usable: %w", err)
	}
	now := opts.Now()
	explicit := o.ID != ""
	base := o.ID
	if explicit {
		if err := CheckID(base); err != nil {
			return nil, err
		}
	} else {
		name := o.Title
		if len(o.Workloads) > 0 {
			name = o.Workloads[0].Name
		}
		base = NewID(now, opts.Redactor.String(name)) // the id is a file name: no secrets in it either
	}
	for n := 1; ; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		f, err := os.OpenFile(Path(dir, id), os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
		if errors.Is(err, fs.ErrExist) {
			f, err = reuseEmpty(Path(dir, id))
		}
		if errors.Is(err, fs.ErrExist) && !explicit && n < 100 {
			continue
		}
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("incident %s already exists in %s", id, dir)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot create the journal: %w", err)
		}
		o.ID = id
		j := &Journal{path: f.Name(), opts: opts, pid: os.Getpid(), f: f}
		_, err = j.Append(Record{Type: TypeOpened, Time: now, Actor: o.Owner, Payload: o})
		if err != nil {
			_ = f.Close()
		}
		if errors.Is(err, errTaken) && !explicit && n < 100 {
			continue
		}
		if errors.Is(err, errTaken) {
			return nil, fmt.Errorf("incident %s already exists in %s", id, dir)
		}
		if err != nil {
			return nil, err
		}
		if err := atomicfile.SyncDir(dir); err != nil {
			_ = f.Close()
			return nil, err
		}
		return j, nil
	}
}

// reuseEmpty opens an existing journal that has no record yet (its
// creator stopped before writing one), else reports fs.ErrExist.
func reuseEmpty(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, fs.ErrExist
	}
	if fi, err := f.Stat(); err != nil || fi.Size() > 0 {
		_ = f.Close()
		return nil, fs.ErrExist
	}
	return f, nil
}

// Load opens the journal of incident id in dir for appending.
func Load(dir, id string, opts Options) (*Journal, error) {
	if err := CheckID(id); err != nil {
		return nil, err
	}
	j, err := LoadFile(Path(dir, id), opts)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nil, &NotFoundError{ID: id, Dir: dir}
	}
	return j, err
}

// LoadFile opens a journal file for appending.
func LoadFile(path string, opts Options) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotFoundError{Path: path}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot append to the journal: %w", err)
	}
	j := &Journal{path: path, opts: opts.withDefaults(), pid: os.Getpid(), f: f}
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.catchUp(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	if len(j.p.records) == 0 || j.p.records[0].Type != TypeOpened {
		_ = f.Close()
		return nil, fmt.Errorf("journal %s: not an incident journal: it does not start with an incident-opened record", path)
	}
	return j, nil
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.Actor == "" {
		o.Actor = "unknown"
	}
	return o
}

// ID is the incident's id.
func (j *Journal) ID() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.p.inc.ID
}

// File is the journal's path.
func (j *Journal) File() string { return j.path }

// Incident is the incident as the records so far leave it (including
// those other processes appended before this one's last append or
// Refresh).
func (j *Journal) Incident() Incident {
	j.mu.Lock()
	defer j.mu.Unlock()
	inc := j.p.inc
	inc.Path = j.path
	return inc
}

// Records returns a copy of the records so far.
func (j *Journal) Records() []Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Record(nil), j.p.records...)
}

// Warnings are the problems found reading the file (torn lines).
func (j *Journal) Warnings() []Warning {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Warning(nil), j.p.warnings...)
}

// Refresh reads what other processes appended since.
func (j *Journal) Refresh() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errJournalClosed
	}
	if err := lockFile(j.f); err != nil {
		return fmt.Errorf("locking the journal: %w", err)
	}
	defer unlockFile(j.f)
	return j.catchUp()
}

// Close closes the file; the incident stays as it is.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Note appends text typed by the engineer.
func (j *Journal) Note(actor, text string) (Record, error) {
	return j.Append(Record{Type: TypeNote, Actor: actor, Payload: Note{Text: text}})
}

// CloseIncident marks the incident closed.
func (j *Journal) CloseIncident(actor, resolution string) (Record, error) {
	if inc := j.Incident(); inc.Status == StatusClosed {
		return Record{}, fmt.Errorf("incident %s was already closed at %s", inc.ID, inc.Closed.Format(time.RFC3339))
	}
	return j.Append(Record{Type: TypeClosed, Actor: actor, Payload: Closed{Resolution: resolution}})
}

// Append writes r as the next record and syncs it. Seq, Incident, Host
// and PID are set here; Time and Actor when empty. Every string in the
// payload is redacted first; the record returned is the one written.
func (j *Journal) Append(r Record) (Record, error) {
	if r.Payload == nil {
		return Record{}, fmt.Errorf("a %s record needs a payload", r.Type)
	}
	if r.Type == "" {
		return Record{}, errors.New("a record needs a type")
	}
	if r.Time.IsZero() {
		r.Time = j.opts.Now()
	}
	r.Time = r.Time.UTC()
	if r.Actor == "" {
		r.Actor = j.opts.Actor
	}
	r.Actor = j.opts.Redactor.String(r.Actor)
	r.Host, r.PID = j.opts.Host, j.pid
	data, err := j.redacted(r)
	if err != nil {
		return Record{}, err
	}
	if r.Payload, err = decodePayload(r.Type, data); err != nil {
		return Record{}, fmt.Errorf("encoding the %s record: %w", r.Type, err)
	}
	if err := j.write(&r, data); err != nil {
		return Record{}, err
	}
	if j.opts.Observe != nil {
		j.opts.Observe(j, r)
	}
	return r, nil
}

// redacted encodes the payload with its secrets masked.
func (j *Journal) redacted(r Record) (json.RawMessage, error) {
	data, err := json.Marshal(r.Payload)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s record: %w", r.Type, err)
	}
	return j.opts.Redactor.JSON(data)
}

// write numbers r after every record in the file, appends it with one
// write and syncs it, holding the file lock throughout.
func (j *Journal) write(r *Record, data json.RawMessage) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errJournalClosed
	}
	if err := lockFile(j.f); err != nil {
		return fmt.Errorf("locking the journal: %w", err)
	}
	defer unlockFile(j.f)
	if err := j.catchUp(); err != nil {
		return err
	}
	if r.Type == TypeOpened && len(j.p.records) > 0 {
		return errTaken // another process reused the same empty file first
	}
	if r.Type == TypeIntent && j.p.inc.Status == StatusClosed {
		return ErrClosed // closed meanwhile, perhaps by another process
	}
	if j.p.inc.ID != "" {
		r.Incident = j.p.inc.ID
	} else if o, ok := r.Payload.(Opened); ok {
		r.Incident = o.ID
	}
	r.Seq = j.p.lastSeq + 1
	line, err := json.Marshal(envelope{V: FormatVersion, Seq: r.Seq, Time: r.Time, Type: r.Type,
		Incident: r.Incident, Actor: r.Actor, Host: r.Host, PID: r.PID, Data: data})
	if err != nil {
		return fmt.Errorf("encoding the %s record: %w", r.Type, err)
	}
	buf := make([]byte, 0, len(line)+2)
	if j.openTail {
		buf = append(buf, '\n') // end the torn line so this record stands alone
	}
	buf = append(append(buf, line...), '\n')
	// A failed write leaves size as it was: the next append reads whatever
	// part landed as a torn line and starts after it.
	if _, err := j.f.Write(buf); err != nil {
		return fmt.Errorf("writing the journal %s: %w", j.path, err)
	}
	j.size += int64(len(buf))
	j.openTail = false
	j.p.line++
	j.p.lastSeq = r.Seq
	j.p.records = append(j.p.records, *r)
	j.p.inc.apply(*r)
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing the journal %s: %w", j.path, err)
	}
	return nil
}

// catchUp reads what was appended since this journal last looked: other
// processes' records, or a line torn by a crash. The caller holds the
// lock (or is the only user).
func (j *Journal) catchUp() error {
	fi, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	if fi.Size() == j.size {
		return nil
	}
	if fi.Size() < j.size {
		return fmt.Errorf("the journal %s shrank from %d to %d bytes: someone truncated it", j.path, j.size, fi.Size())
	}
	buf := make([]byte, fi.Size()-j.size)
	if _, err := j.f.ReadAt(buf, j.size); err != nil {
		return fmt.Errorf("reading the journal: %w", err)
	}
	j.p.feed(buf)
	if j.p.err != nil {
		return j.p.err
	}
	j.size = fi.Size()
	j.openTail = buf[len(buf)-1] != '\n'
	return nil
}
