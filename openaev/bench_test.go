package openaev_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/signatures"
)

// BenchmarkPlatformSignatures converts a 1000-target payload with two
// expectation types and list extras to the platform's shape.
func BenchmarkPlatformSignatures(b *testing.B) {
	p := signatures.Payload{}
	for i := 0; i < 1000; i++ {
		vals := vals("source_ipv4", "192.0.2.10", "target_ipv4", fmt.Sprintf("198.51.100.%d", i%250),
			"start_time", "2026-11-27T09:30:00Z", "end_time", "2026-11-27T09:31:00Z", "execution_status", "success",
			"ports_discovered", []int{22, 80, 443}, "scan_type", "connect")
		p.Targets = append(p.Targets, signatures.PayloadTarget{
			SignatureTarget: signatures.Attribution{Asset: fmt.Sprintf("a%d", i)},
			SignatureValues: []signatures.ValueGroup{
				{ExpectationType: signatures.Detection, Values: vals},
				{ExpectationType: signatures.Prevention, Values: vals},
			}})
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, _ := openaev.PlatformSignatures(p); len(got.Targets) != 1000 {
			b.Fatal(len(got.Targets))
		}
	}
}

// BenchmarkTranslate translates a message of 200 assets.
func BenchmarkTranslate(b *testing.B) {
	e := newEnv(b)
	assets := make([]map[string]any, 200)
	for i := range assets {
		assets[i] = asset("asset", fmt.Sprintf("a%d", i), "", fmt.Sprintf("192.0.2.%d", i%250+1), nil, "agent")
	}
	body := e.message(b, "inj-b", "nmap", map[string]any{"target_selector": "assets", "scan_type": "syn"}, assets, nil)
	b.ReportAllocs()
	for b.Loop() {
		m, err := openaev.ParseMessage(body)
		if err != nil {
			b.Fatal(err)
		}
		req, _, err := e.proc.Translate(context.Background(), m)
		if err != nil || len(req.Targets) != 200 {
			b.Fatal(err, len(req.Targets))
		}
	}
}

// largeMessage returns a platform message of about size bytes: its assets
// (shape "assets", each as the platform sends it, with fields the profile
// does not read), one large content field ("content") or one large field
// the profile does not read ("unread"). The assets are written as
// json.Marshal writes their maps (keys sorted), each appended once to the
// array: marshalling each map to measure it and the whole message again
// took as long as the decoding the tests measure, under -race.
func largeMessage(tb testing.TB, size int, shape string) []byte {
	tb.Helper()
	content := map[string]any{"target_selector": "assets"}
	injection := map[string]any{"inject_id": "inj-large", "inject_content": content,
		"inject_injector_contract": map[string]any{"injector_contract_id": openaev.ContractID("nmap")}}
	m := map[string]any{"injection": injection}
	var assets []byte
	switch shape {
	case "assets":
		assets = append(make([]byte, 0, size+1024), `{"assets":[`...)
		for n, i := 0, 0; n < size; i++ { // n: the assets' bytes and a comma each
			if i > 0 {
				assets = append(assets, ',')
			}
			start := len(assets)
			assets = fmt.Appendf(assets, `{"asset_agents":[{"agent_executed_by_user":"root","agent_id":"ag-%d","agent_privilege":"admin"}],`+
				`"asset_description":"a server","asset_id":"%08x-8a51-4c1e-9d3b-2c7f0e6a1b99","asset_name":"host %d","asset_tags":["t1","t2"],`+
				`"endpoint_hostname":"h%d.example.com","endpoint_ips":["192.0.2.1","2001:db8::1"],"endpoint_platform":"Linux","endpoint_seen_ip":"192.0.2.1"}`,
				i, i, i, i)
			n += len(assets) - start + 1
		}
		assets = append(assets, "],"...)
	case "content":
		content["targets"] = strings.Repeat("192.0.2.1,", size/10)
	case "unread":
		injection["inject_description"] = strings.Repeat("text the profile does not read, ", size/32)
	}
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	if assets != nil { // "assets" sorts before "injection", the one key of b
		b = append(assets, b[1:]...)
	}
	return b
}

// BenchmarkParseMessage decodes messages of the maximum size a daemon
// accepts (serve.DefaultMaxMessageSize, 16 MiB) and reports the bytes
// allocated per byte of message: about 1.5 for assets, 1 for a large
// content field (copied once), ~0 for a field the profile does not read.
func BenchmarkParseMessage(b *testing.B) {
	for _, shape := range []string{"assets", "content", "unread"} {
		body := largeMessage(b, 16<<20, shape)
		b.Run(shape, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n := 0
			for b.Loop() {
				if _, err := openaev.ParseMessage(body); err != nil {
					b.Fatal(err)
				}
				n++
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n)/float64(len(body)), "alloc-bytes/msg-byte")
		})
	}
}

// TestParseMessageMemoryBounded checks that decoding a 16 MiB message
// allocates less than 3 times its size: with the body itself, the
// message holds less than 4 times its size.
func TestParseMessageMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 16 MiB messages")
	}
	for _, shape := range []string{"assets", "content", "unread"} {
		t.Run(shape, func(t *testing.T) {
			body := largeMessage(t, 16<<20, shape)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			m, err := openaev.ParseMessage(body)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if shape == "assets" && len(m.Assets) < 10000 {
				t.Fatalf("%d assets decoded", len(m.Assets))
			}
			ratio := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(body))
			t.Logf("%s: %d bytes, %.2f bytes allocated per byte", shape, len(body), ratio)
			if ratio > 3 {
				t.Errorf("decoding a %d-byte message allocated %.1f times its size, want at most 3", len(body), ratio)
			}
		})
	}
}

// BenchmarkReception posts an inject's reception to the stand-in over a
// kept-alive connection and reads its answer (the first of serve's three
// calls an inject); the allocations are the client's and the stand-in's.
func BenchmarkReception(b *testing.B) {
	e := newEnv(b)
	e.platform.AddInject("inj-bench", openaev.ContractID("noop"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.client.Reception(ctx, "inj-bench"); err != nil {
			b.Fatal(err)
		}
	}
}
