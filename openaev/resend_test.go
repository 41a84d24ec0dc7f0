package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/outbox"
)

// receivedInject starts a platform holding inject i1 and returns it with
// a client that has sent i1's reception; with completed, the client has
// also completed i1, as another run would have.
func receivedInject(t *testing.T, token string, completed bool) (*openaevtest.Platform, *openaev.Client) {
	t.Helper()
	p := openaevtest.NewPlatform(t, token)
	p.AddInject("i1", openaev.ContractID("noop"))
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: token}, openaev.WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Reception(ctx, "i1"); err != nil {
		t.Fatal(err)
	}
	if completed {
		if err := c.Callback(ctx, "i1", openaev.Execution{Message: "done elsewhere", Status: "SUCCESS",
			Action: openaev.ActionComplete}); err != nil {
			t.Fatal(err)
		}
	}
	return p, c
}

func TestResendPosterDropsSuperseded(t *testing.T) {
	const token = "resend-token"
	body := []byte(`{"execution_message":"noop on 1 target: succeeded","execution_status":"SUCCESS",` +
		`"execution_action":"complete","execution_duration":0}`)
	noTargets := []byte(`{"execution_message":"noop on 1 target: succeeded","execution_status":"SUCCESS",` +
		`"execution_action":"complete","execution_duration":0,` +
		`"execution_output_structured":"{\"expectation_signatures\":{\"targets\":[]}}"}`)
	tests := []struct {
		name      string
		finished  bool // another daemon already completed the inject
		index     int
		body      []byte // the stored complete, body when nil
		wantCalls int    // callbacks the platform receives from the resend
	}{
		{"pending inject: the stored complete is sent", false, 0, nil, 1},
		{"finished inject: the stored complete is superseded", true, 0, nil, 0},
		{"finished inject: a complete with no signature target is superseded", true, 0, noTargets, 0},
		{"data after complete is always sent", true, 1, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, c := receivedInject(t, token, tt.finished)
			ctx := context.Background()
			before := len(p.Calls("i1"))
			r := openaev.ResendPoster{Profile: openaev.NewProfile(c, nil, nil)}
			body := body
			if tt.body != nil {
				body = tt.body
			}
			if tt.index > 0 {
				body = []byte(`{"execution_message":"more signatures","execution_status":"SUCCESS",` +
					`"execution_action":"data","execution_duration":0}`)
			}
			err := r.PostBody(ctx, "i1", tt.index, body)
			if superseded := tt.wantCalls == 0; superseded != errors.Is(err, outbox.ErrSuperseded) || (!superseded && err != nil) ||
				errors.Is(err, outbox.ErrSupersededSent) {
				t.Fatalf("PostBody: %v, want superseded %v", err, superseded)
			}
			var sent int
			for _, call := range p.Calls("i1")[before:] {
				if call.Kind == openaevtest.KindComplete || call.Kind == openaevtest.KindData {
					sent++
					if !call.Processed() {
						t.Errorf("resent callback %s: %s", call.Outcome, call.Reason)
					}
				}
			}
			if sent != tt.wantCalls {
				t.Errorf("%d callbacks sent, want %d", sent, tt.wantCalls)
			}
			if n := len(p.Completions("i1")); n != 1 {
				t.Errorf("the platform completed the inject %d times, want 1", n)
			}
		})
	}
}

func TestRedeliveredRunDoesNotCompleteTwice(t *testing.T) {
	const token = "redelivered-token"
	// The first run (its ack lost) completed the inject meanwhile.
	p, c := receivedInject(t, token, true)
	ctx := context.Background()
	body := []byte(`{"execution_message":"second run","execution_status":"SUCCESS","execution_action":"complete"}`)
	prof := openaev.NewProfile(c, nil, nil)
	if err := prof.PostBody(openaev.Redelivered(ctx), "i1", 0, body); err != nil {
		t.Fatal(err)
	}
	if n := len(p.Completions("i1")); n != 1 {
		t.Errorf("a redelivered run completed the inject again: %d completions", n)
	}
	// Without the mark, PostBody sends as asked (a first delivery).
	if err := prof.PostBody(ctx, "i1", 0, body); err != nil {
		t.Fatal(err)
	}
	if n := len(p.Completions("i1")); n != 2 {
		t.Errorf("%d completions after an unmarked send, want 2", n)
	}
}

