package callback_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
	"github.com/injectkit/injectkit/transport/outbox"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// sent is what a backend (or a printer's reader) holds of a delivery:
// each target's value groups by its target_ipv4, and the largest body.
type sent struct {
	groups  map[string]map[string]map[string]any // target → expectation type → signature type → value
	largest int
}

func received(t *testing.T, bodies [][]byte) sent {
	t.Helper()
	s := sent{groups: map[string]map[string]map[string]any{}}
	for _, raw := range bodies {
		s.largest = max(s.largest, len(raw))
		for _, tg := range transporttest.ParseBody(t, raw).ExpectationSignature.Targets {
			byType := map[string]map[string]any{}
			for _, g := range tg.SignatureValues {
				byType[g.ExpectationType] = g.Map()
			}
			ip, _ := byType["DETECTION"]["target_ipv4"].(string)
			if _, dup := s.groups[ip]; dup {
				t.Errorf("target %s sent twice", ip)
			}
			s.groups[ip] = byType
		}
	}
	return s
}

// A target whose extra signatures outgrow every body once the injector
// ran loses those extras only, with a WARN naming it and its size; every
// other target, and its own core signatures and small extras, reach the
// backend, and the delivery succeeds (nothing is left in the outbox).
func TestOversizeExtrasLeftOut(t *testing.T) {
	const maxSize = 4096
	big := strings.Repeat("A", 3*maxSize)
	tests := []struct {
		name string
		out  framework.ToolOutput
		cut  []string // the targets cut
	}{
		{"one target's extra", framework.ToolOutput{
			ExtraSignatures: map[string]any{"parent_process_name": "fake"},
			TargetExtras: map[framework.Target]framework.TypeExtras{{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"},
				Attribution: signatures.Attribution{Asset: "a-1"}}: {framework.Detection: {"process_name": big}}},
		}, []string{"127.0.0.1"}},
		{"an extra of every target", framework.ToolOutput{
			ExtraSignatures: map[string]any{"parent_process_name": "fake", "process_name": big},
		}, []string{"127.0.0.1", "127.0.0.2"}},
		{"an extra of one type", framework.ToolOutput{
			ExtraSignatures: map[string]any{"parent_process_name": "fake"},
			ExtraByType:     framework.TypeExtras{framework.Prevention: {"process_name": big}},
		}, []string{"127.0.0.1", "127.0.0.2"}},
	}
	paths := []struct {
		name    string
		deliver func(t *testing.T, c *transport.Client, be *transporttest.Backend, log *zap.Logger) (runtime.Deliverer, func() [][]byte)
	}{
		{"posted", func(t *testing.T, c *transport.Client, be *transporttest.Backend, _ *zap.Logger) (runtime.Deliverer, func() [][]byte) {
			return callback.Deliverer{Client: c}, func() [][]byte { return posted(be) }
		}},
		{"stored then posted", func(t *testing.T, c *transport.Client, be *transporttest.Backend, _ *zap.Logger) (runtime.Deliverer, func() [][]byte) {
			store, err := outbox.Open(filepath.Join(t.TempDir(), "outbox.db"), outbox.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			return &outbox.Deliverer{Profile: callback.Deliverer{Client: c}, Store: store}, func() [][]byte {
				if st, err := store.Stats(); err != nil || st.Pending+st.Dead != 0 {
					t.Errorf("outbox after the delivery: %+v, %v", st, err)
				}
				return posted(be)
			}
		}},
		{"printed", func(t *testing.T, _ *transport.Client, _ *transporttest.Backend, log *zap.Logger) (runtime.Deliverer, func() [][]byte) {
			var out bytes.Buffer
			return callback.Printer{W: &out, MaxPayloadSize: maxSize, Log: log}, func() [][]byte {
				return bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
			}
		}},
	}
	for _, tt := range tests {
		for _, p := range paths {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				core, logs := observer.New(zapcore.InfoLevel)
				log := zap.New(core)
				be := transporttest.NewBackend(t)
				c, err := transport.New(be.URL, transport.WithMaxPayloadSize(maxSize), transport.WithRetry(1, time.Millisecond), transport.WithLogger(log))
				if err != nil {
					t.Fatal(err)
				}
				d, bodies := p.deliver(t, c, be, log)
				reg := framework.NewRegistry()
				reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{Output: tt.out} })
				_, err = runtime.New(reg, runtime.WithDeliverer(d)).Run(context.Background(), runtime.Request{InjectID: "inj-big", Injector: "fake",
					ExpectationTypes: []string{"DETECTION", "PREVENTION"},
					Targets:          []runtime.TargetSpec{{Value: "127.0.0.1", Asset: "a-1"}, {Value: "127.0.0.2"}}})
				if err != nil {
					t.Fatalf("delivery: %v", err)
				}
				got := received(t, bodies())
				if got.largest > maxSize {
					t.Errorf("a body of %d bytes, over the limit of %d", got.largest, maxSize)
				}
				for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
					for _, et := range []string{"DETECTION", "PREVENTION"} {
						g := got.groups[ip][et]
						if g == nil {
							t.Fatalf("target %s: no %s group reached the backend (got %v)", ip, et, got.groups)
						}
						if g["execution_status"] != "success" || g["parent_process_name"] != "fake" {
							t.Errorf("target %s %s: core or small extra lost: %v", ip, et, g)
						}
						if v, ok := g["process_name"].(string); ok && len(v) > maxSize {
							t.Errorf("target %s %s: the oversize extra was sent", ip, et)
						}
					}
				}
				warns := logs.FilterMessage("extra signatures left out to fit the max payload size").All()
				if len(warns) != 1 {
					t.Fatalf("%d WARNs of extras left out, want 1", len(warns))
				}
				w := warns[0].ContextMap()
				cut, _ := w["cut"].(string)
				if w["targets"] != int64(len(tt.cut)) || w["inject_id"] != "inj-big" {
					t.Errorf("WARN = %v", w)
				}
				for _, ip := range tt.cut {
					if !strings.Contains(cut, `"`+ip+`"`) || !strings.Contains(cut, "process_name") || !strings.Contains(cut, " bytes") {
						t.Errorf("WARN does not name %s, its size and the extra: %q", ip, cut)
					}
				}
			})
		}
	}
}

