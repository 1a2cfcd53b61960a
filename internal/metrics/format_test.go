package metrics

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		s    Signal
		v    float64
		want string
	}{
		{ErrorRatio, 0.123, "12%"},
		{ErrorRatio, 0.0123, "1.2%"},
		{ErrorRatio, 0.0002, "0.02%"},
		{ErrorRatio, 0, "0%"},
		{LatencyP99, 0.18, "180ms"},
		{LatencyP99, 1.8, "1.80s"},
		{RequestRate, 85.4, "85 req/s"},
		{RequestRate, 2.25, "2.2 req/s"},
		{Memory, 512 * 1024 * 1024, "512MiB"},
		{Restarts, 3, "3"},
		{ErrorRatio, math.NaN(), "NaN"},
		{LatencyP99, math.Inf(1), "+Inf"},
	} {
		if got := Format(tc.s, tc.v); got != tc.want {
			t.Errorf("Format(%s, %v) = %q, want %q", tc.s, tc.v, got, tc.want)
		}
	}
}
