package openaev_test

import (
	"context"
	"fmt"
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
