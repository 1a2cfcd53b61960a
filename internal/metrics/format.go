package metrics

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Label is the signal's short human name ("error ratio", "p99").
func (s Signal) Label() string {
	switch s {
	case ErrorRatio:
		return "error ratio"
	case LatencyP99:
		return "p99"
	case LatencyP50:
		return "p50"
	case RequestRate:
		return "request rate"
	case CPUThrottling:
		return "cpu throttling"
	case Memory:
		return "memory"
	case Restarts:
		return "restarts"
	case FailedRequests:
		return "failed requests"
	case Requests:
		return "requests"
	}
	return string(s)
}

// FormatValue writes a signal's value in its unit: ratios as percentages,
// latencies in ms or s, rates per second, memory in binary units.
func FormatValue(s Signal, v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	switch s {
	case ErrorRatio, CPUThrottling:
		return trimFloat(v*100, 1) + "%"
	case LatencyP99, LatencyP50:
		if math.Abs(v) < 1 {
			return trimFloat(v*1000, 0) + "ms"
		}
		return trimFloat(v, 2) + "s"
	case RequestRate:
		return trimFloat(v, 1) + " req/s"
	case Memory:
		return formatBytes(v)
	}
	return trimFloat(v, 2)
}

// trimFloat formats v with at most prec decimals and no trailing zeros.
func trimFloat(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if prec > 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

func formatBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return trimFloat(v, 1) + units[i]
}

// ShortDuration writes d the way people type windows: 10y, 30d, 6h, 15m,
// 90s; anything finer falls back to Go's form.
func ShortDuration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d == 0:
		return "0s"
	case d%(365*day) == 0:
		return fmt.Sprintf("%dy", d/(365*day))
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}
