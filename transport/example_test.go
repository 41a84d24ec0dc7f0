package transport_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

func examplePayload() signatures.Payload {
	return signatures.Payload{Targets: []signatures.PayloadTarget{{
		SignatureTarget: signatures.Attribution{Asset: "asset-1"},
		SignatureValues: []signatures.ValueGroup{
			// Flat values are regrouped per expectation type.
			{ExpectationType: signatures.Detection, SignatureType: "target_ipv4", SignatureValue: "127.0.0.1"},
			{ExpectationType: signatures.Detection, SignatureType: "execution_status", SignatureValue: "success"},
		},
	}}}
}

// Encode without sending: a dry run prints what would be posted.
func ExampleEncode() {
	targets := examplePayload().Targets
	enc, err := transport.Encode("inject-1", "post", slices.All(targets), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, b := range enc.Bodies() {
		fmt.Println(string(b))
	}
	// Output:
	// {"phase":"post","expectation_signature":{"targets":[{"signature_target":{"asset":"asset-1"},"signature_values":[{"expectation_type":"DETECTION","values":[{"signature_type":"target_ipv4","signature_value":"127.0.0.1"},{"signature_type":"execution_status","signature_value":"success"}]}]}]}}
}

func ExampleClient_SendEncoded() {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Authorization") != "", len(body), "bytes")
		w.WriteHeader(http.StatusAccepted)
	}))
	defer backend.Close()

	c, err := transport.New(backend.URL,
		transport.WithToken("example-token"),
		transport.WithProduct("injectkit", "1.0.0"),
		transport.WithRetry(4, 100*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	targets := examplePayload().Targets
	enc, err := c.Encode("inject-1", "post", slices.All(targets))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := c.SendEncoded(context.Background(), enc)
	fmt.Println(res.Chunks, "chunk,", res.Attempts, "attempt, error:", err)
	// Output:
	// POST /api/injects/inject-1/callback true 289 bytes
	// 1 chunk, 1 attempt, error: <nil>
}
