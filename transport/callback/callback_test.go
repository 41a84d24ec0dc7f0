package callback_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
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
			be.SetReply(testkit.Reply{Status: tt.status})
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
