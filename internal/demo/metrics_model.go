package demo

import (
	"hash/fnv"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// The synthetic signals. A healthy revision serves with small, smoothly
// wandering noise; a revision whose image crashes (badImages) takes its
// share of the traffic while its containers keep being restarted, and the
// requests it catches fail or hang. A workload's value is the mix of its
// revisions weighted by their running pods, so a half-done rollout of a
// bad revision shows in the whole workload, and a rollback clears it as
// the bad pods go away.

// baseline is a workload's healthy level of each signal.
type baseline struct {
	rps      float64 // requests per second at the daily mean
	errRatio float64 // 0..1
	p50, p99 float64 // seconds
	throttle float64 // share of CPU periods throttled
	demand   uint64  // the noise series of its traffic
}

// The bad revision's levels: with about 40% of the pods (a stuck rolling
// update) the workload fails ~12% of its requests and its p99 is ~1.8 s.
const (
	badErrRatio     = 0.30
	badP50          = 0.42
	badP99          = 2.4
	badThrottle     = 0.12
	badMemoryShare  = 0.25 // of the memory request: the container dies young
	badRestartEvery = 2 * time.Minute
	// defaultMemory is a pod's working set when its template requests none.
	defaultMemory = 160 << 20
)

// z-scores of the normal distribution at the quantiles the signals use.
const (
	z50 = 0.0
	z99 = 2.3263478740408408
)

// requestRate is the traffic of the shop's workloads; any other workload
// gets a stable rate derived from its name.
func requestRate(id workloadID) float64 {
	switch id.name {
	case "frontend":
		return 300
	case "checkout":
		return 80
	case "payments":
		return 45
	case "catalog":
		return 210
	case "ledger":
		return 35
	case "log-agent":
		return 120
	case "coredns":
		return 850
	}
	return 20 + 180*unit(seedOf(id.String(), "rps"))
}

// baselineFor is a workload's healthy levels, stable for its name: error
// ratio 0.1-0.5%, p50 30-60 ms, p99 120-250 ms.
func baselineFor(id workloadID) baseline {
	s := id.String()
	return baseline{
		rps:      requestRate(id),
		errRatio: 0.0015 + 0.002*unit(seedOf(s, "err")),
		p50:      0.034 + 0.018*unit(seedOf(s, "p50")),
		p99:      0.140 + 0.070*unit(seedOf(s, "p99")),
		throttle: 0.005 + 0.02*unit(seedOf(s, "cpu")),
		demand:   seedOf(s, "demand"),
	}
}

// revision is what the model knows of one revision of a workload.
type revision struct {
	key    string // the revision label of its pods (pod-template-hash or controller-revision-hash)
	number int64
	bad    bool    // its pods run an image that crashes
	memory float64 // bytes its containers request
	seed   uint64
	noise  [noiseSeeds]uint64 // one noise series per signal
}

// The revision's noise series.
const (
	noiseErr = iota
	noiseP50
	noiseP99
	noiseCPU
	noiseMem
	noiseSeeds
)

func (r *revision) seedNoise() *revision {
	for i := range r.noise {
		r.noise[i] = mix64(r.seed, uint64(i)+1)
	}
	return r
}

func newRevision(id workloadID, key string, number int64, spec *corev1.PodSpec) *revision {
	r := (&revision{key: key, number: number, seed: seedOf(id.String(), key)}).seedNoise()
	for _, c := range spec.Containers {
		if _, bad := badImages[c.Image]; bad {
			r.bad = true
		}
		if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok {
			r.memory += q.AsApproximateFloat64()
		}
	}
	if r.memory == 0 {
		r.memory = defaultMemory
	}
	return r
}

// levels are one revision's values at one time.
type levels struct {
	errRatio, p50, p99, throttle, memory float64
	restartsPerPod                       float64 // per second
}

// at is the revision's levels at t for a workload with baseline b.
func (r *revision) at(b baseline, t time.Time) levels {
	n := func(signal int) float64 { return smoothNoise(r.noise[signal], t) }
	if r.bad {
		return levels{
			errRatio: badErrRatio * math.Exp(0.08*n(noiseErr)),
			p50:      badP50 * math.Exp(0.08*n(noiseP50)),
			p99:      badP99 * math.Exp(0.06*n(noiseP99)),
			throttle: badThrottle * math.Exp(0.2*n(noiseCPU)),
			memory:   r.memory * badMemoryShare * (1 + 0.1*n(noiseMem)),
			// One restart per pod every badRestartEvery: kubelet's back-off
			// spaces them out.
			restartsPerPod: 1 / badRestartEvery.Seconds(),
		}
	}
	// Each revision serves a little differently (±8%); latency rises a
	// little with the daily load.
	own := 1 + 0.16*(unit(r.seed)-0.5)
	load := diurnal(t) - 1
	return levels{
		errRatio: b.errRatio * own * math.Exp(0.3*n(noiseErr)),
		p50:      b.p50 * own * (1 + 0.08*load) * math.Exp(0.1*n(noiseP50)),
		p99:      b.p99 * own * (1 + 0.15*load) * math.Exp(0.12*n(noiseP99)),
		throttle: b.throttle * math.Exp(0.4*n(noiseCPU)),
		memory:   r.memory * (0.62 + 0.05*n(noiseMem)),
	}
}

// diurnal is the daily swing of traffic around 1: lowest at 04:00 and
// highest at 16:00 of the cluster's clock.
func diurnal(t time.Time) float64 {
	h := float64(t.UTC().Hour()) + float64(t.UTC().Minute())/60
	return 1 + 0.3*math.Sin(2*math.Pi*(h-10)/24)
}

// demand is the workload's total request rate at t: it comes from its
// callers, whatever its revisions do.
func demand(b baseline, t time.Time) float64 {
	return b.rps * diurnal(t) * math.Exp(0.06*smoothNoise(b.demand, t))
}

// share is one revision's part of a workload at one time.
type share struct {
	rev    *revision
	pods   float64
	weight float64 // pods / all pods
	levels levels
}

// value is the workload's (or, given one share, the revision's) signal.
func value(s metrics.Signal, shares []share, rps, rateWindow float64) float64 {
	switch s {
	case metrics.ErrorRatio:
		return weighted(shares, func(l levels) float64 { return l.errRatio })
	case metrics.CPUThrottling:
		return weighted(shares, func(l levels) float64 { return l.throttle })
	case metrics.LatencyP50:
		return mixQuantile(z50, 0.5, shares)
	case metrics.LatencyP99:
		return mixQuantile(z99, 0.99, shares)
	case metrics.RequestRate:
		return rps * weighted(shares, func(levels) float64 { return 1 })
	case metrics.Memory:
		m := 0.0
		for _, sh := range shares {
			m = max(m, sh.levels.memory)
		}
		return m
	case metrics.Restarts:
		n := 0.0
		for _, sh := range shares {
			n += sh.pods * sh.levels.restartsPerPod * rateWindow
		}
		return n
	}
	return math.NaN()
}

func weighted(shares []share, f func(levels) float64) float64 {
	v := 0.0
	for _, sh := range shares {
		v += sh.weight * f(sh.levels)
	}
	return v
}

// mixQuantile is the q-quantile (z its normal score) of the latency of
// the requests of all shares, each revision's latency being log-normal
// with its p50 and p99: what a histogram_quantile over the workload gives.
func mixQuantile(z, q float64, shares []share) float64 {
	if len(shares) == 0 {
		return math.NaN()
	}
	sigma := func(l levels) float64 { return max(math.Log(l.p99/l.p50)/z99, 1e-6) }
	quantile := func(l levels) float64 { return l.p50 * math.Exp(z*sigma(l)) }
	var total float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, sh := range shares {
		total += sh.weight
		x := math.Log(quantile(sh.levels))
		lo, hi = min(lo, x), max(hi, x)
	}
	if len(shares) == 1 || hi-lo < 1e-9 {
		return math.Exp(lo)
	}
	cdf := func(x float64) float64 {
		p := 0.0
		for _, sh := range shares {
			p += sh.weight * 0.5 * math.Erfc(-(x-math.Log(sh.levels.p50))/(sigma(sh.levels)*math.Sqrt2))
		}
		return p / total
	}
	// The mixture's quantile lies between its components' quantiles.
	for range 40 {
		mid := (lo + hi) / 2
		if cdf(mid) < q {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp((lo + hi) / 2)
}

// Noise: value noise, the sum of two octaves (7 min and 50 s) of random
// values at fixed time buckets, smoothly interpolated. Seeded by the
// series and the bucket, so any query of any range gets the same value at
// the same time.
func smoothNoise(seed uint64, t time.Time) float64 {
	return 0.65*octave(seed, t, 7*time.Minute) + 0.35*octave(seed^0x9e3779b97f4a7c15, t, 50*time.Second)
}

func octave(seed uint64, t time.Time, period time.Duration) float64 {
	ns, p := t.UnixNano(), period.Nanoseconds()
	i := ns / p
	if ns%p < 0 {
		i--
	}
	f := float64(ns-i*p) / float64(p)
	f = f * f * (3 - 2*f)
	a, b := 2*unit(mix64(seed, uint64(i)))-1, 2*unit(mix64(seed, uint64(i+1)))-1
	return a + (b-a)*f
}

// mix64 is splitmix64's finaliser over seed and x.
func mix64(seed, x uint64) uint64 {
	z := seed + x*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return mix64(h.Sum64(), 0)
}
