package metrics

// Text charts (the CLI's health charts, the report's plots) draw a
// signal in a unit people read: percent, milliseconds, MiB.

// ChartValue converts v to the chart unit of s.
func ChartValue(s Signal, v float64) float64 {
	switch UnitOf(s) {
	case UnitRatio:
		return v * 100
	case UnitSeconds:
		return v * 1000
	case UnitBytes:
		return v / (1024 * 1024)
	}
	return v
}

// ChartUnit names the chart unit of s.
func ChartUnit(s Signal) string {
	switch UnitOf(s) {
	case UnitRatio:
		return "%"
	case UnitSeconds:
		return "ms"
	case UnitPerSecond:
		return "req/s"
	case UnitBytes:
		return "MiB"
	}
	return "count"
}

// ChartPrecision is the decimals a chart axis of s shows.
func ChartPrecision(s Signal) uint {
	if UnitOf(s) == UnitRatio {
		return 1
	}
	return 0
}
