package openaev_test

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// newLimitedEnv is the env of a serve daemon on a platform of version v,
// its profile sending bodies of at most limit bytes, through an outbox when
// durable, and registered.
func newLimitedEnv(t *testing.T, v openaevtest.Version, limit int64, durable bool) *env {
	t.Helper()
	e := newServeEnv(t, serveOpts{version: v, injectors: "nmap, noop", limit: limit, outbox: durable}).env
	e.register(t)
	return e
}

// assets returns n agentless assets a000… on 192.0.2.1….
func assets(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = asset("asset", fmt.Sprintf("a%03d", i), "", fmt.Sprintf("192.0.2.%d", i+1), nil)
	}
	return out
}

func nmapAssetsMessage(t *testing.T, e *env, id string, n int) []byte {
	t.Helper()
	for i := range n {
		e.nmap.open[fmt.Sprintf("192.0.2.%d", i+1)] = []int{22}
	}
	return e.message(t, id, "nmap", map[string]any{"target_selector": "assets", "target_property_selector": "seen_ip",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}},
		assets(n), nil)
}

// signatureSet renders signatures as sorted "asset type signature=value"
// lines.
func signatureSet(sigs []openaevtest.Signature) []string {
	out := make([]string, 0, len(sigs))
	for _, s := range sigs {
		out = append(out, s.Asset+" "+s.ExpectationType+" "+s.Type+"="+s.Value)
	}
	sort.Strings(out)
	return out
}

// checkTakenOnce checks that the platform took one "complete" of inject
// id and got no other after it (processed again, the inject would finish
// twice; dropped, its findings would repeat), and that it holds each
// DETECTION and PREVENTION signature of the inject's two targets once
// (4 a target of each type: source, target, start and end).
func checkTakenOnce(t *testing.T, p *openaevtest.Platform, id string) {
	t.Helper()
	taken, after := 0, 0
	for _, c := range p.Calls(id) {
		switch {
		case c.Kind != openaevtest.KindComplete:
		case taken > 0:
			after++
		case c.Outcome == openaevtest.Processed:
			taken++
		}
	}
	if taken != 1 || after != 0 {
		t.Errorf("the platform took %d completes, then got %d more; want 1, then none", taken, after)
	}
	for _, typ := range []string{"DETECTION", "PREVENTION"} {
		got := signatureSet(p.Signatures(id)[typ])
		if all, distinct := len(got), len(slices.Compact(got)); all != 8 || distinct != 8 {
			t.Errorf("the platform holds %d %s signatures, %d distinct; want 8, each once", all, typ, distinct)
		}
	}
}

func stored(p *openaevtest.Platform, id string) []string {
	var all []openaevtest.Signature
	for _, sigs := range p.Signatures(id) {
		all = append(all, sigs...)
	}
	return signatureSet(all)
}

// unbounded returns the signatures the platform stores of an nmap inject
// of n assets sent in one body: the reference a split send must match.
func unbounded(t *testing.T, n int) []string {
	t.Helper()
	ref := newLimitedEnv(t, openaevtest.Current, openaev.MaxMaxPayloadSize, false)
	if err := ref.proc.Process(context.Background(), nmapAssetsMessage(t, ref, "inj-ref", n)); err != nil {
		t.Fatal(err)
	}
	return stored(ref.platform, "inj-ref")
}

// TestSignaturesSplitUnderTheLimit checks that signatures above the max
// payload size go in a "complete" callback and "data" callbacks, every
// body under the limit, and that the platform stores the union, the
// signatures an unbounded body would have carried; 2.4.x gets no
// signatures and no data callback.
func TestSignaturesSplitUnderTheLimit(t *testing.T) {
	const limit, targets = 16 << 10, 60
	want := unbounded(t, targets)
	if len(want) != targets*2*4 {
		t.Fatalf("reference: %d signatures stored", len(want))
	}
	tests := []struct {
		name     string
		version  openaevtest.Version
		durable  bool
		wantData bool
	}{
		{"current", openaevtest.Current, false, true},
		{"current through the outbox", openaevtest.Current, true, true},
		{"2.4.0: no signatures, one body", openaevtest.Version24, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, tt.version, limit, tt.durable)
			if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-s", targets)); err != nil {
				t.Fatal(err)
			}
			var completes, data int
			var union []openaevtest.Signature
			for _, c := range e.platform.Calls("inj-s") {
				if c.Kind != openaevtest.KindComplete && c.Kind != openaevtest.KindData {
					continue
				}
				if len(c.Raw) > limit {
					t.Errorf("%s body of %d bytes, over the limit of %d", c.Kind, len(c.Raw), limit)
				}
				if !c.Processed() {
					t.Errorf("%s %d: %s %s", c.Kind, c.Status, c.Outcome, c.Reason)
				}
				if c.Kind == openaevtest.KindComplete {
					completes++
				} else {
					data++
					if c.Body["execution_status"] != "SUCCESS" || !strings.Contains(c.Body["execution_message"].(string), "expectation signatures, part") {
						t.Errorf("data callback %v", c.Body)
					}
				}
				union = append(union, c.Signatures...)
			}
			if completes != 1 || (data > 0) != tt.wantData {
				t.Fatalf("%d complete and %d data callbacks", completes, data)
			}
			done, _ := e.platform.Terminal("inj-s")
			if msg := done.Body["execution_message"].(string); strings.Contains(msg, "too large") {
				t.Errorf("something left out: %q", msg)
			}
			if !tt.wantData {
				if got := stored(e.platform, "inj-s"); len(got) != 0 {
					t.Errorf("2.4.0 stored %d signatures", len(got))
				}
				return
			}
			if got := stored(e.platform, "inj-s"); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("stored %d signatures, want the %d of one unbounded body", len(got), len(want))
			}
			if got := signatureSet(union); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("the bodies carry %d signatures, want %d", len(got), len(want))
			}
		})
	}
}

