package metrics

import (
	"fmt"
	"strings"
	"time"
)

// CountQueries renders t's request counts over window from preset: the
// failed requests and all requests, each increase() over the whole window,
// to be evaluated as one instant query at the window's end (Range with
// Start == End). They count the same requests the preset's error ratio
// divides, so an incident's impact agrees with its error ratio.
//
// A workload whose error ratio is a query of its own in the configuration
// has no count that is known to match it: that is an error, as is a preset
// without count templates.
func (h *Health) CountQueries(t Target, preset string, window time.Duration) (failed, total Query, err error) {
	if window <= 0 {
		return Query{}, Query{}, fmt.Errorf("the window to count requests over must be positive (got %s)", ShortDuration(window))
	}
	presets := h.presets()
	overrides := h.settings(t).Queries
	texts := map[Signal]string{}
	name := preset
	switch {
	case overrides[FailedRequests] != "" && overrides[Requests] != "":
		name = CustomPreset
		texts[FailedRequests], texts[Requests] = overrides[FailedRequests], overrides[Requests]
	case overrides[ErrorRatio] != "":
		return Query{}, Query{}, fmt.Errorf("the error ratio of %s/%s is a query of its own in the configuration (health.workloads): no request count is known to match it", t.Namespace, t.Name)
	default:
		p, ok := findPreset(presets, preset)
		if !ok {
			return Query{}, Query{}, fmt.Errorf("preset %q is not known (known: %s)", preset, strings.Join(presetNames(presets, nil), ", "))
		}
		texts[FailedRequests], texts[Requests] = p.Queries[FailedRequests], p.Queries[Requests]
		if texts[FailedRequests] == "" || texts[Requests] == "" {
			return Query{}, Query{}, fmt.Errorf("preset %s has no request count queries", preset)
		}
	}
	rate := ceilSecond(window)
	render := func(s Signal) (Query, error) {
		q, err := renderQuery(s, name, texts[s], t, rate, false)
		if err != nil {
			return Query{}, fmt.Errorf("%s: the query template of preset %s does not render for %s/%s: %w", s, name, t.Namespace, t.Name, err)
		}
		return q, nil
	}
	if failed, err = render(FailedRequests); err != nil {
		return Query{}, Query{}, err
	}
	if total, err = render(Requests); err != nil {
		return Query{}, Query{}, err
	}
	return failed, total, nil
}
