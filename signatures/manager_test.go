package signatures_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

const (
	srcV4 = "172.17.0.2"
	srcV6 = "2001:db8::2"
)

func TestCompilePreStartTimeIsCallTime(t *testing.T) {
	// The clock runs in a zone east of UTC and carries nanoseconds, both of
	// which the stamp must drop.
	c := testkit.NewClock(time.Date(2026, 11, 27, 3, 0, 0, 999, time.FixedZone("CET+2", 2*3600)))
	m := signatures.NewManager(signatures.WithClock(c.Now), signatures.WithResolver(pinnedResolver(srcV4, "", nil)))
	c.Add(90 * time.Second)
	pre, err := m.CompilePre(signatures.NetworkConfig{TargetIPv4: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-27T01:01:30Z"; pre[0].StartTime != want {
		t.Errorf("start_time = %q, want %q (time of the call, UTC)", pre[0].StartTime, want)
	}
	c.Add(time.Hour)
	again, err := m.CompilePre(signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-27T02:01:30Z"; again[0].StartTime != want {
		t.Errorf("second call start_time = %q, want %q", again[0].StartTime, want)
	}
}

func TestCompilePreErrors(t *testing.T) {
	netCfg := signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}
	cloudCfg := signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1"}
	extCfg := signatures.ExternalConfig{Query: "port:22"}
	tests := []struct {
		name      string
		cfgs      []signatures.Config
		wantIs    error
		wantField string
		wantValue string
	}{
		{name: "no configs", wantIs: signatures.ErrNoConfigs},
		{name: "network and cloud", cfgs: []signatures.Config{netCfg, cloudCfg}, wantField: "configs", wantValue: "cloud,network"},
		{name: "all three", cfgs: []signatures.Config{extCfg, netCfg, cloudCfg, netCfg}, wantField: "configs", wantValue: "cloud,external,network"},
		{name: "invalid second", cfgs: []signatures.Config{netCfg, signatures.NetworkConfig{TargetIPv4: "web"}}, wantField: "configs[1].target_ipv4", wantValue: "web"},
		{name: "invalid cloud", cfgs: []signatures.Config{signatures.CloudConfig{CloudProvider: "aws"}}, wantField: "configs[0].cloud_account_id"},
		{name: "invalid external", cfgs: []signatures.Config{extCfg, signatures.ExternalConfig{}}, wantField: "configs[1].query"},
		{name: "nil config", cfgs: []signatures.Config{netCfg, nil}, wantField: "configs[1]"},
		{name: "nil pointer config", cfgs: []signatures.Config{(*signatures.NetworkConfig)(nil)}, wantField: "configs[0]"},
		{name: "invalid pointer config", cfgs: []signatures.Config{&signatures.NetworkConfig{TargetIPv4: "x"}}, wantField: "configs[0].target_ipv4", wantValue: "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			m := signatures.NewManager(signatures.WithResolver(pinnedResolver(srcV4, "", &calls)))
			got, err := m.CompilePre(tt.cfgs...)
			if got != nil {
				t.Errorf("got %v alongside error", got)
			}
			if tt.wantIs != nil {
				if !errors.Is(err, tt.wantIs) {
					t.Fatalf("error = %v, want %v", err, tt.wantIs)
				}
			} else {
				wantValidation(t, err, tt.wantField, tt.wantValue)
			}
			if calls != 0 {
				t.Errorf("resolver consulted %d times for rejected input", calls)
			}
		})
	}
}

