package openaev_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev"
)

// largeMessage returns a platform message of about size bytes: its assets
// (shape "assets", each as the platform sends it, with fields the profile
// does not read), one large content field ("content") or one large field
// the profile does not read ("unread").
func largeMessage(tb testing.TB, size int, shape string) []byte {
	tb.Helper()
	content := map[string]any{"target_selector": "assets"}
	injection := map[string]any{"inject_id": "inj-large", "inject_content": content,
		"inject_injector_contract": map[string]any{"injector_contract_id": openaev.ContractID("nmap")}}
	m := map[string]any{"injection": injection}
	switch shape {
	case "assets":
		var assets []any
		for n, i := 0, 0; n < size; i++ {
			a := map[string]any{"asset_id": fmt.Sprintf("%08x-8a51-4c1e-9d3b-2c7f0e6a1b99", i), "asset_name": fmt.Sprintf("host %d", i),
				"endpoint_hostname": fmt.Sprintf("h%d.example.com", i), "endpoint_ips": []string{"192.0.2.1", "2001:db8::1"},
				"endpoint_seen_ip": "192.0.2.1", "asset_agents": []any{map[string]any{"agent_id": fmt.Sprintf("ag-%d", i),
					"agent_executed_by_user": "root", "agent_privilege": "admin"}},
				"asset_tags": []string{"t1", "t2"}, "asset_description": "a server", "endpoint_platform": "Linux"}
			b, err := json.Marshal(a)
			if err != nil {
				tb.Fatal(err)
			}
			n += len(b) + 1
			assets = append(assets, a)
		}
		m["assets"] = assets
	case "content":
		content["targets"] = strings.Repeat("192.0.2.1,", size/10)
	case "unread":
		injection["inject_description"] = strings.Repeat("text the profile does not read, ", size/32)
	}
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
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
