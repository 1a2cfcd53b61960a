package metrics

import "testing"

func TestChartScale(t *testing.T) {
	cases := []struct {
		s    Signal
		v    float64
		want float64
		unit string
	}{
		{ErrorRatio, 0.123, 12.3, "%"},
		{LatencyP99, 1.5, 1500, "ms"},
		{RequestRate, 42, 42, "req/s"},
	}
	for _, c := range cases {
		if got := ChartValue(c.s, c.v); got < c.want-1e-9 || got > c.want+1e-9 || ChartUnit(c.s) != c.unit {
			t.Errorf("%s: %v %s, want %v %s", c.s, got, ChartUnit(c.s), c.want, c.unit)
		}
	}
	if ChartPrecision(ErrorRatio) != 1 || ChartPrecision(LatencyP99) != 0 {
		t.Error("precision")
	}
}