// TestSignaturesOfATargetThatCannotFit checks that a target whose
// signatures cannot fit in any body is left out, named in the message,
// and that nothing is sent over the limit.
func TestSignaturesOfATargetThatCannotFit(t *testing.T) {
	const limit = 2 << 10
	e := newLimitedEnv(t, openaevtest.Current, limit, false)
	// The platform's ids are opaque: one this long makes the target's
	// signatures larger than any body.
	big := "big" + strings.Repeat("b", 1500)
	body := e.message(t, "inj-big", "noop", map[string]any{"target_selector": "assets",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}},
		[]map[string]any{asset("asset", "small", "", "192.0.2.1", nil), asset("asset", big, "", "192.0.2.2", nil)}, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.platform.Calls("inj-big") {
		if len(c.Raw) > limit {
			t.Errorf("%s body of %d bytes, over the limit", c.Kind, len(c.Raw))
		}
	}
	done, ok := e.platform.Terminal("inj-big")
	if !ok || !done.Processed() {
		t.Fatalf("terminal %v", done)
	}
	if msg := done.Body["execution_message"].(string); !strings.Contains(msg, "signatures of 1 target too large to send (asset bigbbb") {
		t.Errorf("message %q does not name the target left out", msg)
	}
	// The run says it too, in a WARN of bounded length.
	warns := e.logs.FilterMessageSnippet("signatures not sent").FilterLevelExact(zapcore.WarnLevel).All()
	if len(warns) != 1 {
		t.Fatalf("%d WARN lines on the signatures left out, want 1", len(warns))
	}
	if f := warns[0].ContextMap(); f["inject_id"] != "inj-big" || f["targets"] != int64(1) ||
		!strings.HasPrefix(f["left_out"].(string), "asset bigbbb") || len(f["left_out"].(string)) > 200 {
		t.Errorf("WARN fields %v", f)
	}
	for _, s := range stored(e.platform, "inj-big") {
		if !strings.HasPrefix(s, "small ") {
			t.Errorf("stored %s", s)
		}
	}
	if n := len(stored(e.platform, "inj-big")); n == 0 {
		t.Error("the small target's signatures were not sent")
	}
}

// TestFindingTooLargeIsNamed checks that a finding that cannot fit in the
// terminal callback is left out and named in its message.
func TestFindingTooLargeIsNamed(t *testing.T) {
	const limit = 2 << 10
	e := newLimitedEnv(t, openaevtest.Version24, limit, false)
	if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-f", 40)); err != nil {
		t.Fatal(err)
	}
	done, ok := e.platform.Terminal("inj-f")
	if !ok || len(done.Raw) > limit || !done.Processed() {
		t.Fatalf("terminal of %d bytes: %v", len(done.Raw), done)
	}
	msg := done.Body["execution_message"].(string)
	if !strings.Contains(msg, "finding scan_results (") || !strings.Contains(msg, "bytes) too large to send") {
		t.Errorf("message %q does not name the finding left out", msg)
	}
	doc, _ := done.Structured()
	if _, ok := doc["scan_results"]; ok {
		t.Error("the finding was sent")
	}
	if doc["ports"] == nil {
		t.Errorf("the findings that fit were not sent: %v", doc)
	}
}