func TestOwnsNamesTheInjector(t *testing.T) {
	profile := func(injectorID string) *openaev.Profile {
		c, err := openaev.NewClient(openaev.Config{URL: "http://127.0.0.1:9", Token: "t", InjectorID: injectorID})
		if err != nil {
			t.Fatal(err)
		}
		return openaev.NewProfile(c, nil, nil)
	}
	a := profile("4b9c5c6e-1d6c-4a52-9f4e-0f3c2f8d8a11")
	b := profile("7e0f0a62-8f55-4d6b-8a43-5f7a1c1b2c33")
	rec := outbox.Record{InjectID: "i1", Profile: openaev.ProfileName,
		URL: "http://127.0.0.1:9/api/injects/execution/callback/i1", InjectorID: "4b9c5c6e-1d6c-4a52-9f4e-0f3c2f8d8a11"}
	if !a.Owns(rec) {
		t.Error("a daemon does not own its own record")
	}
	if b.Owns(rec) {
		t.Error("a daemon of another injector owns the record")
	}
	old := rec
	old.InjectorID = ""
	if !a.Owns(old) || !b.Owns(old) {
		t.Error("a record stored before injector ids were kept is owned by none")
	}
	other := rec
	other.URL = "http://127.0.0.1:10/api/injects/execution/callback/i1"
	if a.Owns(other) {
		t.Error("a daemon owns a record of another platform")
	}
}

// TestResendDataFollowTheirComplete checks, on what the platform stores,
// that an outbox resend sends the "data" callbacks of a stored terminal
// callback only after its "complete": none while the complete fails (they
// stay pending), all once it is delivered, and all too when it is
// superseded. A complete the platform took, its answer lost, is delivered
// (its trace carries the run's mark): the platform holds every signature
// of the run once. One superseded by another run is not sent; the
// signatures it carries go as one more data callback: every target's
// signatures of the stored run reach the platform, besides those of the
// run that completed the inject, which is completed once.
func TestResendDataFollowTheirComplete(t *testing.T) {
	const limit, targets, id = 4 << 10, 12, "i-split"
	tests := []struct {
		name string
		// before the flush: the stored complete reaches the platform, its
		// answer lost (lost), or the inject is run again and completed
		// (rerun)
		lost, rerun bool
	}{
		{"complete failing, then delivered", false, false},
		{"complete taken by the platform, its answer lost", true, false},
		{"complete superseded by another run", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", limit: limit, outbox: true})
			s.register(t)
			ctx := context.Background()
			msg := nmapAssetsMessage(t, s.env, id, targets)
			s.platform.FailComplete(id, http.StatusServiceUnavailable, 1<<30)
			_ = s.proc.Process(ctx, msg) // kept in the outbox
			kept := s.records(t)[outbox.Pending]
			if kept < 3 {
				t.Fatalf("%d bodies kept, want a complete and data", kept)
			}
			run := keptSignatures(t, s.store, id, -1) // the stored run's, every body's
			if first := keptSignatures(t, s.store, id, 0); len(first) == 0 {
				t.Fatal("the stored complete carries no signatures: nothing to lose")
			}
			data := func() int {
				n := 0
				for _, c := range s.platform.Calls(id) {
					if c.Kind == openaevtest.KindData && c.Processed() {
						n++
					}
				}
				return n
			}
			rs := s.resender()
			switch {
			case tt.lost:
				s.platform.FailComplete(id, 0, 0)
				s.postStoredComplete(t, id)
			case tt.rerun:
				s.platform.FailComplete(id, 0, 0)
				if err := s.proc.Process(ctx, msg); err != nil {
					t.Fatal(err)
				}
			default:
				res, err := rs.Flush(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if res.Delivered != 0 || res.Failed != kept || data() != 0 {
					t.Errorf("flush while the complete fails: %+v, %d data callbacks taken; want all %d kept, none sent",
						res, data(), kept)
				}
				if got := s.records(t); got[outbox.Pending] != kept {
					t.Errorf("outbox %v, want %d pending", got, kept)
				}
				s.platform.FailComplete(id, 0, 0)
			}
			dataBefore, before, n := data(), stored(s.platform, id), len(s.platform.Calls(id))
			want, wantData := outbox.FlushResult{Delivered: kept}, kept-1
			if tt.rerun {
				// The complete is not sent; its signatures go as data.
				want, wantData = outbox.FlushResult{Superseded: 1, SupersededSent: 1, Delivered: kept - 1}, kept
			}
			if res, err := rs.Flush(ctx); err != nil {
				t.Fatal(err)
			} else if res != want {
				t.Errorf("flush: %+v, want %+v", res, want)
			}
			if got := s.records(t); len(got) != 0 {
				t.Errorf("outbox %v after the flush", got)
			}
			if n := data() - dataBefore; n != wantData {
				t.Errorf("the platform took %d data callbacks of the run, want %d", n, wantData)
			}
			if len(run) != targets*2*4 {
				t.Fatalf("the stored bodies hold %d signatures, want %d", len(run), targets*2*4)
			}
			// What the platform held before the flush (the other run's, or
			// the complete taken with its answer lost), and every
			// signature of the stored run's bodies on top.
			if tt.rerun {
				// Taken, each stored once (openaevtest, rule 5): a signature
				// the platform held already is a repeat.
				if got, want := sortedUnion(stored(s.platform, id), repeatedSince(s.platform, id, n)), sortedUnion(before, run); !slices.Equal(got, want) {
					t.Errorf("the platform took %d signatures, want %d: those it held before the flush (%d) and all the stored run's (%d)\nmissing: %v",
						len(got), len(want), len(before), len(run), missing(want, got))
				}
			} else if got := stored(s.platform, id); !slices.Equal(got, run) {
				t.Errorf("the platform holds %d signatures, want the %d of the run", len(got), len(run))
			}
			if n := len(s.platform.Completions(id)); n != 1 {
				t.Errorf("the inject was completed %d times, want once", n)
			}
		})
	}
}

