package main

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// behaviour is what a version of the shop does to its requests.
//
// It is deterministic so that tests can assert ranges: request n fails when
// the running count of failures ⌊(n+1)·ratio⌋ steps up, so any run of
// requests fails at the ratio to within one request; its latency is the
// latency distribution's quantile at u = frac(n/φ), a low-discrepancy
// sequence, so any few hundred consecutive requests already have the
// distribution's p50 and p99.
type behaviour struct {
	version    string
	errorRatio float64
	// latency is the distribution's quantile function, piecewise linear:
	// quantiles up to segment.upTo lie between the previous segment's end
	// and segment.to.
	latency []segment
}

type segment struct {
	upTo     float64 // quantile where the segment ends, (0, 1]
	from, to time.Duration
}

// versions are the shop's versions: good serves like a healthy service
// (≈0.2 % errors, p99 150 ms), bad like a broken rollout (12 % errors,
// p99 1.8 s).
func versions() []behaviour {
	ms := time.Millisecond
	return []behaviour{
		{version: "good", errorRatio: 0.002, latency: []segment{
			{upTo: 0.98, from: 20 * ms, to: 80 * ms},
			{upTo: 1, from: 100 * ms, to: 200 * ms},
		}},
		{version: "bad", errorRatio: 0.12, latency: []segment{
			{upTo: 0.90, from: 40 * ms, to: 300 * ms},
			{upTo: 0.98, from: 300 * ms, to: 1500 * ms},
			{upTo: 1, from: 1600 * ms, to: 2000 * ms},
		}},
	}
}

func behaviourOf(version string) (behaviour, error) {
	var names []string
	for _, b := range versions() {
		if b.version == version {
			return b, nil
		}
		names = append(names, b.version)
	}
	return behaviour{}, fmt.Errorf("unknown version %q (want one of: %s)", version, strings.Join(names, ", "))
}

// invPhi is 1/φ: multiples of it modulo 1 spread over [0, 1) more evenly
// than random numbers do.
const invPhi = 0.6180339887498949

// outcome is what happens to request n (counting from 0).
func (b behaviour) outcome(n uint64) (latency time.Duration, fails bool) {
	x := float64(n)
	fails = math.Floor((x+1)*b.errorRatio) > math.Floor(x*b.errorRatio)
	_, u := math.Modf(x * invPhi)
	return b.quantile(u), fails
}

// quantile is the latency at quantile u in [0, 1).
func (b behaviour) quantile(u float64) time.Duration {
	lo := 0.0
	for _, s := range b.latency {
		if u < s.upTo || s.upTo >= 1 {
			f := (u - lo) / (s.upTo - lo)
			return s.from + time.Duration(f*float64(s.to-s.from))
		}
		lo = s.upTo
	}
	return b.latency[len(b.latency)-1].to
}
