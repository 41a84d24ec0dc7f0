package transport_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// streamPost returns n post-execution signatures like W1's.
func streamPost(n int) []signatures.Signature {
	post := make([]signatures.Signature, n)
	for i := range post {
		post[i] = signatures.Signature{SourceIPv4: "172.17.0.2", TargetIPv4: fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			StartTime: "2026-11-27T10:00:00Z", EndTime: "2026-11-27T10:00:01Z", ExecutionStatus: signatures.StatusSuccess}
	}
	return post
}

// TestEncodeMatchesBodies checks that the streaming path (PayloadTargets →
// Encode → Bodies with a reused buffer) writes byte for byte the bodies of
// the materialised path (BuildPayload → Bodies), unchunked and chunked.
func TestEncodeMatchesBodies(t *testing.T) {
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	for _, tc := range []struct {
		name string
		n    int
		max  int
	}{
		{"no target", 0, 0},
		{"3 targets", 3, 0},
		{"1000 targets", 1000, 0},
		{"1000 targets chunked", 1000, 64 << 10},
		{"no room to spare", 40, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			post := streamPost(tc.n)
			metas := []signatures.Attribution{{Asset: "a-1"}}
			p, err := signatures.BuildPayload(post, metas, types, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := transport.Bodies("inject-1", "execution_complete", p, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			seq, err := signatures.PayloadTargets(post, metas, types, nil)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := transport.Encode("inject-1", "execution_complete", seq, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			if enc.Len() != len(want) {
				t.Fatalf("%d bodies, want %d", enc.Len(), len(want))
			}
			if tc.max > 0 && len(want) < 2 {
				t.Fatalf("case %q should be chunked", tc.name)
			}
			for i, b := range enc.Bodies() {
				if !bytes.Equal(b, want[i]) {
					t.Errorf("body %d differs:\n got %.200s\nwant %.200s", i, b, want[i])
				}
				if enc.Size(i) != len(b) {
					t.Errorf("Size(%d) = %d, body has %d", i, enc.Size(i), len(b))
				}
			}
		})
	}
}

// TestBodiesIntoHandsOver checks that BodiesInto writes the bodies Bodies
// writes, each into a buffer of the caller's alloc of the size asked for,
// and never writes into one again: the bodies kept uncopied until the end
// are still byte for byte the bodies.
func TestBodiesIntoHandsOver(t *testing.T) {
	post := streamPost(1000)
	metas := []signatures.Attribution{{Asset: "a-1"}}
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	encode := func() *transport.Encoding {
		seq, err := signatures.PayloadTargets(post, metas, types, nil)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := transport.Encode("inject-1", "execution_complete", seq, 16<<10)
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	var want [][]byte
	for _, b := range encode().Bodies() {
		want = append(want, bytes.Clone(b))
	}
	if len(want) < 4 {
		t.Fatalf("%d bodies: the case should be chunked", len(want))
	}
	var (
		mu    sync.Mutex // alloc is called from the writing goroutine
		given = map[*byte]bool{}
		kept  [][]byte
	)
	enc := encode()
	for i, b := range enc.BodiesInto(func(n int) []byte {
		if n < enc.Size(0) {
			t.Errorf("asked for %d bytes, less than body 0's %d", n, enc.Size(0))
		}
		buf := make([]byte, 0, n)
		mu.Lock()
		given[&buf[:1][0]] = true
		mu.Unlock()
		return buf
	}) {
		if i != len(kept) {
			t.Fatalf("body %d yielded after %d", i, len(kept))
		}
		mu.Lock()
		ok := len(b) > 0 && given[&b[:1][0]]
		mu.Unlock()
		if !ok {
			t.Errorf("body %d is not in a buffer alloc gave", i)
		}
		kept = append(kept, b)
	}
	if len(kept) != len(want) {
		t.Fatalf("%d bodies, want %d", len(kept), len(want))
	}
	for i := range kept {
		if !bytes.Equal(kept[i], want[i]) {
			t.Errorf("body %d kept uncopied differs:\n got %.200s\nwant %.200s", i, kept[i], want[i])
		}
	}
}

// BenchmarkEncodeStream measures the streaming path the CLI takes: measure
// every target, then write every body into one reused buffer.
func BenchmarkEncodeStream(b *testing.B) {
	types := []signatures.ExpectationType{signatures.Detection, signatures.Prevention}
	for _, n := range []int{1000, 10000, 100000} {
		post := streamPost(n)
		metas := []signatures.Attribution{{}}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				seq, _ := signatures.PayloadTargets(post, metas, types, nil)
				enc, err := transport.Encode("inject-1", "execution_complete", seq, 0)
				if err != nil {
					b.Fatal(err)
				}
				total := 0
				for _, body := range enc.Bodies() {
					total += len(body)
				}
				b.SetBytes(int64(total))
			}
		})
	}
}
