package openaevtest

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// Serving the stand-in outside a test (benchmark harnesses, the
// openaev-standin command), and reading its calls incrementally and in
// aggregate without copying them all at each step.

// Start starts a platform accepting token on a loopback port, as
// NewPlatform does, for a program that is not a test; stop closes it.
func Start(token string, opts ...Option) (p *Platform, stop func()) {
	h := &host{}
	p = NewPlatform(h, token, opts...)
	return p, h.cleanup
}

// host is the testing.TB NewPlatform is given by Start: it keeps the
// cleanups for stop. NewPlatform calls only Helper, Cleanup and Name; any
// other method of the embedded (nil) testing.TB panics.
type host struct {
	testing.TB
	mu       sync.Mutex
	cleanups []func()
}

func (h *host) Helper() {}

// Name names the platform's shuffles' seed (paging.go): the same each run.
func (h *host) Name() string { return "openaev-standin" }

func (h *host) Cleanup(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cleanups = append(h.cleanups, f)
}

// cleanup runs the cleanups, the last registered first, once.
func (h *host) cleanup() {
	h.mu.Lock()
	fs := h.cleanups
	h.cleanups = nil
	h.mu.Unlock()
	for _, f := range slices.Backward(fs) {
		f()
	}
}

// CallsFrom returns the calls recorded from index i on (AllCalls()[i:]),
// waiting until there is at least one or ctx ends. A reader keeps the
// count it has seen and asks for the rest: each call is copied once.
func (p *Platform) CallsFrom(ctx context.Context, i int) ([]Call, error) {
	for {
		p.mu.Lock()
		ch := p.changed
		var out []Call
		if i < len(p.calls) {
			out = slices.Clone(p.calls[i:])
		}
		p.mu.Unlock()
		if len(out) > 0 {
			return out, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Stats sums up the calls a platform received.
type Stats struct {
	Calls     int `json:"calls"`
	Posts     int `json:"posts"`
	Refused   int `json:"refused"`   // answered other than 2xx
	Processed int `json:"processed"` // accepted callbacks processed
	Dropped   int `json:"dropped"`   // accepted callbacks dropped
	// Queued counts the accepted callbacks the platform holds, not
	// processed yet (WithIngestEvery): neither processed nor dropped.
	Queued int            `json:"queued"`
	Bytes  int64          `json:"bytes"`   // request bodies (a registration's input part)
	ByKind map[string]int `json:"by_kind"` // calls per kind (KindReception…)
	// Completions counts the processed "complete" callbacks, and
	// CompletedInjects the injects that have at least one.
	Completions      int `json:"completions"`
	CompletedInjects int `json:"completed_injects"`
	// FirstDropReason is why the first dropped callback was dropped, and
	// FirstRefusal the kind, status and reason of the first refused call.
	FirstDropReason string `json:"first_drop_reason,omitempty"`
	FirstRefusal    string `json:"first_refusal,omitempty"`
	// SignaturesSkipped counts the processed callbacks whose expectation
	// signatures the platform ignored, and SignatureSkipReason says why
	// (SignaturesDisabled).
	SignaturesSkipped   int    `json:"signatures_skipped"`
	SignatureSkipReason string `json:"signature_skip_reason,omitempty"`
	// SignaturesStored counts the signatures processed callbacks stored,
	// and SignaturesRepeated those they sent to expectations that held
	// them already, which the platform stores no second time (rule 5).
	SignaturesStored   int `json:"signatures_stored"`
	SignaturesRepeated int `json:"signatures_repeated"`
}

// Stats returns the sums of every call received so far.
func (p *Platform) Stats() Stats { return p.StatsFrom(0) }

// CallCount returns the number of calls received so far: StatsFrom(n)
// then sums only the calls received after this one.
func (p *Platform) CallCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// StatsFrom returns the sums of the calls received from index i on.
func (p *Platform) StatsFrom(i int) Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := Stats{ByKind: map[string]int{}}
	done := map[string]bool{}
	for _, c := range p.calls[min(max(i, 0), len(p.calls)):] {
		s.Calls++
		if c.Method == http.MethodPost {
			s.Posts++
		}
		s.ByKind[c.Kind]++
		s.Bytes += int64(len(c.Raw))
		switch {
		case !c.Accepted():
			if s.Refused == 0 {
				s.FirstRefusal = c.Kind + " " + c.InjectID + ": " + "status " + strconv.Itoa(c.Status) + " " + c.Reason
			}
			s.Refused++
		case c.Outcome == Dropped:
			if s.Dropped == 0 {
				s.FirstDropReason = c.Kind + " " + c.InjectID + ": " + c.Reason
			}
			s.Dropped++
		case c.Outcome == Queued:
			s.Queued++
		case c.Outcome == Processed:
			s.Processed++
			s.SignaturesStored += len(c.Signatures)
			s.SignaturesRepeated += len(c.SignaturesRepeated)
			if c.SignaturesSkipped != "" {
				s.SignaturesSkipped++
				s.SignatureSkipReason = c.SignaturesSkipped
			}
			if c.Kind == KindComplete {
				s.Completions++
				done[c.InjectID] = true
			}
		}
	}
	s.CompletedInjects = len(done)
	return s
}
