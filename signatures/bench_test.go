package signatures_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

var benchSizes = []int{1_000, 100_000}

// benchConfigs returns n valid network configurations, a third of each kind.
func benchConfigs(n int) []signatures.Config {
	cfgs := make([]signatures.Config, n)
	for i := range cfgs {
		switch i % 3 {
		case 0:
			cfgs[i] = signatures.NetworkConfig{TargetIPv4: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
		case 1:
			cfgs[i] = signatures.NetworkConfig{TargetIPv6: fmt.Sprintf("2001:db8::%x:%x", i>>16, i&0xffff)}
		default:
			cfgs[i] = signatures.NetworkConfig{TargetHostname: fmt.Sprintf("host-%d.example.com", i)}
		}
	}
	return cfgs
}

func benchManager() *signatures.Manager {
	return signatures.NewManager(signatures.WithClock(testkit.NewClock(t0).Now),
		signatures.WithResolver(pinnedResolver(srcV4, srcV6, nil)))
}

var benchOutput = signatures.ToolOutput{
	TimeoutInfo:     &signatures.TimeoutInfo{PartialResults: []string{"22/tcp open ssh"}},
	ExtraSignatures: map[string]any{"parent_process_name": "nmap"},
}

// eachSize runs bench as one sub-benchmark per size of benchSizes.
func eachSize(b *testing.B, bench func(b *testing.B, n int)) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("targets=%d", n), func(b *testing.B) { bench(b, n) })
	}
}

// benchPre returns a bench manager and the pre-execution signatures of n
// bench configurations.
func benchPre(b *testing.B, n int) (*signatures.Manager, []signatures.Signature) {
	b.Helper()
	m := benchManager()
	pre, err := m.CompilePre(benchConfigs(n)...)
	if err != nil {
		b.Fatal(err)
	}
	return m, pre
}

func BenchmarkCompilePre(b *testing.B) {
	eachSize(b, func(b *testing.B, n int) {
		cfgs := benchConfigs(n)
		m := benchManager()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.CompilePre(cfgs...); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCompilePost(b *testing.B) {
	eachSize(b, func(b *testing.B, n int) {
		m, pre := benchPre(b, n)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.CompilePost(pre, benchOutput); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBuildPayload(b *testing.B) {
	eachSize(b, func(b *testing.B, n int) {
		m, pre := benchPre(b, n)
		post, err := m.CompilePost(pre, benchOutput)
		if err != nil {
			b.Fatal(err)
		}
		targets := make([]signatures.Attribution, n)
		for i := range targets {
			targets[i] = signatures.Attribution{Asset: fmt.Sprintf("asset-%d", i)}
		}
		types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
		extras := signatures.TypeExtras{signatures.Prevention: {"blocked": true}}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := signatures.BuildPayload(post, targets, types, extras); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPostTimeout compiles a timed-out batch whose every target is
// named by one result and encodes its payload: bytes/target stays flat as
// the targets grow.
func BenchmarkPostTimeout(b *testing.B) {
	eachSize(b, func(b *testing.B, n int) {
		cfgs := benchConfigs(n)
		results := make([]string, n)
		for i, c := range cfgs {
			results[i] = ownResult(c)
		}
		m := benchManager()
		pre, err := m.Batch(n, func(i int) signatures.Config { return cfgs[i] })
		if err != nil {
			b.Fatal(err)
		}
		types := []signatures.ExpectationType{signatures.Detection}
		target := func(int) signatures.Attribution { return signatures.Attribution{Asset: "a"} }
		b.ReportAllocs()
		var size int
		for b.Loop() {
			post, err := m.Post(pre, timedOut(results...))
			if err != nil {
				b.Fatal(err)
			}
			seq, err := post.PayloadTargets(target, types, nil)
			if err != nil {
				b.Fatal(err)
			}
			size = 0
			for _, pt := range seq {
				body, err := json.Marshal(pt)
				if err != nil {
					b.Fatal(err)
				}
				size += len(body)
			}
		}
		b.ReportMetric(float64(size)/float64(n), "bytes/target")
	})
}

// BenchmarkPayloadTargets builds the payload targets of a million IPv4
// targets, two expectation types and no extras: W1's (injectkit run noop
// over a targets file), which the transport builds twice, to size its
// bodies and to write them.
func BenchmarkPayloadTargets(b *testing.B) {
	const n = 1 << 20
	cfgs := make([]signatures.Config, n)
	for i := range cfgs {
		cfgs[i] = signatures.NetworkConfig{TargetIPv4: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)}
	}
	m := benchManager()
	pre, err := m.Batch(n, func(i int) signatures.Config { return cfgs[i] })
	if err != nil {
		b.Fatal(err)
	}
	post, err := m.Post(pre, signatures.ToolOutput{})
	if err != nil {
		b.Fatal(err)
	}
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	seq, err := post.PayloadTargets(func(int) signatures.Attribution { return signatures.Attribution{} }, types, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for range seq {
		}
	}
}
