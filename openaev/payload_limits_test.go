package openaev_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/signatures"
)

// TestLargestPayloadDeliveredWhole: with the largest max payload size,
// signatures whose structured output would exceed the platform's string
// limit (Jackson's 20,000,000 characters) are split so that no body
// carries a longer one: the platform takes every callback and stores
// every signature, the inject completed (on a platform whose broker
// takes such bodies).
func TestLargestPayloadDeliveredWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("sends over 20 MB of signatures")
	}
	// noop's signatures carry no target address: a target's share of the
	// structured output is its attribution and its two groups of source
	// address and times, some 600 bytes with a short asset id. Asset and
	// agent ids of the most bytes the profile takes (signatures.MaxIDLength)
	// make it some 1,110, so that 18,500 targets carry the 20,000,000 and
	// more that a split needs: half the targets a short id needed (36,000),
	// each a per-target trace, a stored signature row and its share of
	// every body's encoding and decoding. What is checked is the same: the
	// structured output is over the limit (asserted below), split into
	// bodies the platform takes, and every target's signatures stored.
	const targets = 18_500
	// A deployment that raised its broker's max_message_size: RabbitMQ
	// drops a larger callback by default (16 MiB).
	// The stand-in reads each 20 MB body before it answers: under the
	// race detector on a loaded machine that can take longer than the
	// default limit of one attempt, which is not what this test checks.
	e := newServeEnv(t, serveOpts{version: openaevtest.Current, injectors: "nmap, noop", limit: openaev.MaxMaxPayloadSize, timeout: 10 * time.Minute,
		platform: []openaevtest.Option{openaevtest.WithMaxMessageSize(openaev.MaxMaxPayloadSize + 1<<20)}}).env
	e.register(t)
	// Host names are not in the structured output: short ones keep the
	// per-target traces short.
	hosts := make([]map[string]any, targets)
	for i := range hosts {
		id := func(prefix string) string { // signatures.MaxIDLength bytes
			return fmt.Sprintf("%s%05d-", prefix, i) + strings.Repeat("x", signatures.MaxIDLength-7)
		}
		hosts[i] = asset("asset", id("a"), fmt.Sprintf("t%05d.example", i), "", nil, id("g"))
	}
	msg := e.message(t, "inj-big", "noop", map[string]any{"target_selector": "assets", "target_property_selector": "hostname",
		"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}, hosts, nil)
	if err := e.proc.Process(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	var structured, bodies int
	seen := map[string]bool{}
	for _, c := range e.platform.Calls("inj-big") {
		if c.Kind != openaevtest.KindComplete && c.Kind != openaevtest.KindData {
			continue
		}
		bodies++
		if c.Status != 200 || !c.Processed() {
			t.Fatalf("%s: %d %s %s", c.Kind, c.Status, c.Outcome, c.Reason)
		}
		s, _ := c.Body["execution_output_structured"].(string)
		structured += len(s)
		for _, sig := range c.Signatures {
			seen[sig.Asset] = true
		}
	}
	if structured <= openaevtest.MaxStringLen || bodies < 2 {
		t.Fatalf("%d bytes of structured output in %d bodies: the test needs more than %d", structured, bodies, openaevtest.MaxStringLen)
	}
	if len(seen) != targets {
		t.Errorf("signatures of %d targets stored, want all %d", len(seen), targets)
	}
	if st := e.platform.InjectStatus("inj-big"); st != "EXECUTED" {
		t.Errorf("inject %s, want EXECUTED", st)
	}
}

// TestBrokerLimitWarned checks that a max payload size letting bodies
// exceed what the platform's broker takes by default (RabbitMQ's 16 MiB
// max_message_size, less the callback's wrapper) gets one WARN saying the
// broker drops them unless its max_message_size is raised, and is kept.
func TestBrokerLimitWarned(t *testing.T) {
	tests := []struct {
		size int64
		warn bool
	}{
		{openaev.DefaultMaxPayloadSize, false},
		{openaev.MaxQueuedBodySize, false},
		{openaev.MaxQueuedBodySize + 1, true},
		{16 << 20, true},
		{openaev.MaxMaxPayloadSize, true},
	}
	for _, tt := range tests {
		t.Run(strconv.FormatInt(tt.size, 10), func(t *testing.T) {
			log, logs := testkit.Logger()
			p := openaev.NewProfile(nil, nil, log, openaev.WithMaxPayloadSize(tt.size))
			if p.MaxPayloadSize() != tt.size {
				t.Errorf("max payload size %d, want %d kept", p.MaxPayloadSize(), tt.size)
			}
			w := logs.FilterMessageSnippet("max_message_size").All()
			if len(w) != btoi(tt.warn) {
				t.Fatalf("%d WARN lines naming max_message_size, want %d", len(w), btoi(tt.warn))
			}
			if tt.warn && (w[0].Level.String() != "warn" || w[0].ContextMap()["max_payload_size"] != tt.size ||
				!strings.Contains(w[0].Message, "drops") || !strings.Contains(w[0].Message, "raise max_message_size")) {
				t.Errorf("WARN %s %q %v", w[0].Level, w[0].Message, w[0].ContextMap())
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sentFindings runs an nmap inject of 40 assets with the max payload
// size limit and returns the findings its terminal callback carries, the
// size of that callback, and the needs of the WARN lines saying a finding
// was left out (one per line).
func sentFindings(t *testing.T, v openaevtest.Version, limit int64) (findings []string, size int, needs []int64) {
	t.Helper()
	e := newLimitedEnv(t, v, limit, false)
	if err := e.proc.Process(context.Background(), nmapAssetsMessage(t, e, "inj-b", 40)); err != nil {
		t.Fatal(err)
	}
	done, ok := e.platform.Terminal("inj-b")
	if !ok || !done.Processed() {
		t.Fatalf("max payload size %d: terminal callback %v", limit, done)
	}
	if len(done.Raw) > int(limit) {
		t.Errorf("max payload size %d: a terminal callback of %d bytes", limit, len(done.Raw))
	}
	doc, _ := done.Structured()
	delete(doc, openaev.FieldExpectationSignatures)
	for _, w := range e.logs.FilterMessageSnippet("finding not sent").All() {
		n, _ := w.ContextMap()["needs"].(int64)
		needs = append(needs, n)
	}
	return slices.Sorted(maps.Keys(doc)), len(done.Raw), needs
}

// TestFindingsFitToTheByte checks the planner around the size that holds
// every finding: no room is kept for a note on what is left out unless a
// note is written, so the findings travel with a max payload size of
// exactly the size the WARN advises, the size of the terminal callback
// that carries them (its signatures, on the current line, follow in
// "data" callbacks), and one byte less leaves one out.
func TestFindingsFitToTheByte(t *testing.T) {
	for name, v := range map[string]openaevtest.Version{"2.4.0": openaevtest.Version24, "current": openaevtest.Current} {
		t.Run(name, func(t *testing.T) {
			all, _, _ := sentFindings(t, v, openaev.MaxMaxPayloadSize)
			_, _, advised := sentFindings(t, v, 2<<10)
			if len(advised) == 0 || advised[0] <= 2<<10 {
				t.Fatalf("WARN needs %v with a max payload size of 2 KiB", advised)
			}
			needs := advised[0]
			tests := []struct {
				name  string
				limit int64
				all   bool
			}{
				{"one byte short", needs - 1, false},
				{"exactly", needs, true},
				{"one byte more", needs + 1, true},
				{"a note's room more, less one", needs + 511, true},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					got, size, warned := sentFindings(t, v, tt.limit)
					if sent := slices.Equal(got, all); sent != tt.all {
						t.Fatalf("max payload size %d (needs %d): findings %v sent, want all of %v: %v", tt.limit, needs, got, all, tt.all)
					}
					if tt.all && len(warned) > 0 {
						t.Errorf("max payload size %d: every finding sent, and WARN lines %v", tt.limit, warned)
					}
					if !tt.all && (len(warned) == 0 || warned[0] != needs) {
						t.Errorf("max payload size %d: WARN needs %v, want %d", tt.limit, warned, needs)
					}
					if tt.limit == needs && size != int(needs) {
						t.Errorf("the advised %d bytes hold a terminal callback of %d", needs, size)
					}
				})
			}
		})
	}
}
