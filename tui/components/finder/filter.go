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

// filter scores keys (or only the candidates, when not nil) against query
// with sahilm/fuzzy, on every CPU, best first (ties keep the rows' order).
// It gives up and returns ok=false as soon as stale reports that a newer
// query superseded this one.
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
	workers := min(runtime.GOMAXPROCS(0), (n+chunk-1)/chunk)
	var (
		next    atomic.Int64
		aborted atomic.Bool
		mu      sync.Mutex
		wg      sync.WaitGroup
	)
	work := func() {
		defer wg.Done()
		var local []Match
		var idx []int
		var strs stringsSource
		for {
			start := int(next.Add(chunk)) - chunk
			if start >= n || aborted.Load() {
				break
			}
			if stale() {
				aborted.Store(true)
				break
			}
			end := min(start+chunk, n)
			idx, strs = idx[:0], strs[:0]
			for i := start; i < end; i++ {
				k := keys[index(i)]
				if pre.mayMatch(k) {
					idx = append(idx, index(i))
					strs = append(strs, k)
				}
			}
			for _, m := range fuzzy.FindFromNoSort(query, strs) {
				local = append(local, Match{Index: idx[m.Index], Score: m.Score, Positions: m.MatchedIndexes})
			}
		}
		mu.Lock()
		out = append(out, local...)
		mu.Unlock()
	}
	wg.Add(max(workers, 1))
	for range max(workers, 1) - 1 {
		go work()
	}
	work()
	wg.Wait()
	if aborted.Load() {
		return nil, false
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		return a.Index - b.Index
	})
	return out, true
}

type stringsSource []string

func (s stringsSource) String(i int) string { return s[i] }
func (s stringsSource) Len() int            { return len(s) }

// prefilter rejects keys that cannot match before the (much slower)
// scoring: a fuzzy match needs the query's characters in order, ignoring
// ASCII case. It only ever rejects; non-ASCII queries and keys go straight
// to sahilm/fuzzy, whose Unicode case folding it does not try to copy.
type prefilter struct {
	lower []byte // the query, lower-cased; nil when it is not ASCII
}

func newPrefilter(q string) prefilter {
	for i := 0; i < len(q); i++ {
		if q[i] >= utf8.RuneSelf {
			return prefilter{}
		}
	}
	return prefilter{lower: []byte(strings.ToLower(q))}
}

func (p prefilter) mayMatch(s string) bool {
	if p.lower == nil {
		return true
	}
	j := 0
	for i := 0; i < len(s) && j < len(p.lower); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return true // let the Unicode-aware matcher decide
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == p.lower[j] {
			j++
		}
	}
	return j == len(p.lower)
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

// indices lists the rows of matches (the filter breaks score ties by row
// index, so their order does not matter).
func indices(ms []Match) []int {
	idx := make([]int, len(ms))
	for i, m := range ms {
		idx[i] = m.Index
	}
	return idx
}
