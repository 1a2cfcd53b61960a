package incident

import (
	"bytes"
	"encoding/json"
	"testing"
)

const seedJournal = `{"v":1,"seq":1,"time":"2026-11-25T14:20:00Z","type":"incident-opened","incident":"INC-1","actor":"alice","host":"b","pid":7,"data":{"id":"INC-1","title":"checkout errors","severity":"SEV2","owner":"alice","workloads":[{"namespace":"shop","name":"deployment/checkout"}]}}
{"v":1,"seq":2,"time":"2026-11-25T14:20:01Z","type":"action-intent","incident":"INC-1","data":{"action":"undo","workload":{"name":"deployment/checkout"},"description":"roll back to revision 4"}}
{"v":1,"seq":3,"time":"2026-11-25T14:20:02Z","type":"action-result","incident":"INC-1","data":{"intent":2,"status":"succeeded","detail":{"revision":4,"n":1.5e300}}}
{"v":1,"seq":4,"time":"2026-11-25T14:20:03Z","type":"note","incident":"INC-1","data":{"text":"ok \u001b[31m"}}
`

// FuzzReadJournal: any bytes either read as a journal or give an error,
// never a panic; what reads back encodes and reads back the same.
func FuzzReadJournal(f *testing.F) {
	f.Add([]byte(seedJournal))
	f.Add([]byte(seedJournal[:len(seedJournal)-40]))                                               // torn last line
	f.Add([]byte(seedJournal + `{"v":2,"seq":5,"time":"2026-11-25T14:20:04Z","type":"x"}` + "\n")) // newer format
	f.Add([]byte(seedJournal + "\x00\x00\x00\n" + `{"v":1,"seq":5,"type":"note","data":{"text":1}}` + "\n"))
	f.Add([]byte(seedJournal + `{"v":1,"seq":3,"time":"2026-11-25T14:20:09Z","type":"hologram","data":[1,2]}` + "\n"))
	f.Add([]byte(""))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, line := range bytes.Split(data, []byte{'\n'}) {
			sameAsGeneralPath(t, line)
		}
		inc, recs, warns, err := Parse(data)
		if err != nil {
			return
		}
		if len(recs) == 0 || recs[0].Type != TypeOpened || inc.Records != len(recs) {
			t.Fatalf("read %d records, incident %+v", len(recs), inc)
		}
		for _, w := range warns {
			if w.Line < 1 {
				t.Fatalf("warning without a line: %v", w)
			}
		}
		var buf bytes.Buffer
		for _, r := range recs {
			line, err := json.Marshal(r)
			if err != nil {
				t.Fatalf("record %d does not encode: %v", r.Seq, err)
			}
			buf.Write(line)
			buf.WriteByte('\n')
		}
		inc2, recs2, _, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("re-encoded journal does not read: %v\n%s", err, buf.Bytes())
		}
		if len(recs2) != len(recs) || inc2.ID != inc.ID || inc2.Status != inc.Status || inc2.Actions != inc.Actions {
			t.Fatalf("round trip changed the journal: %d→%d records, %+v → %+v", len(recs), len(recs2), inc, inc2)
		}
		for i := range recs {
			a, _ := json.Marshal(recs[i])
			b, _ := json.Marshal(recs2[i])
			if !bytes.Equal(a, b) {
				t.Fatalf("record %d changed:\n%s\n%s", i, a, b)
			}
		}
	})
}

// sameAsGeneralPath: the one-pass decoding of a line gives what the
// general two-pass path gives.
func sameAsGeneralPath(t *testing.T, line []byte) {
	r, envErr, recErr := decodeLine(line)
	env, err := decodeEnvelope(line)
	if (envErr == nil) != (err == nil) {
		t.Fatalf("line %q: one pass says %v, general path %v", line, envErr, err)
	}
	if err != nil {
		return
	}
	r2, recErr2 := env.record()
	if (recErr == nil) != (recErr2 == nil) {
		t.Fatalf("line %q: payload errors differ: %v / %v", line, recErr, recErr2)
	}
	a, _ := json.Marshal(r)
	b, _ := json.Marshal(r2)
	if !bytes.Equal(a, b) {
		t.Fatalf("line %q decodes differently:\n%s\n%s", line, a, b)
	}
}
