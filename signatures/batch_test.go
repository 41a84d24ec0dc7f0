package signatures_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// A Batch holds the same signatures and payload as CompilePre,
// CompilePost and BuildPayload build, for every outcome.
func TestBatchMatchesCompile(t *testing.T) {
	ck := testkit.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
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
			ck.Add(time.Second)
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

// TestBatchPayloadTargetsLayouts checks that a batch's streamed targets,
// built in one reused layout while each target's values take the room of
// the last one's, are BuildPayload's, target by target, as the layout
// changes: an identity of another field or of other values (routes), and
// partial results for some targets only, with a type whose extras are its
// own beside two that share their values.
func TestBatchPayloadTargetsLayouts(t *testing.T) {
	cfgs := []signatures.Config{
		signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}, signatures.NetworkConfig{TargetIPv4: "10.0.0.2"},
		signatures.NetworkConfig{TargetHostname: "web.example.com"}, signatures.NetworkConfig{TargetIPv6: "2001:db8::1"},
		signatures.NetworkConfig{TargetIPv4: "10.0.0.3"}, signatures.NetworkConfig{TargetIPv4: "10.0.0.4"},
		signatures.NetworkConfig{TargetIPv4: "10.0.0.5"},
	}
	outs := []struct {
		name string
		out  signatures.ToolOutput
	}{
		{"success", signatures.ToolOutput{Status: signatures.StatusSuccess}},
		{"timeout, partial results of some targets", signatures.ToolOutput{Status: signatures.StatusTimeout,
			TimeoutInfo: &signatures.TimeoutInfo{PartialResults: []string{
				"Nmap scan report for 10.0.0.2", "Nmap scan report for 2001:db8::1", "Nmap scan report for 10.0.0.3"}}}},
	}
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention, signatures.Vulnerability}
	extras := signatures.TypeExtras{signatures.Prevention: {"blocked": true}}
	attr := func(i int) signatures.Attribution { return signatures.Attribution{Asset: fmt.Sprintf("asset-%d", i)} }
	for _, routes := range []bool{false, true} {
		for _, tc := range outs {
			t.Run(fmt.Sprintf("%s, routes %v", tc.name, routes), func(t *testing.T) {
				ck := testkit.NewClock(time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC))
				m := signatures.NewManager(signatures.WithClock(ck.Now), signatures.WithResolver(pinnedResolver("172.17.0.2", "", nil)))
				post, err := m.Post(batchOf(t, m, routes, cfgs), tc.out)
				if err != nil {
					t.Fatal(err)
				}
				sigs := make([]signatures.Signature, post.Len())
				metas := make([]signatures.Attribution, post.Len())
				for i, s := range post.All() {
					sigs[i], metas[i] = s, attr(i)
				}
				want, err := signatures.BuildPayload(sigs, metas, types, extras)
				if err != nil {
					t.Fatal(err)
				}
				seq, err := post.PayloadTargets(attr, types, extras)
				if err != nil {
					t.Fatal(err)
				}
				partials := 0
				for i, pt := range seq {
					if !reflect.DeepEqual(pt, want.Targets[i]) {
						t.Errorf("streamed target %d:\n got %+v\nwant %+v", i, pt, want.Targets[i])
					}
					if len(sigs[i].PartialResults) > 0 {
						partials++
					}
				}
				if tc.out.TimeoutInfo != nil && (partials == 0 || partials == len(cfgs)) {
					t.Errorf("%d of %d targets hold partial results: the layout does not change", partials, len(cfgs))
				}
			})
		}
	}
}
