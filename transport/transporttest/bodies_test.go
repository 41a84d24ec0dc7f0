package transporttest_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/transporttest"
)

func TestBodies(t *testing.T) {
	p := signatures.Payload{}
	for i := range 50 {
		p.Targets = append(p.Targets, signatures.PayloadTarget{
			SignatureTarget: signatures.Target{Asset: fmt.Sprintf("asset-%d", i)},
			SignatureValues: []signatures.ValueGroup{{ExpectationType: signatures.Detection, SignatureType: "target_ipv4", SignatureValue: "127.0.0.1"}},
		})
	}
	whole, err := transporttest.Bodies("inj", "post", p, 0)
	if err != nil || len(whole) != 1 {
		t.Fatalf("Bodies = %d bodies, %v; want 1", len(whole), err)
	}
	chunked, err := transporttest.Bodies("inj", "post", p, len(whole[0])/3)
	if err != nil || len(chunked) < 3 {
		t.Fatalf("Bodies = %d bodies, %v; want at least 3", len(chunked), err)
	}
	if !bytes.HasSuffix(chunked[0], []byte(fmt.Sprintf(`"chunk_index":0,"total_chunks":%d}`, len(chunked)))) {
		t.Errorf("first body %s", chunked[0])
	}
	var ve *transport.ValidationError
	if _, err := transporttest.Bodies("", "post", p, 0); !errors.As(err, &ve) {
		t.Errorf("empty inject id: %v, want a *ValidationError", err)
	}
}
