package report

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/mayday-tui/mayday/internal/incident"
)

// tenThousand writes a journal of 10,000 records: the scripted incident's
// records repeated, renumbered.
func tenThousand(b *testing.B) string {
	j := scriptedIncident(b, b.TempDir())
	recs := j.Records()
	_ = j.Close()
	var buf bytes.Buffer
	for i := range 10000 {
		r := recs[0]
		if i > 0 {
			r = recs[1+(i-1)%(len(recs)-2)] // every record but the closing one
		}
		r.Seq = int64(i + 1)
		if o, ok := r.Payload.(incident.Outcome); ok {
			o.Intent = r.Seq - 1
			r.Payload = o
		}
		line, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(j.File(), buf.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return j.File()
}

// BenchmarkReport10k is `mayday report` on a journal of 10,000 records:
// read, draft and render Markdown.
func BenchmarkReport10k(b *testing.B) {
	path := tenThousand(b)
	a := sampleAnalysis()
	defer reportCPU(b)()
	for b.Loop() {
		inc, recs, _, err := incident.Read(path)
		if err != nil || len(recs) != 10000 {
			b.Fatal(err, len(recs))
		}
		r, err := Draft(inc, recs, a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Markdown(r, "", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender10k is the draft and the Markdown alone, the journal
// already read (the console re-renders after an edit).
func BenchmarkRender10k(b *testing.B) {
	inc, recs, _, err := incident.Read(tenThousand(b))
	if err != nil {
		b.Fatal(err)
	}
	a := sampleAnalysis()
	defer reportCPU(b)()
	for b.Loop() {
		r, err := Draft(inc, recs, a)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Markdown(r, "", ""); err != nil {
			b.Fatal(err)
		}
	}
}
