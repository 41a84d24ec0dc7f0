package transport

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// answering starts a recording backend answering every request with code
// and body.
func answering(t *testing.T, code int, body string) *recorder.Backend {
	t.Helper()
	be := recorder.New(t)
	be.SetReply(recorder.Reply{Status: code, Body: body})
	return be
}

// netTarget builds a grouped target as BuildPayload does.
func netTarget(i int, types ...signatures.ExpectationType) signatures.PayloadTarget {
	vals := []signatures.Value{
		{SignatureType: "source_ipv4", SignatureValue: "127.0.0.1"},
		{SignatureType: "target_ipv4", SignatureValue: fmt.Sprintf("127.0.%d.%d", i/250%250, i%250+1)},
		{SignatureType: "start_time", SignatureValue: "2026-11-27T00:00:00Z"},
		{SignatureType: "end_time", SignatureValue: "2026-11-27T00:00:05Z"},
		{SignatureType: "execution_status", SignatureValue: "success"},
	}
	t := signatures.PayloadTarget{SignatureTarget: signatures.Attribution{Asset: fmt.Sprintf("asset-%d", i)}}
	for _, et := range types {
		t.SignatureValues = append(t.SignatureValues, signatures.ValueGroup{ExpectationType: et, Values: vals})
	}
	return t
}

func payloadOf(n int) signatures.Payload {
	p := signatures.Payload{Targets: make([]signatures.PayloadTarget, n)}
	for i := range p.Targets {
		p.Targets[i] = netTarget(i, signatures.Detection, signatures.Prevention)
	}
	return p
}

// wireBody is a body decoded with its top level kept raw.
type wireBody struct {
	keys    []string
	Phase   string
	Targets []json.RawMessage
	Index   *int
	Total   *int
}

func decodeBody(t *testing.T, b []byte) wireBody {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, b)
	}
	var w wireBody
	for k := range top {
		w.keys = append(w.keys, k)
	}
	var es struct {
		Targets []json.RawMessage `json:"targets"`
	}
	mustUnmarshal(t, top["phase"], &w.Phase)
	mustUnmarshal(t, top["expectation_signature"], &es)
	w.Targets = es.Targets
	if raw, ok := top["chunk_index"]; ok {
		w.Index = new(int)
		mustUnmarshal(t, raw, w.Index)
	}
	if raw, ok := top["total_chunks"]; ok {
		w.Total = new(int)
		mustUnmarshal(t, raw, w.Total)
	}
	return w
}

func mustUnmarshal(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
