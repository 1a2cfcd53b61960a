package finder

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// Match is one row the filter kept: its index in the rows it searched, its
// score, and the byte offsets of the matched characters in its key.
type Match struct {
	Index     int
	Score     int
	Positions []int
}

// chunk is how many keys a worker scores before checking whether its
// query is still wanted: small enough to give up within a millisecond or
// two when the user types on, large enough to keep the check cheap.
const chunk = 2048

// filter scores keys (or only the candidates, in ascending order, when not
// nil) against query
// with sahilm/fuzzy, on every CPU, best first with ties in row order (the
// order fuzzy.Find gives). It gives up and returns ok=false as soon as
// stale reports that a newer query superseded this one.
func filter(query string, keys []string, candidates []int, stale func() bool) (out []Match, ok bool) {
	n := len(keys)
	if candidates != nil {
		n = len(candidates)
	}
	index := func(i int) int {
		if candidates != nil {
			return candidates[i]
		}
		return i
	}
	pre := newPrefilter(query)
	chunks := (n + chunk - 1) / chunk
	// Each chunk's matches land in their own slot, so that concatenating
	// the slots keeps the candidates' order without a lock or a sort.
	parts := make([][]Match, chunks)
	workers := max(min(runtime.GOMAXPROCS(0), chunks), 1)
	var (
		next    atomic.Int64
		aborted atomic.Bool
		wg      sync.WaitGroup
	)
	work := func() {
		defer wg.Done()
		var idx []int
		var strs stringsSource
		for {
			c := int(next.Add(1)) - 1
			if c >= chunks || aborted.Load() {
				return
			}
			if stale() {
				aborted.Store(true)
				return
			}
			idx, strs = idx[:0], strs[:0]
			for i := c * chunk; i < min((c+1)*chunk, n); i++ {
				k := keys[index(i)]
				if pre.mayMatch(k) {
					idx = append(idx, index(i))
					strs = append(strs, k)
				}
			}
			found := fuzzy.FindFromNoSort(query, strs)
			part := make([]Match, len(found))
			for j, m := range found {
				part[j] = Match{Index: idx[m.Index], Score: m.Score, Positions: m.MatchedIndexes}
			}
			parts[c] = part
		}
	}
	wg.Add(workers)
	for range workers - 1 {
		go work()
	}
	work()
	wg.Wait()
	if aborted.Load() {
		return nil, false
	}
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	out = make([]Match, 0, total)
	for _, p := range parts {
		out = append(out, p...)
	}
	return sortByScore(out), true
}

// sortByScore orders matches best first, keeping the given order among
// equal scores. Scores span a small range, so a counting sort does it in
// linear time, where a comparison sort of 50k matches costs ~10 ms.
func sortByScore(ms []Match) []Match {
	if len(ms) < 2 {
		return ms
	}
	lo, hi := ms[0].Score, ms[0].Score
	for _, m := range ms {
		lo, hi = min(lo, m.Score), max(hi, m.Score)
	}
	if hi-lo > 1<<16 {
		slices.SortStableFunc(ms, func(a, b Match) int { return b.Score - a.Score })
		return ms
	}
	counts := make([]int, hi-lo+2)
	for _, m := range ms {
		counts[hi-m.Score+1]++ // bucket 0 holds the best score
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	out := make([]Match, len(ms))
	for _, m := range ms {
		b := hi - m.Score
		out[counts[b]] = m
		counts[b]++
	}
	return out
}

type stringsSource []string

func (s stringsSource) String(i int) string { return s[i] }
func (s stringsSource) Len() int            { return len(s) }

// prefilter rejects keys that cannot match before the (much slower)
// scoring: a fuzzy match needs the query's characters in order, ignoring
// ASCII case. It only ever rejects; non-ASCII queries and keys go straight
// to sahilm/fuzzy, whose Unicode case folding it does not try to copy.
type prefilter struct {
	lower, upper []byte // the query in both cases; nil when it is not ASCII
}

func newPrefilter(q string) prefilter {
	for i := 0; i < len(q); i++ {
		if q[i] >= utf8.RuneSelf {
			return prefilter{}
		}
	}
	return prefilter{lower: []byte(strings.ToLower(q)), upper: []byte(strings.ToUpper(q))}
}

func (p prefilter) mayMatch(s string) bool {
	if p.lower == nil {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true // let the Unicode-aware matcher decide
		}
	}
	// Find each query byte (either case) after the previous one; IndexByte
	// is vectorised, which matters at 100k keys.
	at := 0
	for j, lo := range p.lower {
		rest := s[at:]
		i := strings.IndexByte(rest, lo)
		if up := p.upper[j]; up != lo {
			if k := strings.IndexByte(rest, up); k >= 0 && (i < 0 || k < i) {
				i = k
			}
		}
		if i < 0 {
			return false
		}
		at += i + 1
	}
	return true
}

// resultCache remembers the matches of recent queries over one snapshot of
// rows. A query that extends a cached one only needs to search that one's
// matches (a key that matches "chk" also matches "ch"; the tests check
// this against sahilm/fuzzy), and backspacing to a cached query needs no
// search at all.
type resultCache struct {
	entries map[string][]Match
	order   []string
}

const cacheSize = 16

func (c *resultCache) get(q string) ([]Match, bool) {
	m, ok := c.entries[q]
	return m, ok
}

func (c *resultCache) put(q string, m []Match) {
	if c.entries == nil {
		c.entries = map[string][]Match{}
	}
	if _, ok := c.entries[q]; !ok {
		c.order = append(c.order, q)
	}
	c.entries[q] = m
	for len(c.order) > cacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// narrowest returns the matches of the longest cached prefix of q (nil
// when none is cached): a search for q need only score those rows.
func (c *resultCache) narrowest(q string) ([]Match, bool) {
	best, found := "", false
	for k := range c.entries {
		if k != "" && strings.HasPrefix(q, k) && len(k) >= len(best) {
			best, found = k, true
		}
	}
	if !found {
		return nil, false
	}
	return c.entries[best], true
}

// indices lists the rows of matches in ascending order, as filter wants
// its candidates. Marking rows in a bitmap and reading it back is linear,
// where sorting 50k indices took a few milliseconds.
func indices(ms []Match, rows int) []int {
	seen := make([]bool, rows)
	for _, m := range ms {
		seen[m.Index] = true
	}
	idx := make([]int, 0, len(ms))
	for i, ok := range seen {
		if ok {
			idx = append(idx, i)
		}
	}
	return idx
}
