package healthgraph

import (
	"math"
	"strconv"
	"strings"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// Title names a signal as a chart's heading and an evidence row.
func Title(s metrics.Signal) string {
	switch s {
	case metrics.ErrorRatio:
		return "Error ratio"
	case metrics.LatencyP99:
		return "Latency p99"
	case metrics.LatencyP50:
		return "Latency p50"
	case metrics.RequestRate:
		return "Request rate"
	case metrics.CPUThrottling:
		return "CPU throttling"
	case metrics.Memory:
		return "Memory (highest pod)"
	case metrics.Restarts:
		return "Restarts"
	}
	return string(s)
}

// axisLabel writes a signal's value in its unit as compactly as the Y
// axis needs (six cells): "12.5%", "850ms", "1.2k/s", "512Mi". Legends
// and evidence use metrics.FormatValue, as the CLI does.
func axisLabel(s metrics.Signal, v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	switch s {
	case metrics.ErrorRatio, metrics.CPUThrottling:
		return num(v*100) + "%"
	case metrics.LatencyP99, metrics.LatencyP50:
		if math.Abs(v) < 1 {
			return num(v*1000) + "ms"
		}
		return num(v) + "s"
	case metrics.RequestRate:
		if math.Abs(v) >= 1000 {
			return num(v/1000) + "k/s"
		}
		return num(v) + "/s"
	case metrics.Memory:
		units := []string{"B", "Ki", "Mi", "Gi", "Ti"}
		i := 0
		for math.Abs(v) >= 1024 && i < len(units)-1 {
			v /= 1024
			i++
		}
		return num(v) + units[i]
	}
	return num(v)
}

// num writes v with at most three significant digits and no trailing
// zeros: 12.1, 1.5, 0.25, 120, 1500.
func num(v float64) string {
	if v == 0 {
		return "0"
	}
	a := math.Abs(v)
	var s string
	switch {
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 2, 64)
		if strings.ContainsAny(s, "e") {
			s = strconv.FormatFloat(v, 'f', 4, 64)
		}
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// niceCeil rounds v up to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a
// power of ten, so that the axis' top label reads well.
func niceCeil(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if c := m * p; c >= v*(1-1e-9) {
			return c
		}
	}
	return 10 * p
}
