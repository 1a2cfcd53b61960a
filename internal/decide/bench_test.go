package decide

import "testing"

// BenchmarkDecide decides from cached evidence: the longest path of the
// default policy to a rollback (ten questions, every answer from evidence).
func BenchmarkDecide(b *testing.B) {
	pol := Default()
	ev := incident()
	b.ReportAllocs()
	for b.Loop() {
		rec, err := pol.Decide(ev)
		if err != nil || rec.Action != Rollback {
			b.Fatal(rec.Action, err)
		}
	}
}

// BenchmarkDecideWithAnswers follows the minor branch to a roll forward,
// with the engineer's answers checked on every call.
func BenchmarkDecideWithAnswers(b *testing.B) {
	pol := Default()
	ev := incident()
	degraded(ev)
	ev.Answers = map[string]string{"quick-fix": "yes", "fix-complex": "no", "fix-image": "registry.example/checkout:2.1.1"}
	b.ReportAllocs()
	for b.Loop() {
		rec, err := pol.Decide(ev)
		if err != nil || rec.Action != Rollforward {
			b.Fatal(rec.Action, err)
		}
	}
}

// BenchmarkLoadPolicy parses and validates a file extending the default.
func BenchmarkLoadPolicy(b *testing.B) {
	src := []byte("extends: default\nquestions:\n  severity:\n    text: How severe?\n    type: severity\n    evidence: severity\n    answers: {critical: app-wide, minor: app-wide}\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadPolicy("decide.yaml", src); err != nil {
			b.Fatal(err)
		}
	}
}
