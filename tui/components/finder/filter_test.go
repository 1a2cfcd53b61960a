package finder

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/sahilm/fuzzy"

	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

func keysOf(n int) []string {
	rows := tuitest.Rows(n, true)
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	// A few names that exercise case folding and non-ASCII text.
	keys = append(keys, "Checkout-API", "CHK", "kafka-ümlaut", "ǅemo-K", "x\x00hidden")
	return keys
}

func randomQuery(r *rand.Rand) string {
	const alphabet = "abcdefghijklmnoprstuvwyAKC-/0123ü"
	n := 1 + r.IntN(5)
	q := make([]rune, n)
	rs := []rune(alphabet)
	for i := range q {
		q[i] = rs[r.IntN(len(rs))]
	}
	return string(q)
}

// The parallel, prefiltered, narrowed search must give exactly what
// sahilm/fuzzy.Find gives: same rows, scores, positions and order.
func TestFilterEqualsFuzzyFind(t *testing.T) {
	keys := keysOf(3000)
	r := rand.New(rand.NewPCG(7, 11))
	never := func() bool { return false }
	for range 400 {
		q := randomQuery(r)
		want := toMatches(fuzzy.Find(q, keys))
		got, ok := filter(q, keys, nil, never)
		if !ok {
			t.Fatal("aborted without reason")
		}
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Fatalf("query %q: got %d matches, want %d", q, len(got), len(want))
		}
		// Narrowing from the matches of a prefix gives the same result.
		if len(q) > 1 {
			prefix := string([]rune(q)[:len([]rune(q))-1])
			base, _ := filter(prefix, keys, nil, never)
			cand := indices(base, len(keys))
			if !slices.IsSorted(cand) {
				t.Fatal("candidates must be in row order")
			}
			narrowed, _ := filter(q, keys, cand, never)
			if !reflect.DeepEqual(norm(narrowed), norm(want)) {
				t.Fatalf("query %q narrowed from %q: got %d matches, want %d", q, prefix, len(narrowed), len(want))
			}
		}
	}
}

func toMatches(ms fuzzy.Matches) []Match {
	out := make([]Match, len(ms))
	for i, m := range ms {
		out[i] = Match{Index: m.Index, Score: m.Score, Positions: m.MatchedIndexes}
	}
	return out
}

// norm makes empty and nil position lists compare equal.
func norm(ms []Match) []Match {
	if len(ms) == 0 {
		return nil
	}
	for i := range ms {
		if len(ms[i].Positions) == 0 {
			ms[i].Positions = nil
		}
	}
	return ms
}

func TestFilterAbortsWhenStale(t *testing.T) {
	keys := keysOf(20000)
	calls := 0
	_, ok := filter("c", keys, nil, func() bool { calls++; return calls > 2 })
	if ok {
		t.Error("expected the search to give up")
	}
}

func TestResultCacheNarrowest(t *testing.T) {
	c := &resultCache{}
	c.put("c", []Match{{Index: 1}, {Index: 2}})
	c.put("ch", []Match{{Index: 2}})
	if m, ok := c.narrowest("chk"); !ok || len(m) != 1 {
		t.Errorf("narrowest(chk) = %v %v", m, ok)
	}
	if _, ok := c.narrowest("x"); ok {
		t.Error("no prefix cached for x")
	}
	for i := range cacheSize + 5 {
		c.put(string(rune('a'+i)), nil)
	}
	if len(c.entries) != cacheSize || len(c.order) != cacheSize {
		t.Errorf("cache grew to %d/%d", len(c.entries), len(c.order))
	}
}
