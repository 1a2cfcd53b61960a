package incident

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// encodeSample repeats the records after the first up to n, renumbered.
func encodeSample(tb testing.TB, recs []Record, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	for i := range n {
		r := recs[0]
		if i > 0 {
			r = recs[1+(i-1)%(len(recs)-1)]
		}
		r.Seq = int64(i + 1)
		line, err := json.Marshal(r)
		if err != nil {
			tb.Fatal(err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

func writeFile(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
}
