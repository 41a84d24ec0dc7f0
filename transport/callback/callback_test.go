package callback_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// report runs a fake injector on two targets and returns its report.
func report(t *testing.T) *runtime.Report {
	t.Helper()
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{} })
	r, err := runtime.New(reg).Run(context.Background(), runtime.Request{InjectID: "inj-1", Injector: "fake",
		Targets: []runtime.TargetSpec{{Value: "127.0.0.1", Asset: "a-1"}, {Value: "127.0.0.2"}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// want returns the bodies the wire format gives for r.
func want(t *testing.T, r *runtime.Report, maxSize int) [][]byte {
	t.Helper()
	p, err := r.Payload()
	if err != nil {
		t.Fatal(err)
	}
	b, err := transporttest.Bodies(r.InjectID, r.Phase, p, maxSize)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPrinter(t *testing.T) {
	r := report(t)
	for _, size := range []int{0, 800} {
		var out bytes.Buffer
		if err := (callback.Printer{W: &out, MaxPayloadSize: size}).Deliver(context.Background(), r); err != nil {
			t.Fatal(err)
		}
		bodies := want(t, r, size)
		if got := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n")); len(got) != len(bodies) {
			t.Fatalf("size %d: %d lines for %d bodies", size, len(got), len(bodies))
		} else {
			for i := range got {
				if !bytes.Equal(got[i], bodies[i]) {
					t.Errorf("size %d: line %d = %s, want %s", size, i, got[i], bodies[i])
				}
			}
		}
	}
}

func TestDeliverer(t *testing.T) {
	tests := []struct {
		name   string
		status int
		sent   int
	}{
		{"accepted", http.StatusOK, 2},
		{"rejected: the send stops at the first body", http.StatusBadRequest, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := transporttest.NewBackend(t)
			be.SetReply(transporttest.Reply{Status: tt.status})
			c, err := transport.New(be.URL, transport.WithMaxPayloadSize(800), transport.WithRetry(1, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			r := report(t)
			err = callback.Deliverer{Client: c}.Deliver(context.Background(), r)
			var te *transport.TransmissionError
			if (err == nil) != (tt.status == http.StatusOK) || err != nil && !errors.As(err, &te) {
				t.Fatalf("err = %v", err)
			}
			got := be.Requests()
			bodies := want(t, r, 800)
			if len(got) != tt.sent || len(bodies) != 2 {
				t.Fatalf("%d bodies posted, %d planned", len(got), len(bodies))
			}
			for i := range got {
				if !bytes.Equal(got[i].Body, bodies[i]) || !strings.Contains(string(got[i].Body), `"chunk_index":`) {
					t.Errorf("body %d = %s", i, got[i].Body)
				}
			}
		})
	}
}

// The run's log line says what a printer did: printed the bodies, or,
// writing to io.Discard behind a summary, sent nothing.
func TestPrinterDeliveredAs(t *testing.T) {
	if got := (callback.Printer{W: &bytes.Buffer{}}).DeliveredAs(); got != "printed" {
		t.Errorf("printing: %q", got)
	}
	if got := (callback.Printer{W: io.Discard}).DeliveredAs(); !strings.HasPrefix(got, "not sent") {
		t.Errorf("discarding: %q", got)
	}
}

// What the callback profile can never send is refused before the inject
// runs: nothing executed, nothing posted, nothing stored in the outbox.
func TestReceivedRefusesWhatCannotBeSent(t *testing.T) {
	big := strings.Repeat("a", 5000)
	tests := []struct {
		name    string
		max     int
		req     runtime.Request
		want    string
		tooBig  bool
		printed bool // also refused by the Printer
	}{
		{"one target too large for the limit", 300,
			runtime.Request{InjectID: "i-1", Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}},
			`invalid targets[0] "127.0.0.1": its signatures fit in no body of at most 300 bytes (max_payload_size); this inject needs at least`, true, true},
		{"second target with a huge asset", 4096,
			runtime.Request{InjectID: "i-2", Injector: "fake", Targets: []runtime.TargetSpec{{Value: "10.0.0.1"}, {Value: "10.0.0.2", Asset: big}}},
			`invalid targets[1] "10.0.0.2": its signatures fit in no body of at most 4096 bytes (max_payload_size); this inject needs at least 5`, true, true},
		{"empty inject id", 0,
			runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}},
			`invalid inject_id: empty inject id`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var posts atomic.Int32
			be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { posts.Add(1) }))
			defer be.Close()
			opts := []transport.Option{transport.WithRetry(1, time.Millisecond)}
			if tt.max > 0 {
				opts = append(opts, transport.WithMaxPayloadSize(tt.max))
			}
			c, err := transport.New(be.URL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			store, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			ex := &frameworktest.Executor{}
			reg := framework.NewRegistry()
			reg.Register("fake", func() framework.Executor { return ex })
			d := &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: store}
			_, err = runtime.New(reg, runtime.WithDeliverer(d)).Run(context.Background(), tt.req)
			check(t, err, tt.want, tt.tooBig)
			if len(ex.Calls()) != 0 || posts.Load() != 0 {
				t.Errorf("ran %d times, posted %d bodies", len(ex.Calls()), posts.Load())
			}
			if st, err := store.Stats(); err != nil || st.Pending+st.Dead != 0 {
				t.Errorf("outbox holds %+v (%v)", st, err)
			}
			if !tt.printed {
				return
			}
			var out bytes.Buffer
			p := callback.Printer{W: &out, MaxPayloadSize: tt.max}
			_, err = runtime.New(reg, runtime.WithDeliverer(p)).Run(context.Background(), tt.req)
			check(t, err, tt.want, tt.tooBig)
			if len(ex.Calls()) != 0 || out.Len() != 0 {
				t.Errorf("printer: ran %d times, printed %q", len(ex.Calls()), out.String())
			}
		})
	}
}

func check(t *testing.T, err error, want string, tooBig bool) {
	t.Helper()
	var re *runtime.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *runtime.RequestError", err)
	}
	if !strings.Contains(err.Error(), want) || len(err.Error()) > 400 {
		t.Errorf("error %q does not say %q, or is too long", err, want)
	}
	var tl *transport.TargetTooLargeError
	if tooBig != errors.As(err, &tl) || tooBig != errors.Is(err, transport.ErrTargetTooLarge) {
		t.Errorf("error %v: want a *transport.TargetTooLargeError in its chain: %v", err, tooBig)
	}
}

// The printer refuses a limit no body with one target fits, before the
// run; a limit that fits is accepted and the bodies printed.
func TestPrinterReceived(t *testing.T) {
	reg := framework.NewRegistry()
	ex := &frameworktest.Executor{}
	reg.Register("fake", func() framework.Executor { return ex })
	req := runtime.Request{InjectID: "i-1", Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}, {Value: "127.0.0.2"}}}
	var out bytes.Buffer
	_, err := runtime.New(reg, runtime.WithDeliverer(callback.Printer{W: &out, MaxPayloadSize: 100})).Run(context.Background(), req)
	check(t, err, `invalid max_payload_size "100": smaller than a body holding one minimal target`, false)
	if len(ex.Calls()) != 0 || out.Len() != 0 {
		t.Fatal("ran or printed")
	}
	if _, err := runtime.New(reg, runtime.WithDeliverer(callback.Printer{W: &out, MaxPayloadSize: 800})).Run(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("printed %d bodies, want 2 chunks", n)
	}
}
