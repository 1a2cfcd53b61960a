package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// window computes what Prometheus would see over n consecutive requests
// starting at request first: the error ratio and the latency quantiles.
func window(b behaviour, first, n uint64) (errRatio float64, p50, p99 time.Duration) {
	lat := make([]time.Duration, 0, n)
	fails := 0
	for i := first; i < first+n; i++ {
		l, f := b.outcome(i)
		lat = append(lat, l)
		if f {
			fails++
		}
	}
	slices.Sort(lat)
	return float64(fails) / float64(n), lat[n/2], lat[n*99/100]
}

func TestVersionsHaveTheirErrorRatioAndLatencyInEveryWindow(t *testing.T) {
	cases := []struct {
		version           string
		ratio             float64
		p50lo, p50hi, p99 time.Duration
	}{
		{"good", 0.002, 40 * time.Millisecond, 60 * time.Millisecond, 150 * time.Millisecond},
		{"bad", 0.12, 150 * time.Millisecond, 220 * time.Millisecond, 1800 * time.Millisecond},
	}
	for _, c := range cases {
		b, err := behaviourOf(c.version)
		if err != nil {
			t.Fatal(err)
		}
		// 500 requests: 10 s at 50 requests/s, a short rate() window. The
		// windows start at arbitrary requests, as a scrape would.
		const n = 500
		for _, first := range []uint64{0, 1, 137, 4999, 123457, 10_000_019} {
			ratio, p50, p99 := window(b, first, n)
			if d := ratio - c.ratio; d > 1.0/n || d < -1.0/n {
				t.Errorf("%s, requests %d..%d: error ratio %.4f, want %.4f ± one request", c.version, first, first+n, ratio, c.ratio)
			}
			if p50 < c.p50lo || p50 > c.p50hi {
				t.Errorf("%s, requests %d..%d: p50 %v, want %v..%v", c.version, first, first+n, p50, c.p50lo, c.p50hi)
			}
			if lo, hi := c.p99*9/10, c.p99*11/10; p99 < lo || p99 > hi {
				t.Errorf("%s, requests %d..%d: p99 %v, want %v ± 10%%", c.version, first, first+n, p99, c.p99)
			}
		}
	}
}

func TestGoodFailsRarelyButDoesFail(t *testing.T) {
	b, _ := behaviourOf("good")
	ratio, _, _ := window(b, 0, 100_000)
	if ratio != 0.002 {
		t.Errorf("error ratio over 100000 requests = %v, want 0.002", ratio)
	}
}

func TestQuantileStaysInsideTheDistribution(t *testing.T) {
	for _, b := range versions() {
		lo, hi := b.latency[0].from, b.latency[len(b.latency)-1].to
		prev := time.Duration(0)
		for i := 0; i < 1000; i++ {
			u := float64(i) / 1000
			q := b.quantile(u)
			if q < lo || q > hi {
				t.Fatalf("%s: quantile(%v) = %v, outside %v..%v", b.version, u, q, lo, hi)
			}
			if q < prev {
				t.Fatalf("%s: quantile(%v) = %v is below quantile of a smaller u (%v)", b.version, u, q, prev)
			}
			prev = q
		}
	}
}

func TestUnknownVersion(t *testing.T) {
	_, err := behaviourOf("medium")
	if err == nil || !strings.Contains(err.Error(), `"medium"`) || !strings.Contains(err.Error(), "good, bad") {
		t.Errorf("err = %v, want it to name the bad version and the known ones", err)
	}
}
