package signatures_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// A Batch holds the same signatures and payload as CompilePre,
// CompilePost and BuildPayload build, for every outcome.
func TestBatchMatchesCompile(t *testing.T) {
	ck := newClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
	m := signatures.NewManager(signatures.WithClock(ck.Now), signatures.WithResolver(pinnedResolver("172.17.0.2", "2001:db8::7", nil)))
	cases := []struct {
		name string
		cfgs []signatures.Config
		out  signatures.ToolOutput
	}{
		{"network success", []signatures.Config{signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, signatures.NetworkConfig{TargetHostname: "web.example.com"}},
			signatures.ToolOutput{Status: signatures.StatusSuccess, ExtraSignatures: map[string]any{"port": 22}}},
		{"cloud timeout", []signatures.Config{signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"}},
			signatures.ToolOutput{Status: signatures.StatusTimeout, TimeoutInfo: &signatures.TimeoutInfo{PartialResults: []string{"r1"}}}},
		{"external failed", []signatures.Config{signatures.ExternalConfig{Query: "q", TargetIPv4: "192.0.2.1"}},
			signatures.ToolOutput{Status: signatures.StatusFailed, ErrorInfo: &signatures.ErrorInfo{ExitCode: 1, CrashTimestamp: "2026-11-30T10:00:05Z"}}},
	}
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	targets := []signatures.Attribution{{Asset: "a-1"}, {Agent: "ag"}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pre, err := m.CompilePre(tc.cfgs...)
			if err != nil {
				t.Fatal(err)
			}
			bpre, err := m.Batch(len(tc.cfgs), func(i int) signatures.Config { return tc.cfgs[i] })
			if err != nil {
				t.Fatal(err)
			}
			ck.Advance(time.Second)
			post, err := m.CompilePost(pre, tc.out)
			if err != nil {
				t.Fatal(err)
			}
			bpost, err := m.Post(bpre, tc.out)
			if err != nil {
				t.Fatal(err)
			}
			if bpost.Len() != len(post) {
				t.Fatalf("Len %d, want %d", bpost.Len(), len(post))
			}
			for i, s := range bpost.All() {
				if !reflect.DeepEqual(s, post[i]) {
					t.Errorf("signature %d:\n got %+v\nwant %+v", i, s, post[i])
				}
				if !reflect.DeepEqual(bpre.Signature(i), pre[i]) {
					t.Errorf("pre signature %d:\n got %+v\nwant %+v", i, bpre.Signature(i), pre[i])
				}
			}
			attr := targets[:len(tc.cfgs)]
			want, err := signatures.BuildPayload(post, attr, types, signatures.TypeExtras{signatures.Detection: {"x": 1}})
			if err != nil {
				t.Fatal(err)
			}
			at := func(i int) signatures.Attribution { return attr[i] }
			got, err := bpost.Payload(at, types, signatures.TypeExtras{signatures.Detection: {"x": 1}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("payload:\n got %+v\nwant %+v", got, want)
			}
			seq, err := bpost.PayloadTargets(at, types, signatures.TypeExtras{signatures.Detection: {"x": 1}})
			if err != nil {
				t.Fatal(err)
			}
			for i, pt := range seq {
				if !reflect.DeepEqual(pt, want.Targets[i]) {
					t.Errorf("streamed target %d:\n got %+v\nwant %+v", i, pt, want.Targets[i])
				}
			}
		})
	}
}

// Batch refuses what CompilePre refuses without validating each
// configuration: no configuration, a nil one, mixed categories; Post
// refuses what CompilePost refuses.
func TestBatchErrors(t *testing.T) {
	m := signatures.NewManager(signatures.WithResolver(pinnedResolver("172.17.0.2", "", nil)))
	of := func(cfgs ...signatures.Config) func(int) signatures.Config {
		return func(i int) signatures.Config { return cfgs[i] }
	}
	if _, err := m.Batch(0, of()); !errors.Is(err, signatures.ErrNoConfigs) {
		t.Errorf("no configuration: %v", err)
	}
	var ve *signatures.ValidationError
	if _, err := m.Batch(1, of(nil)); !errors.As(err, &ve) {
		t.Errorf("nil configuration: %v", err)
	}
	if _, err := m.Batch(2, of(signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, signatures.ExternalConfig{Query: "q"})); !errors.As(err, &ve) {
		t.Errorf("mixed categories: %v", err)
	}
	pre, err := m.Batch(1, of(signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Post(pre, signatures.ToolOutput{Status: signatures.StatusSuccess, ExtraSignatures: map[string]any{"target_ipv4": 1}}); !errors.As(err, &ve) {
		t.Errorf("extra colliding with a core field: %v", err)
	}
	if _, err := pre.PayloadTargets(func(int) signatures.Attribution { return signatures.Attribution{} }, nil, nil); !errors.As(err, &ve) {
		t.Errorf("no expectation type: %v", err)
	}
}
