package incident

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
)

// Warning is a problem in a journal that was read past: a line torn by a
// crash, a damaged record. Everything else still reads back.
type Warning struct {
	Line int
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Msg) }

// Read reads the journal file at path: the incident as its records leave
// it, the records in file order, and warnings about lines that were
// skipped. The error is for a file that cannot be read at all, is not a
// journal, or is from a newer mayday.
func Read(path string) (Incident, []Record, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Incident{}, nil, nil, &NotFoundError{Path: path}
		}
		return Incident{}, nil, nil, fmt.Errorf("reading journal: %w", err)
	}
	inc, recs, warns, err := Parse(data)
	if err != nil {
		return inc, recs, warns, fmt.Errorf("journal %s: %w", path, err)
	}
	inc.Path = path
	return inc, recs, warns, nil
}

// Parse reads a journal's contents (see Read).
func Parse(data []byte) (Incident, []Record, []Warning, error) {
	var p parser
	p.feed(data)
	if p.err != nil {
		return Incident{}, nil, p.warnings, p.err
	}
	if len(p.records) == 0 || p.records[0].Type != TypeOpened {
		if len(data) == 0 {
			return Incident{}, nil, p.warnings, errors.New("the journal is empty (mayday stopped while creating it)")
		}
		return Incident{}, nil, p.warnings, errors.New("not an incident journal: it does not start with an incident-opened record")
	}
	return p.inc, p.records, p.warnings, nil
}

// parser reads journal bytes into records. The writer keeps one and feeds
// it what other processes appended, so both agree on every line.
type parser struct {
	line     int
	records  []Record
	warnings []Warning
	lastSeq  int64
	inc      Incident
	// err stops reading: a record from a newer mayday.
	err error
}

// feed reads data, which starts at a line boundary. A last line without
// a line end is a write cut short by a crash: kept when it is a whole
// record (only the line end is missing), else ignored with a warning.
func (p *parser) feed(data []byte) {
	lines := make([]decoded, 0, bytes.Count(data, []byte{'\n'})+1)
	for len(data) > 0 {
		line, rest, complete := bytes.Cut(data, []byte{'\n'})
		data = rest
		lines = append(lines, decoded{line: line, complete: complete})
	}
	decodeAll(lines)
	for _, d := range lines {
		if p.err != nil {
			return
		}
		p.line++
		if !d.blank {
			p.add(d)
		}
	}
}

// decoded is one line and what it decodes to.
type decoded struct {
	line     []byte
	complete bool
	blank    bool
	rec      Record
	// envErr is a line that is not a record; recErr a record whose
	// payload does not decode (kept as Raw).
	envErr, recErr error
}

// parallelLines is the size from which lines are decoded on every core:
// decoding is the cost of reading a long journal, and lines are
// independent until they are folded in order.
const parallelLines = 512

func decodeAll(lines []decoded) {
	workers := min(runtime.GOMAXPROCS(0), len(lines)/parallelLines)
	if workers < 2 {
		decodeRange(lines)
		return
	}
	var wg sync.WaitGroup
	chunk := (len(lines) + workers - 1) / workers
	for start := 0; start < len(lines); start += chunk {
		part := lines[start:min(start+chunk, len(lines))]
		wg.Go(func() { decodeRange(part) })
	}
	wg.Wait()
}

func decodeRange(lines []decoded) {
	for i := range lines {
		d := &lines[i]
		if len(bytes.TrimSpace(d.line)) == 0 {
			d.blank = true
			continue
		}
		d.rec, d.envErr, d.recErr = decodeLine(d.line)
	}
}

// add folds one decoded line into the state, in file order.
func (p *parser) add(d decoded) {
	var newer *NewerFormatError
	switch err := d.envErr; {
	case errors.As(err, &newer):
		p.err = fmt.Errorf("line %d: %w", p.line, err)
		return
	case err != nil && !d.complete:
		p.warn("incomplete last record (a write cut short by a crash); ignored")
		return
	case err != nil:
		p.warn("not a journal record (%s); skipped", shortErr(err))
		return
	}
	r := d.rec
	if d.recErr != nil {
		p.warn("%v", d.recErr)
	}
	if len(p.records) > 0 && r.Seq <= p.lastSeq {
		p.warn("sequence number %d after %d", r.Seq, p.lastSeq)
	}
	if r.Type == TypeOpened && len(p.records) > 0 {
		p.warn("a second incident-opened record; the first one stands")
	}
	p.lastSeq = max(p.lastSeq, r.Seq)
	p.records = append(p.records, r)
	p.inc.apply(r)
}

func (p *parser) warn(format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Line: p.line, Msg: fmt.Sprintf(format, args...)})
}

// shortErr keeps JSON errors short: they may quote the damaged bytes.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