func TestCompilePreSignatures(t *testing.T) {
	const start = "2026-11-27T01:02:03Z"
	tests := []struct {
		name      string
		cfgs      []signatures.Config
		src       signatures.Resolver
		want      []signatures.Signature
		wantCalls int
	}{
		{
			name: "three network targets share one source",
			cfgs: []signatures.Config{
				signatures.NetworkConfig{TargetIPv4: "10.0.0.1"},
				signatures.NetworkConfig{TargetIPv6: "2001:db8::1"},
				signatures.NetworkConfig{TargetHostname: "web.example.com"},
			},
			want: []signatures.Signature{
				{SourceIPv4: srcV4, SourceIPv6: srcV6, TargetIPv4: "10.0.0.1", StartTime: start},
				{SourceIPv4: srcV4, SourceIPv6: srcV6, TargetIPv6: "2001:db8::1", StartTime: start},
				{SourceIPv4: srcV4, SourceIPv6: srcV6, TargetHostname: "web.example.com", StartTime: start},
			},
			wantCalls: 1,
		},
		{
			name:      "pointer network config",
			cfgs:      []signatures.Config{&signatures.NetworkConfig{TargetIPv4: "10.0.0.9"}},
			want:      []signatures.Signature{{SourceIPv4: srcV4, SourceIPv6: srcV6, TargetIPv4: "10.0.0.9", StartTime: start}},
			wantCalls: 1,
		},
		{
			name: "cloud multi-region keeps the account id",
			cfgs: []signatures.Config{
				signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3"},
				signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1", TargetService: "s3"},
				signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "ap-south-1"},
			},
			want: []signatures.Signature{
				{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3", StartTime: start},
				{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1", TargetService: "s3", StartTime: start},
				{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "ap-south-1", StartTime: start},
			},
		},
		{
			name: "external has no source ip",
			cfgs: []signatures.Config{
				signatures.ExternalConfig{Query: "port:22"},
				signatures.ExternalConfig{Query: "port:443", TargetIPv4: "192.0.2.7", TargetHostname: "web.example.com"},
			},
			want: []signatures.Signature{
				{Query: "port:22", StartTime: start},
				{Query: "port:443", TargetIPv4: "192.0.2.7", TargetHostname: "web.example.com", StartTime: start},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			m := signatures.NewManager(
				signatures.WithClock(testkit.NewClock(t0).Now),
				signatures.WithResolver(pinnedResolver(srcV4, srcV6, &calls)))
			got, err := m.CompilePre(tt.cfgs...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CompilePre:\n got %+v\nwant %+v", got, tt.want)
			}
			if calls != tt.wantCalls {
				t.Errorf("resolver consulted %d times, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestCompilePreOmitsEmptyFields(t *testing.T) {
	m := signatures.NewManager(signatures.WithClock(testkit.NewClock(t0).Now), signatures.WithResolver(pinnedResolver(srcV4, "", nil)))
	tests := []struct {
		cfg  signatures.Config
		want string
	}{
		{signatures.NetworkConfig{TargetHostname: "web.example.com"},
			`{"source_ipv4":"172.17.0.2","target_hostname":"web.example.com","start_time":"2026-11-27T01:02:03Z"}`},
		{signatures.CloudConfig{CloudProvider: "gcp", CloudAccountID: "proj-1", CloudRegion: "europe-west1"},
			`{"cloud_provider":"gcp","cloud_account_id":"proj-1","cloud_region":"europe-west1","start_time":"2026-11-27T01:02:03Z"}`},
		{signatures.ExternalConfig{Query: `ssl:"example"`},
			`{"query":"ssl:\"example\"","start_time":"2026-11-27T01:02:03Z"}`},
	}
	for _, tt := range tests {
		pre, err := m.CompilePre(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(pre[0])
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("%T signature:\n got %s\nwant %s", tt.cfg, b, tt.want)
		}
	}
}

func TestCompilePost(t *testing.T) {
	const (
		start = "2026-11-27T01:02:03Z"
		now   = "2026-11-27T01:07:03Z" // clock advanced 5 minutes
	)
	pre := []signatures.Signature{
		{SourceIPv4: srcV4, TargetIPv4: "10.0.0.1", StartTime: start, Extra: map[string]any{"scan_id": "s-1"}},
		{SourceIPv4: srcV4, TargetHostname: "web.example.com", StartTime: start},
	}
	tests := []struct {
		name        string
		out         signatures.ToolOutput
		wantStatus  signatures.ExecutionStatus
		wantEnd     string
		wantPartial []string
		wantExtra   map[string]any // merged into the second signature (which has no own extras)
		wantField   string         // a *ValidationError on this field
		wantValue   string
	}{
		{name: "success", out: signatures.ToolOutput{Status: signatures.StatusSuccess}, wantStatus: signatures.StatusSuccess, wantEnd: now},
		{name: "empty status is success", out: signatures.ToolOutput{}, wantStatus: signatures.StatusSuccess, wantEnd: now},
		{name: "partial", out: signatures.ToolOutput{Status: signatures.StatusPartial}, wantStatus: signatures.StatusPartial, wantEnd: now},
		{name: "crash with timestamp", out: signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 2, CrashTimestamp: "2026-11-27T01:04:00Z"}},
			wantStatus: signatures.StatusFailed, wantEnd: "2026-11-27T01:04:00Z"},
		{name: "crash timestamp with offset", out: signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 1, CrashTimestamp: "2026-11-27T03:04:05.5+02:00"}},
			wantStatus: signatures.StatusFailed, wantEnd: "2026-11-27T01:04:06Z"},
		{name: "crash timestamp before the start: end at the start", out: signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 2, CrashTimestamp: "2026-11-27T00:59:00Z"}},
			wantStatus: signatures.StatusFailed, wantEnd: start},
		{name: "crash without timestamp", out: signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: -1, Message: "killed"}},
			wantStatus: signatures.StatusFailed, wantEnd: now},
		{name: "crash wins over timeout and partial", out: signatures.ToolOutput{Status: signatures.StatusPartial,
			ErrorInfo: &signatures.ErrorInfo{ExitCode: 3}, TimeoutInfo: &signatures.TimeoutInfo{PartialResults: []string{"x"}}},
			wantStatus: signatures.StatusFailed, wantEnd: now},
		{name: "zero exit code is not a failure", out: signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 0, CrashTimestamp: "garbage"}},
			wantStatus: signatures.StatusSuccess, wantEnd: now},
		{name: "failed status without error info", out: signatures.ToolOutput{Status: signatures.StatusFailed}, wantStatus: signatures.StatusFailed, wantEnd: now},
		{name: "timeout with partial results", out: signatures.ToolOutput{TimeoutInfo: &signatures.TimeoutInfo{PartialResults: []string{"22/tcp open ssh", "80/tcp open http"}}},
			wantStatus: signatures.StatusTimeout, wantEnd: now, wantPartial: []string{"22/tcp open ssh", "80/tcp open http"}},
		{name: "timeout without results", out: signatures.ToolOutput{TimeoutInfo: &signatures.TimeoutInfo{}}, wantStatus: signatures.StatusTimeout, wantEnd: now},
		{name: "timeout wins over partial", out: signatures.ToolOutput{Status: signatures.StatusPartial, TimeoutInfo: &signatures.TimeoutInfo{}},
			wantStatus: signatures.StatusTimeout, wantEnd: now},
		{name: "timeout status without info", out: signatures.ToolOutput{Status: signatures.StatusTimeout}, wantStatus: signatures.StatusTimeout, wantEnd: now},
		{name: "extras merged", out: signatures.ToolOutput{ExtraSignatures: map[string]any{"parent_process_name": "nmap", "open_ports": 2}},
			wantStatus: signatures.StatusSuccess, wantEnd: now, wantExtra: map[string]any{"parent_process_name": "nmap", "open_ports": 2}},

		{name: "bad crash timestamp", out: signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 1, CrashTimestamp: "27/11/2026 01:04"}},
			wantField: "error_info.crash_timestamp", wantValue: "27/11/2026 01:04"},
		{name: "unknown status", out: signatures.ToolOutput{Status: "done"}, wantField: "status", wantValue: "done"},
		{name: "extra collides with core field", out: signatures.ToolOutput{ExtraSignatures: map[string]any{"end_time": "x"}},
			wantField: "extra_signatures", wantValue: "end_time"},
		{name: "extra collides with source", out: signatures.ToolOutput{ExtraSignatures: map[string]any{"ok": 1, "source_ipv4": "1.2.3.4"}},
			wantField: "extra_signatures", wantValue: "source_ipv4"},
		{name: "empty extra key", out: signatures.ToolOutput{ExtraSignatures: map[string]any{"": 1}}, wantField: "extra_signatures"},
		// In another case: a reader folding case would take it for the core field.
		{name: "extra collides with source in upper case", out: signatures.ToolOutput{ExtraSignatures: map[string]any{"SOURCE_IPV4": "1.2.3.4"}},
			wantField: "extra_signatures", wantValue: "SOURCE_IPV4"},
		{name: "extra named like the platform's type in mixed case",
			out:       signatures.ToolOutput{ExtraSignatures: map[string]any{"Target_Ipv4_Address": "10.0.0.9"}},
			wantField: "extra_signatures", wantValue: "Target_Ipv4_Address"},
		// Two extras one name in two cases (tester t107): the one not in lower case is refused.
		{name: "extras that differ only in case",
			out:       signatures.ToolOutput{ExtraSignatures: map[string]any{"PROCESS_NAME": "a", "process_name": "b"}},
			wantField: "extra_signatures", wantValue: "PROCESS_NAME"},
		{name: "extra named like the platform's start_date", out: signatures.ToolOutput{ExtraSignatures: map[string]any{"start_date": "x"}},
			wantField: "extra_signatures", wantValue: "start_date"},
		{name: "extra named like the platform's target_ipv4_address",
			out:       signatures.ToolOutput{ExtraSignatures: map[string]any{"target_ipv4_address": "10.0.0.9"}},
			wantField: "extra_signatures", wantValue: "target_ipv4_address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testkit.NewClock(t0)
			m := signatures.NewManager(signatures.WithClock(c.Now), signatures.WithResolver(pinnedResolver(srcV4, "", nil)))
			c.Add(5 * time.Minute)
			before := cloneSignatures(pre)
			post, err := m.CompilePost(pre, tt.out)
			if !reflect.DeepEqual(pre, before) {
				t.Fatalf("CompilePost changed its input:\n got %+v\nwant %+v", pre, before)
			}
			if tt.wantField != "" {
				wantValidation(t, err, tt.wantField, tt.wantValue)
				if post != nil {
					t.Errorf("got %v alongside error", post)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(post) != len(pre) {
				t.Fatalf("len(post) = %d, want %d", len(post), len(pre))
			}
			for i, s := range post {
				want := pre[i]
				want.EndTime = tt.wantEnd
				want.ExecutionStatus = tt.wantStatus
				want.PartialResults = tt.wantPartial
				if len(tt.wantExtra) > 0 {
					want.Extra = map[string]any{}
					for k, v := range pre[i].Extra {
						want.Extra[k] = v
					}
					for k, v := range tt.wantExtra {
						want.Extra[k] = v
					}
				}
				if !reflect.DeepEqual(s, want) {
					t.Errorf("post[%d]:\n got %+v\nwant %+v", i, s, want)
				}
			}
		})
	}
}

