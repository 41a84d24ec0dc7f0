package openaev

import "time"

// WithNow sets the clock of the profile's notes of its "complete"
// callbacks (ingestwindow.go), for tests.
func WithNow(now func() time.Time) ProfileOption {
	return func(p *Profile) { p.notes.now = now }
}