// TestRawToolOutput runs a scan whose raw output (nmap's XML of a /24,
// 175 KB) is far over the findings index's row limit: the current line
// gets it as action_output, which is no finding; 2.4.0, which would store
// it whole as a text finding, fail the insert and roll the callback back,
// does not get it. The inject finishes on both.
func TestRawToolOutput(t *testing.T) {
	tests := []struct {
		name    string
		version openaevtest.Version
		sent    bool
		status  string
	}{
		{"current", openaevtest.Current, true, "EXECUTED"},
		{"2.4.0", openaevtest.Version24, false, "SUCCESS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLimitedEnv(t, tt.version, 0, false)
			e.nmap.raw = strings.Repeat("<host/>", 25<<10)
			if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-x", 3)); err != nil {
				t.Fatal(err)
			}
			done, ok := e.platform.Terminal("inj-x")
			if !ok || !done.Processed() {
				t.Fatalf("terminal callback not processed: %s", done.Reason)
			}
			doc, _ := done.Structured()
			if _, sent := doc["action_output"]; sent != tt.sent || doc["scan_results"] == nil {
				t.Errorf("action_output sent: %v, want %v; findings %v", sent, tt.sent, slices.Sorted(maps.Keys(doc)))
			}
			if got := e.platform.InjectStatus("inj-x"); got != tt.status {
				t.Errorf("inject status %s, want %s", got, tt.status)
			}
		})
	}
}

func TestValidateMaxPayloadSize(t *testing.T) {
	tests := []struct {
		n  int64
		ok bool
	}{
		{-5, false}, {0, false}, {1023, false}, {1024, true}, {openaev.DefaultMaxPayloadSize, true},
		{64 << 20, true}, {64<<20 + 1, false},
	}
	for _, tt := range tests {
		err := openaev.ValidateMaxPayloadSize(tt.n)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateMaxPayloadSize(%d) = %v, want ok %v", tt.n, err, tt.ok)
		}
		if err != nil && (!strings.Contains(err.Error(), "max_payload_size") || !strings.Contains(err.Error(), fmt.Sprint(tt.n))) {
			t.Errorf("error %q does not name the setting and the value", err)
		}
	}
	p := openaev.NewProfile(nil, nil, nil)
	if p.MaxPayloadSize() != openaev.DefaultMaxPayloadSize {
		t.Errorf("default max payload size %d", p.MaxPayloadSize())
	}
}

// TestFindingTooLargeIsWarned checks that each finding the terminal
// callback leaves out gets one WARN naming it, its size and the max
// payload size, and the size to give instead: with it, every finding is
// sent and nothing is warned of.
func TestFindingTooLargeIsWarned(t *testing.T) {
	for name, v := range map[string]openaevtest.Version{"2.4.0": openaevtest.Version24, "current": openaevtest.Current} {
		t.Run(name, func(t *testing.T) {
			const limit = 2 << 10
			e := newLimitedEnv(t, v, limit, false)
			if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-f", 40)); err != nil {
				t.Fatal(err)
			}
			done, ok := e.platform.Terminal("inj-f")
			if !ok || !done.Processed() {
				t.Fatalf("terminal %v", done)
			}
			msg := done.Body["execution_message"].(string)
			warns := e.logs.FilterMessageSnippet("finding not sent").FilterLevelExact(zapcore.WarnLevel).All()
			if len(warns) == 0 {
				t.Fatalf("no WARN for the findings left out (message %q)", msg)
			}
			needs := int64(0)
			for _, w := range warns {
				f := w.ContextMap()
				name, _ := f["finding"].(string)
				if !strings.Contains(msg, fmt.Sprintf("finding %s (%d bytes) too large to send", name, f["bytes"])) {
					t.Errorf("WARN names %s of %v bytes, the message %q does not", name, f["bytes"], msg)
				}
				// Its count says none of it was sent, and why.
				if !regexp.MustCompile(`[(, ]` + regexp.QuoteMeta(name) + `: 0 \(\d+ left out: too large for the callback\)`).MatchString(msg) {
					t.Errorf("the message %q does not count %s as left out, too large", msg, name)
				}
				if f["inject_id"] != "inj-f" || f["max_payload_size"] != int64(limit) {
					t.Errorf("WARN fields %v", f)
				}
				needs, _ = f["needs"].(int64)
				if needs <= limit || !strings.Contains(w.Message, fmt.Sprintf("--max-payload-size %d", needs)) {
					t.Errorf("WARN %q %v does not say the size that sends the findings", w.Message, f)
				}
			}
			if n := strings.Count(msg, "too large to send"); n != len(warns) {
				t.Errorf("%d WARN lines, %d findings left out in the message %q", len(warns), n, msg)
			}

			// The size the WARN gives sends every finding.
			e = newLimitedEnv(t, v, needs, false)
			if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-g", 40)); err != nil {
				t.Fatal(err)
			}
			done, _ = e.platform.Terminal("inj-g")
			doc, _ := done.Structured()
			for _, w := range warns {
				if name := w.ContextMap()["finding"].(string); doc[name] == nil {
					t.Errorf("finding %s not sent with --max-payload-size %d", name, needs)
				}
			}
			if n := e.logs.FilterMessageSnippet("finding not sent").Len(); n != 0 {
				t.Errorf("%d WARN lines with --max-payload-size %d", n, needs)
			}
		})
	}
}