func TestCompilePostEmpty(t *testing.T) {
	m := signatures.NewManager(signatures.WithClock(testkit.NewClock(t0).Now))
	post, err := m.CompilePost(nil, signatures.ToolOutput{})
	if err != nil || len(post) != 0 {
		t.Fatalf("CompilePost(nil) = %v, %v; want empty, nil", post, err)
	}
}

// TestCompilePostDoesNotAliasInput checks that merging extras never writes
// into the map a pre signature holds.
func TestCompilePostDoesNotAliasInput(t *testing.T) {
	own := map[string]any{"scan_id": "s-1"}
	pre := []signatures.Signature{{TargetIPv4: "10.0.0.1", StartTime: "2026-11-27T01:02:03Z", Extra: own}}
	m := signatures.NewManager(signatures.WithClock(testkit.NewClock(t0).Now))
	post, err := m.CompilePost(pre, signatures.ToolOutput{ExtraSignatures: map[string]any{"tool": "nmap"}})
	if err != nil {
		t.Fatal(err)
	}
	post[0].Extra["later"] = true
	if len(own) != 1 {
		t.Errorf("pre extras changed to %v", own)
	}
}

func TestManagerToleratesNilOptions(t *testing.T) {
	m := signatures.NewManager(signatures.WithLogger(nil), signatures.WithClock(nil), signatures.WithResolver(signatures.Resolver{}))
	pre, err := m.CompilePre(signatures.NetworkConfig{TargetIPv4: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if pre[0].SourceIPv4 != signatures.UnknownSourceIP {
		t.Errorf("source_ipv4 = %q, want %q", pre[0].SourceIPv4, signatures.UnknownSourceIP)
	}
	if _, err := time.Parse(signatures.TimeFormat, pre[0].StartTime); err != nil {
		t.Errorf("start_time %q: %v", pre[0].StartTime, err)
	}
}

func TestManagerConcurrentUse(t *testing.T) {
	calls := 0
	m := signatures.NewManager(signatures.WithClock(testkit.NewClock(t0).Now), signatures.WithResolver(pinnedResolver(srcV4, "", &calls)))
	testkit.Concurrently(t, 16, func(i int) error {
		pre, err := m.CompilePre(signatures.NetworkConfig{TargetHostname: "host" + strings.Repeat("a", i)})
		if err == nil && pre[0].SourceIPv4 != srcV4 {
			err = errors.New("wrong source " + pre[0].SourceIPv4)
		}
		if err == nil {
			_, err = m.CompilePost(pre, signatures.ToolOutput{})
		}
		return err
	})
	if calls != 1 {
		t.Errorf("resolver consulted %d times, want 1", calls)
	}
}

func cloneSignatures(in []signatures.Signature) []signatures.Signature {
	out := make([]signatures.Signature, len(in))
	for i, s := range in {
		s.PartialResults = slices.Clone(s.PartialResults)
		if s.Extra != nil {
			e := make(map[string]any, len(s.Extra))
			for k, v := range s.Extra {
				e[k] = v
			}
			s.Extra = e
		}
		out[i] = s
	}
	return out
}