// posted returns the bodies the backend accepted.
func posted(be *transporttest.Backend) [][]byte {
	var out [][]byte
	for _, r := range be.Requests() {
		if r.Status/100 == 2 {
			out = append(out, r.Body)
		}
	}
	return out
}

// A target whose core signatures alone outgrow every body (a report the
// size check before the run never saw) is left out, with a WARN naming
// it and its size; the others are delivered. A payload whose every
// target is too large is the target's error, and nothing is posted.
func TestOversizeTargetLeftOut(t *testing.T) {
	const maxSize = 1000
	long := strings.Repeat("h", 60) + "." + strings.Repeat("o", 60) + "." + strings.Repeat("s", 60) + ".example.com"
	tests := []struct {
		name    string
		targets []runtime.TargetSpec
		sent    []string // target_ipv4 values delivered
	}{
		{"the others delivered", []runtime.TargetSpec{{Value: long, Asset: strings.Repeat("a", 200)}, {Value: "127.0.0.2"}}, []string{"127.0.0.2"}},
		{"none fits", []runtime.TargetSpec{{Value: long, Asset: strings.Repeat("a", 200)}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := framework.NewRegistry()
			reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{} })
			// No deliverer: the report never met the size check of
			// Received.
			r, err := runtime.New(reg).Run(context.Background(), runtime.Request{InjectID: "inj-big", Injector: "fake",
				ExpectationTypes: []string{"DETECTION", "PREVENTION"}, Targets: tt.targets})
			if err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zapcore.InfoLevel)
			be := transporttest.NewBackend(t)
			c, err := transport.New(be.URL, transport.WithMaxPayloadSize(maxSize), transport.WithRetry(1, time.Millisecond), transport.WithLogger(zap.New(core)))
			if err != nil {
				t.Fatal(err)
			}
			err = callback.Deliverer{Client: c}.Deliver(context.Background(), r)
			if tt.sent == nil {
				var tl *transport.TargetTooLargeError
				if !errors.As(err, &tl) || tl.Index != 0 || len(be.Requests()) != 0 {
					t.Fatalf("err = %v, %d bodies posted; want target 0 too large, nothing posted", err, len(be.Requests()))
				}
				return
			}
			if err != nil {
				t.Fatalf("delivery: %v", err)
			}
			got := received(t, posted(be))
			if len(got.groups) != len(tt.sent) {
				t.Errorf("targets delivered: %v, want %v", got.groups, tt.sent)
			}
			for _, ip := range tt.sent {
				if got.groups[ip]["DETECTION"]["execution_status"] != "success" {
					t.Errorf("target %s not delivered whole: %v", ip, got.groups[ip])
				}
			}
			warns := logs.FilterMessage("signatures not sent: a target's are larger than the max payload size; the backend gets none for it").All()
			if len(warns) != 1 {
				t.Fatalf("%d WARNs of targets left out, want 1", len(warns))
			}
			if w, _ := warns[0].ContextMap()["left_out"].(string); !strings.Contains(w, "targets[0]") || !strings.Contains(w, long[:20]) || !strings.Contains(w, " bytes") {
				t.Errorf("WARN does not name the target and its size: %q", w)
			}
		})
	}
}