// keptSignatures returns the signatures the stored bodies of inject id
// (body chunk only, unless it is -1) carry, as stored renders them:
// DETECTION and PREVENTION groups of the targets naming an asset, as the
// platform keeps them.
func keptSignatures(t *testing.T, store *outbox.Store, id string, chunk int) []string {
	t.Helper()
	recs, err := store.List()
	if err != nil {
		t.Fatal(err)
	}
	var out []openaevtest.Signature
	for _, r := range recs {
		if r.InjectID != id || (chunk >= 0 && r.ChunkIndex != chunk) {
			continue
		}
		full, err := store.Get(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var e openaev.Execution
		var doc struct {
			Sigs struct {
				Targets []struct {
					Target struct {
						Asset string `json:"asset"`
					} `json:"signature_target"`
					Groups []struct {
						Type   string `json:"expectation_type"`
						Values []struct {
							Type  string `json:"signature_type"`
							Value string `json:"signature_value"`
						} `json:"values"`
					} `json:"signature_values"`
				} `json:"targets"`
			} `json:"expectation_signatures"`
		}
		if err := json.Unmarshal(full.Body, &e); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(e.OutputStructured), &doc); err != nil {
			t.Fatalf("body %d: %v", r.ChunkIndex, err)
		}
		for _, tg := range doc.Sigs.Targets {
			for _, g := range tg.Groups {
				if g.Type != "DETECTION" && g.Type != "PREVENTION" {
					continue
				}
				for _, v := range g.Values {
					out = append(out, openaevtest.Signature{Asset: tg.Target.Asset, ExpectationType: g.Type, Type: v.Type, Value: v.Value})
				}
			}
		}
	}
	return signatureSet(out)
}

// sortedUnion returns the lines of a and b, duplicates kept, sorted.
func sortedUnion(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return out
}

// missing returns the lines of want (a multiset) that got lacks, at most 5.
func missing(want, got []string) []string {
	left := map[string]int{}
	for _, g := range got {
		left[g]++
	}
	var out []string
	for _, w := range want {
		if left[w] > 0 {
			left[w]--
			continue
		}
		if out = append(out, w); len(out) == 5 {
			break
		}
	}
	return out
}

// TestResendLogsEachBodyOnce checks that a stored body the outbox resends
// is logged once, by the outbox ("outbox body delivered", with its
// idempotency key, which names the action), not a second time by the
// profile ("terminal callback delivered").
func TestResendLogsEachBodyOnce(t *testing.T) {
	s := newServeEnv(t, serveOpts{outbox: true})
	msg := s.message(t, "i-1", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)
	s.platform.FailComplete("i-1", http.StatusServiceUnavailable, 99)
	_ = s.proc.Process(context.Background(), msg) // kept in the outbox
	kept := s.records(t)[outbox.Pending]
	if kept == 0 {
		t.Fatal("nothing kept in the outbox")
	}
	s.platform.FailComplete("i-1", 0, 0)
	before := s.logs.FilterMessage("terminal callback delivered").Len()
	rs := &outbox.Resender{Store: s.store, Select: s.profile.Owns, Log: s.log,
		Client: func(string) (outbox.Poster, error) { return openaev.ResendPoster{Profile: s.profile}, nil }}
	if res, err := rs.Flush(context.Background()); err != nil || res.Delivered != kept {
		t.Fatalf("flush: %+v, %v; want %d delivered", res, err, kept)
	}
	if n := s.logs.FilterMessage("outbox body delivered").Len(); n != kept {
		t.Errorf("%d lines outbox body delivered, want %d", n, kept)
	}
	if n := s.logs.FilterMessage("terminal callback delivered").Len() - before; n != 0 {
		t.Errorf("%d resent bodies logged a second time by the profile", n)
	}
}
