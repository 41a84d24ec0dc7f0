package transporttest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

func TestBodies(t *testing.T) {
	p := signatures.Payload{}
	for i := range 50 {
		p.Targets = append(p.Targets, signatures.PayloadTarget{
			SignatureTarget: signatures.Attribution{Asset: fmt.Sprintf("asset-%d", i)},
			SignatureValues: []signatures.ValueGroup{{ExpectationType: signatures.Detection, SignatureType: "target_ipv4", SignatureValue: "127.0.0.1"}},
		})
	}
	whole, err := transporttest.Bodies("inj", "post", p, 0)
	if err != nil || len(whole) != 1 {
		t.Fatalf("Bodies = %d bodies, %v; want 1", len(whole), err)
	}
	chunked, err := transporttest.Bodies("inj", "post", p, len(whole[0])/3)
	if err != nil || len(chunked) < 3 {
		t.Fatalf("Bodies = %d bodies, %v; want at least 3", len(chunked), err)
	}
	if !bytes.HasSuffix(chunked[0], []byte(fmt.Sprintf(`"chunk_index":0,"total_chunks":%d}`, len(chunked)))) {
		t.Errorf("first body %s", chunked[0])
	}
	var ve *transport.ValidationError
	if _, err := transporttest.Bodies("", "post", p, 0); !errors.As(err, &ve) {
		t.Errorf("empty inject id: %v, want a *ValidationError", err)
	}
}

// A backend answering 503 then 200 to a client that retries: one body is
// posted twice under one key, and delivered once.
func TestBackendDelivered(t *testing.T) {
	be := transporttest.NewBackend(t, http.StatusServiceUnavailable)
	c, err := transport.New(be.URL, transport.WithRetry(2, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	p := signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: signatures.Attribution{Asset: "a"},
		SignatureValues: []signatures.ValueGroup{{ExpectationType: signatures.Detection, SignatureType: "target_ipv4", SignatureValue: "127.0.0.1"}}}}}
	body, err := transporttest.Bodies("inj", "post", p, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PostBody(context.Background(), "inj", 0, body[0]); err != nil {
		t.Fatal(err)
	}
	reqs := be.Requests()
	key := transport.IdempotencyKey("inj", "post", 0, body[0])
	got := be.DeliveredOnce(t)
	if len(reqs) != 2 || reqs[0].Status != 503 || reqs[1].Status != 200 || reqs[0].Header.Get(transport.IdempotencyHeader) != key ||
		len(got) != 1 || len(got[key]) != 1 || !bytes.Equal(got[key][0], body[0]) {
		t.Errorf("requests %+v, delivered %q", reqs, got)
	}
}

func TestParseBody(t *testing.T) {
	p := signatures.Payload{Targets: []signatures.PayloadTarget{{SignatureTarget: signatures.Attribution{Asset: "a-1"},
		SignatureValues: []signatures.ValueGroup{{ExpectationType: signatures.Prevention, Values: []signatures.Value{
			{SignatureType: "target_ipv4", SignatureValue: "127.0.0.1"}, {SignatureType: "ports", SignatureValue: []int{22}}}}}}}}
	raw, err := transporttest.Bodies("inj", "post", p, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := transporttest.ParseBody(t, raw[0])
	v := b.Values(t, 0, "PREVENTION")
	if b.Phase != "post" || b.ExpectationSignature.Targets[0].SignatureTarget.Asset != "a-1" ||
		v["target_ipv4"] != "127.0.0.1" || fmt.Sprint(v["ports"]) != "[22]" {
		t.Errorf("body %+v, values %v", b, v)
	}
}

// fatalRecorder is a testing.TB whose Fatalf records its message and ends
// the goroutine, as a test's does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// PrintedBody takes the one body a run printed, and fails on none, on
// more than one, and on a line that is not a body.
func TestPrintedBody(t *testing.T) {
	body := `{"phase":"execution_complete","expectation_signature":{"targets":[{"signature_target":{"asset":"a-1"}}]}}`
	tests := []struct {
		name, stdout string
		fails        string // "": the body is taken
	}{
		{"one body", body + "\n", ""},
		{"nothing printed", "\n", "got 0 lines"},
		{"two bodies", body + "\n" + body + "\n", "got 2 lines"},
		{"not a body", "exit 0\n", "not a callback body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fatalRecorder{TB: t}
			var got transporttest.Body
			done := make(chan struct{})
			go func() {
				defer close(done)
				got = transporttest.PrintedBody(r, tt.stdout)
			}()
			<-done
			switch {
			case tt.fails == "" && (r.msg != "" || got.Phase != "execution_complete" ||
				got.ExpectationSignature.Targets[0].SignatureTarget.Asset != "a-1"):
				t.Errorf("body %+v, failed %q", got, r.msg)
			case tt.fails != "" && !strings.Contains(r.msg, tt.fails):
				t.Errorf("failed %q, want it to say %q", r.msg, tt.fails)
			}
		})
	}
}
