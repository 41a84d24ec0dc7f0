package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

func networkTargets(vs ...string) []framework.Target {
	out := make([]framework.Target, len(vs))
	for i, v := range vs {
		out[i] = framework.Target{Config: signatures.ClassifyNetworkTarget(v)}
	}
	return out
}

// strayResults returns n open ports of hosts matching no target.
func strayResults(n int) []nmap.ScanResult {
	out := make([]nmap.ScanResult, n)
	for i := range out {
		out[i] = nmap.ScanResult{Port: 80, Protocol: "tcp", Host: fmt.Sprintf("10.9.9.%d", i+1), Unmatched: true}
	}
	return out
}

// The summary shows each reference injector's findings, built with its
// own types, under the target they belong to.
func TestWriteSummary(t *testing.T) {
	start := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	cloudTarget := func(region string) framework.Target {
		return framework.Target{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: region}}
	}
	tests := []struct {
		name   string
		report runtime.Report
		want   string
	}{
		{"nmap", runtime.Report{Injector: "nmap", Status: framework.StatusSuccess,
			Targets: networkTargets("127.0.0.1", "web.example.com", "::1"),
			Output: framework.ToolOutput{Findings: map[string]any{
				nmap.FieldScanResults: []nmap.ScanResult{
					{Port: 22, Protocol: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.6p1", Host: "127.0.0.1", Target: "127.0.0.1"},
					{Port: 80, Protocol: "tcp", Service: "http", Host: "127.0.0.1", Target: "127.0.0.1"},
					{Port: 22, Protocol: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.6p1", Host: "127.0.0.1", Target: "127.0.0.1"},
					{Port: 443, Protocol: "tcp", Host: "192.0.2.7", Target: "web.example.com"},
					{Port: 8080, Protocol: "tcp", Service: "http-proxy", Host: "10.9.9.9", Unmatched: true},
				},
				nmap.FieldPorts:            []int{22, 80, 443, 8080},
				nmap.FieldActionOutput:     "<nmaprun>…</nmaprun>",
				nmap.FieldUnscannedTargets: []string{"::1"},
			}}},
			`nmap: success · 3 targets · 4.2s
  127.0.0.1        2 open ports
      22/tcp open ssh (OpenSSH 9.6p1)
      80/tcp open http
  web.example.com  1 open port
      192.0.2.7 443/tcp open
  ::1              not scanned
  findings:
      hosts matching no target: 10.9.9.9 8080/tcp open http-proxy
signatures not sent: no --backend-url (-o json prints them)
`},
		{"nmap: a target not reached is named with why", func() runtime.Report {
			ts := networkTargets("127.0.0.1", "nosuchhost.example")
			return runtime.Report{Injector: "nmap", Status: framework.StatusPartial, Targets: ts,
				Output: framework.ToolOutput{Findings: map[string]any{
					nmap.FieldScanResults:      []nmap.ScanResult{{Port: 22, Protocol: "tcp", Service: "ssh", Host: "127.0.0.1", Target: "127.0.0.1"}},
					nmap.FieldUnscannedTargets: []string{"nosuchhost.example"},
				}, Unreached: map[framework.Target]string{ts[1]: "not scanned: the name does not resolve"}}}
		}(),
			`nmap: partial · 2 targets · 4.2s
  not reached: 1 target: nosuchhost.example (not scanned: the name does not resolve)
  127.0.0.1           1 open port
      22/tcp open ssh
  nosuchhost.example  not reached
signatures not sent: no --backend-url (-o json prints them)
`},
		{"nmap: many targets not reached, the first ten named", func() runtime.Report {
			var vs []string
			for i := range 12 {
				vs = append(vs, fmt.Sprintf("127.0.0.%d", i+1))
			}
			ts := networkTargets(vs...)
			gone := map[framework.Target]string{}
			for _, tg := range ts {
				gone[tg] = "not scanned: nmap quit\nbefore its scan started"
			}
			return runtime.Report{Injector: "nmap", Status: framework.StatusFailed, Targets: ts,
				Output: framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "nmap exited with code 1"},
					Unreached: gone}}
		}(),
			`nmap: failed · 12 targets · 4.2s
  error: nmap exited with code 1
  not reached: 12 targets: 127.0.0.1 (not scanned: nmap quit before its scan started), 127.0.0.2 (not scanned: nmap quit before its scan started), 127.0.0.3 (not scanned: nmap quit before its scan started), 127.0.0.4 (not scanned: nmap quit before its scan started), 127.0.0.5 (not scanned: nmap quit before its scan started), 127.0.0.6 (not scanned: nmap quit before its scan started), 127.0.0.7 (not scanned: nmap quit before its scan started), 127.0.0.8 (not scanned: nmap quit before its scan started), 127.0.0.9 (not scanned: nmap quit before its scan started), 127.0.0.10 (not scanned: nmap quit before its scan started), … 2 more
  127.0.0.1   not reached
  127.0.0.2   not reached
  127.0.0.3   not reached
  127.0.0.4   not reached
  127.0.0.5   not reached
  127.0.0.6   not reached
  127.0.0.7   not reached
  127.0.0.8   not reached
  127.0.0.9   not reached
  127.0.0.10  not reached
  127.0.0.11  not reached
  127.0.0.12  not reached
signatures not sent: no --backend-url (-o json prints them)
`},
		{"nmap: hosts matching no target cut short say how many more", runtime.Report{Injector: "nmap", Status: framework.StatusSuccess,
			Targets: networkTargets("127.0.0.1"),
			Output:  framework.ToolOutput{Findings: map[string]any{nmap.FieldScanResults: strayResults(12)}}},
			`nmap: success · 1 target · 4.2s
  127.0.0.1  no open port
  findings:
      hosts matching no target: 10.9.9.1 80/tcp open; 10.9.9.2 80/tcp open; 10.9.9.3 80/tcp open; 10.9.9.4 80/tcp open; 10.9.9.5 80/tcp open; 10.9.9.6 80/tcp open; 10.9.9.7 80/tcp open; 10.9.9.8 80/tcp open; 10.9.9.9 80/tcp open; 10.9.9.10 80/tcp open; … 2 more
signatures not sent: no --backend-url (-o json prints them)
`},
		{"nmap failed: no target reads as scanned", runtime.Report{Injector: "nmap", Status: framework.StatusFailed,
			Targets: networkTargets("127.0.0.1"),
			Output: framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "nmap exited with code 1"},
				Findings: map[string]any{nmap.FieldScanResults: []nmap.ScanResult{}, nmap.FieldPorts: []int{}}}},
			`nmap: failed · 1 target · 4.2s
  error: nmap exited with code 1
  127.0.0.1  failed
signatures not sent: no --backend-url (-o json prints them)
`},
		{"nmap cut short: the targets not reported were not scanned", runtime.Report{Injector: "nmap", Status: framework.StatusTimeout,
			Targets: networkTargets("127.0.0.1", "::1", "localhost"),
			Output: framework.ToolOutput{Findings: map[string]any{
				nmap.FieldScanResults:      []nmap.ScanResult{{Port: 22, Protocol: "tcp", Service: "ssh", Host: "127.0.0.1", Target: "127.0.0.1"}},
				nmap.FieldUnscannedTargets: []string{"::1"},
			}}},
			`nmap: timeout · 3 targets · 4.2s
  127.0.0.1  1 open port
      22/tcp open ssh
  ::1        timeout
  localhost  timeout
signatures not sent: no --backend-url (-o json prints them)
`},
		{"query", runtime.Report{Injector: "query", Status: framework.StatusPartial,
			Targets: []framework.Target{
				{Config: signatures.ExternalConfig{Query: "apache", TargetIPv4: "203.0.113.7"}},
				{Config: signatures.ExternalConfig{Query: "nginx"}},
				{Config: signatures.ExternalConfig{Query: "ssh"}},
			},
			Output: framework.ToolOutput{Findings: map[string]any{
				"provider": "shodan",
				"results": []query.ConfigResult{
					{Query: "apache ip:203.0.113.7", TargetIPv4: "203.0.113.7", Status: "success", Total: 1,
						Matches: []query.Match{{IP: "203.0.113.7", Port: 443, Transport: "tcp", Hostnames: []string{"www.example.com"},
							Product: "Apache httpd", Version: "2.4.49", Vulns: []string{"CVE-2021-41773"}}}},
					{Query: "nginx", Status: "failed", Error: "shodan: page 1: invalid query", Matches: []query.Match{}},
					{Query: "ssh", Status: "success", Matches: []query.Match{{IP: "2001:db8::5", Port: 22}}}, // no total, no transport
				},
				query.FieldMatchedIPs:  []string{"203.0.113.7"},
				query.FieldMatchedIPv6: []string{},
				query.FieldCVEs:        []query.CVE{{ID: "CVE-2021-41773", Host: []string{"203.0.113.7", "www.example.com"}, Severity: "high"}},
			}}},
			`query: partial · 3 targets · 4.2s
  "apache" on 203.0.113.7  1 of 1 match
      203.0.113.7:443/tcp Apache httpd 2.4.49 (www.example.com) CVE-2021-41773
  "nginx"                  failed: shodan: page 1: invalid query
  "ssh"                    1 of 1 match
      [2001:db8::5]:22
  findings:
      CVE-2021-41773 (high): 203.0.113.7, www.example.com
      provider: shodan
signatures not sent: no --backend-url (-o json prints them)
`},
		{"query: a match's host names and CVEs cut short say how many more", runtime.Report{Injector: "query", Status: framework.StatusSuccess,
			Targets: []framework.Target{{Config: signatures.ExternalConfig{Query: "apache"}}},
			Output: framework.ToolOutput{Findings: map[string]any{
				"results": []query.ConfigResult{{Query: "apache", Status: "success", Total: 1,
					Matches: []query.Match{{IP: "192.0.2.1", Port: 80, Hostnames: []string{"a.example", "b.example", "c.example", "d.example", "e.example"},
						Vulns: []string{"CVE-2021-0001", "CVE-2021-0002", "CVE-2021-0003", "CVE-2021-0004", "CVE-2021-0005", "CVE-2021-0006"}}}}},
			}}},
			`query: success · 1 target · 4.2s
  "apache"  1 of 1 match
      192.0.2.1:80 (a.example, b.example, c.example, … 2 more) CVE-2021-0001, CVE-2021-0002, CVE-2021-0003, CVE-2021-0004, CVE-2021-0005, … 1 more
signatures not sent: no --backend-url (-o json prints them)
`},
		{"cloudscan", runtime.Report{Injector: "cloudscan", Status: framework.StatusFailed,
			Targets: []framework.Target{cloudTarget("eu-west-1"), cloudTarget("us-east-1")},
			Output: framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "us-east-1: AccessDenied"},
				Findings: map[string]any{
					cloudscan.FieldConfigs: []*cloudscan.ConfigResult{
						{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", Status: "success",
							Checks: map[string]*cloudscan.CheckResult{"s3": {Findings: []cloudscan.Finding{{Kind: cloudscan.KindS3PublicBucket}}},
								"iam": {Global: true, Findings: []cloudscan.Finding{{Kind: cloudscan.KindIAMUserWithoutMFA}}}}},
						{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1", Status: "failed",
							Checks: map[string]*cloudscan.CheckResult{"ec2": {Failed: true,
								Errors: []cloudscan.CheckError{{Operation: "DescribeSecurityGroups", Code: "AccessDenied",
									Message: "You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/scanner"}}},
								"iam": {Global: true, Findings: []cloudscan.Finding{{Kind: cloudscan.KindIAMUserWithoutMFA}}}}},
					},
					cloudscan.FieldFindingsSummary: []string{
						"[high] aws 123456789012 eu-west-1: s3 bucket public-assets is public: acl grants READ to AllUsers",
						"[medium] aws 123456789012 global: iam user ci has no MFA",
					},
				}}},
			`cloudscan: failed · 2 targets · 4.2s
  error: us-east-1: AccessDenied
  aws 123456789012 eu-west-1  success
      [high] s3 bucket public-assets is public: acl grants READ to AllUsers
      [medium] (global) iam user ci has no MFA
  aws 123456789012 us-east-1  failed
      [medium] (global) iam user ci has no MFA
      ec2 check failed: DescribeSecurityGroups: AccessDenied
signatures not sent: no --backend-url (-o json prints them)
`},
		{"cloudscan: an error answer holding no AWS error code is named by its status", runtime.Report{Injector: "cloudscan", Status: framework.StatusFailed,
			Targets: []framework.Target{{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "ec2"}}},
			Output: framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{ExitCode: 1, Message: "aws eu-west-1 ec2: DescribeSecurityGroups: UnknownError (an HTTP 502 answer holding no AWS error code)"},
				Findings: map[string]any{
					cloudscan.FieldConfigs: []*cloudscan.ConfigResult{
						{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "ec2", Status: "failed",
							Checks: map[string]*cloudscan.CheckResult{"ec2": {Failed: true, Errors: []cloudscan.CheckError{{Operation: "DescribeSecurityGroups",
								Code: "UnknownError", Message: "an HTTP 502 answer holding no AWS error code"}}}}},
					},
				}}},
			`cloudscan: failed · 1 target · 4.2s
  error: aws eu-west-1 ec2: DescribeSecurityGroups: UnknownError (an HTTP 502 answer holding no AWS error code)
  aws 123456789012 eu-west-1 ec2  failed
      ec2 check failed: DescribeSecurityGroups: UnknownError (an HTTP 502 answer holding no AWS error code)
signatures not sent: no --backend-url (-o json prints them)
`},
		{"cloudscan partial: the calls that failed on single resources are shown", runtime.Report{Injector: "cloudscan", Status: framework.StatusPartial,
			Targets: []framework.Target{{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "iam"}}},
			Output: framework.ToolOutput{ErrorInfo: &framework.ErrorInfo{Message: "aws global iam: ListAccessKeys bob: AccessDenied"},
				Findings: map[string]any{
					cloudscan.FieldConfigs: []*cloudscan.ConfigResult{
						{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "iam", Status: "partial",
							Checks: map[string]*cloudscan.CheckResult{"iam": {Global: true, Findings: []cloudscan.Finding{{Kind: cloudscan.KindIAMUserWithoutMFA}},
								Errors: []cloudscan.CheckError{{Operation: "ListAccessKeys", Resource: "bob", Code: "AccessDenied", Message: "not authorized"},
									{Operation: "ListMFADevices", Resource: "ci", Message: "request send failed"}}}}},
					},
					cloudscan.FieldFindingsSummary: []string{"[high] aws 123456789012 global: iam user bob: no mfa device"},
				}}},
			`cloudscan: partial · 1 target · 4.2s
  error: aws global iam: ListAccessKeys bob: AccessDenied
  aws 123456789012 eu-west-1 iam  partial
      [high] (global) iam user bob: no mfa device
      iam error: ListAccessKeys bob: AccessDenied
      iam error: ListMFADevices ci: request send failed
signatures not sent: no --backend-url (-o json prints them)
`},
		{"cloudscan narrowed to services: each target shows its own", runtime.Report{Injector: "cloudscan", Status: framework.StatusSuccess,
			Targets: []framework.Target{
				{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "ec2"}},
				{Config: signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "iam"}}},
			Output: framework.ToolOutput{
				Findings: map[string]any{
					cloudscan.FieldConfigs: []*cloudscan.ConfigResult{
						{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "ec2", Status: "success",
							Checks: map[string]*cloudscan.CheckResult{"ec2": {Findings: []cloudscan.Finding{{Kind: cloudscan.KindEC2OpenIngress}}}}},
						{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "iam", Status: "success",
							Checks: map[string]*cloudscan.CheckResult{"iam": {Global: true, Findings: []cloudscan.Finding{{Kind: cloudscan.KindIAMUserWithoutMFA}}}}},
					},
					cloudscan.FieldFindingsSummary: []string{
						"[high] aws 123456789012 eu-west-1: ec2 security group sg-1 (web) is open: tcp 22 from 0.0.0.0/0",
						"[medium] aws 123456789012 global: iam user ci has no MFA",
					},
				}}},
			`cloudscan: success · 2 targets · 4.2s
  aws 123456789012 eu-west-1 ec2  success
      [high] ec2 security group sg-1 (web) is open: tcp 22 from 0.0.0.0/0
  aws 123456789012 eu-west-1 iam  success
      [medium] (global) iam user ci has no MFA
signatures not sent: no --backend-url (-o json prints them)
`},
		{"timeout with partial results and unknown findings", runtime.Report{Injector: "slow", Status: framework.StatusTimeout,
			Targets: networkTargets("10.0.0.1"), Partial: []string{"10.0.0.1:22/tcp open ssh"},
			Output: framework.ToolOutput{Findings: map[string]any{"note": "line one\nline two", "count": 3,
				"hosts": []string{"a", "b"}, "nested": []map[string]int{{"x": 1}}, "empty": nil}}},
			`slow: timeout · 1 target · 4.2s
  10.0.0.1  timeout
  partial results before the timeout:
      10.0.0.1:22/tcp open ssh
  findings:
      count: 3
      hosts: a, b
      nested: 1 item (-o json shows them)
      note: 17 bytes (-o json shows them)
signatures not sent: no --backend-url (-o json prints them)
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.report
			r.Started, r.Finished = start, start.Add(4200*time.Millisecond)
			var b strings.Builder
			writeSummary(&b, &r, "signatures not sent: no --backend-url (-o json prints them)")
			if got := b.String(); got != tt.want {
				t.Errorf("summary:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// Past collapseAbove targets, those with nothing to show share a line per
// status.
func TestWriteSummaryCollapsesQuietTargets(t *testing.T) {
	var vs []string
	var rows []nmap.ScanResult
	for i := range 30 {
		v := fmt.Sprintf("10.0.0.%d", i)
		vs = append(vs, v)
		if i == 7 {
			rows = append(rows, nmap.ScanResult{Port: 22, Protocol: "tcp", Service: "ssh", Host: v, Target: v})
		}
	}
	r := runtime.Report{Injector: "nmap", Status: framework.StatusSuccess, Targets: networkTargets(vs...),
		Output: framework.ToolOutput{Findings: map[string]any{nmap.FieldScanResults: rows}}}
	var b strings.Builder
	writeSummary(&b, &r, "done")
	want := `nmap: success · 30 targets · 0s
  10.0.0.7   1 open port
      22/tcp open ssh
  29 targets no open port: 10.0.0.0, 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.8, 10.0.0.9, 10.0.0.10, … 19 more
done
`
	if got := b.String(); got != want {
		t.Errorf("summary:\n%s\nwant:\n%s", got, want)
	}
}

// A number among the findings is shown as the wire carries it (its JSON):
// an integer exact, past float64's 2^53 too, alone or in a short list.
func TestWriteSummaryNumbersAsTheWireCarriesThem(t *testing.T) {
	values := map[string]any{
		"past_2_53": int64(9007199254740993),
		"min_int64": int64(math.MinInt64),
		"max_uint":  uint64(math.MaxUint64),
		"fraction":  1.5,
		"small":     0.000001,
		"list":      []int64{9007199254740993, -9007199254740993},
	}
	r := runtime.Report{Injector: "custom", Status: framework.StatusSuccess, Targets: networkTargets("127.0.0.1"),
		Output: framework.ToolOutput{Findings: values}}
	var b strings.Builder
	writeSummary(&b, &r, "done")
	for k, v := range values {
		wire, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		want := k + ": " + string(wire)
		if list, ok := v.([]int64); ok {
			want = fmt.Sprintf("%s: %d, %d", k, list[0], list[1])
		}
		if !strings.Contains(b.String(), "\n      "+want+"\n") {
			t.Errorf("summary does not show %q:\n%s", want, b.String())
		}
	}
}

// The summary of a report built by hand matches the reasons of the targets
// not reached to the targets once, not once a target (three allocations
// each time, one of them as long as the targets): a report of many
// targets, most of them alike, is summarised with fewer allocations than
// it has targets.
func TestWriteSummaryManyTargetsNotReached(t *testing.T) {
	const n = 1000
	vs := make([]string, n)
	for i := range vs {
		vs[i] = fmt.Sprintf("10.0.%d.%d", i/256, i%256)
	}
	targets := networkTargets(vs...)
	r := runtime.Report{Injector: "custom", Status: framework.StatusPartial, Targets: targets,
		Output: framework.ToolOutput{Unreached: map[framework.Target]string{targets[7]: "not scanned", targets[300]: "timed out"}}}
	var b strings.Builder
	allocs := testing.AllocsPerRun(3, func() {
		b.Reset()
		writeSummary(&b, &r, "done")
	})
	if want := "  not reached: 2 targets: 10.0.0.7 (not scanned), 10.0.1.44 (timed out)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("summary:\n%s\nwant a line %q", b.String(), want)
	}
	if allocs > n {
		t.Errorf("%.0f allocations for %d targets", allocs, n)
	}
}
