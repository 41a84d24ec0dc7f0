package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// holdingFront is a proxy to the platform at target that holds the first
// callback hold picks (given its body) without answering it until its
// client goes away, closing held once it holds it: passed on to the
// platform first when pass (its answer lost with the client), kept from
// it otherwise. The other calls pass.
func holdingFront(t *testing.T, target string, hold func(body []byte) bool, pass bool) (front string, held <-chan struct{}) {
	t.Helper()
	h := make(chan struct{})
	var taken atomic.Bool
	front = callbackFront(t, target, func(_ http.ResponseWriter, r *http.Request, body []byte, platform http.Handler) bool {
		if !hold(body) || !taken.CompareAndSwap(false, true) {
			return false
		}
		if pass {
			platform.ServeHTTP(httptest.NewRecorder(), r.Clone(r.Context()))
		}
		close(h)
		<-r.Context().Done() // the run killed
		return true
	})
	return front, h
}

// killRunOnceHeld starts the binary with args and kills it (SIGKILL) once
// the front holds the call it waits for (what names it), then reaps it:
// its pid no longer owns the bodies it stored.
func killRunOnceHeld(t *testing.T, held <-chan struct{}, what string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "CONTAINER_IP=172.17.0.2", "XDG_STATE_HOME="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killWhen(t, cmd, held, "sent "+what)
}

// nthTrace picks the nth per-target trace (a callback naming
// execution_context_identifiers).
func nthTrace(n int32) func(body []byte) bool {
	var seen atomic.Int32
	return func(body []byte) bool {
		return bytes.Contains(body, []byte(`"execution_context_identifiers"`)) && seen.Add(1) == n
	}
}

// kill -9 of `injectkit run --openaev-message` while it sends the
// per-target traces of an inject on 30 assets: its terminal callback (the
// "complete" and its "data" bodies) is in the outbox already, and a flush
// completes the inject, once, with the signatures of every asset.
// Before, the traces were sent before anything was stored: the inject
// stayed received for ever, its signatures lost, the outbox empty.
func TestBinaryKill9DuringTargetTracesThenFlush(t *testing.T) {
	const id, n = "inj-trace-kill", 30
	p := platformFor(t, openaevtest.Current, false)
	registerContracts(t, p)
	p.AddInject(id, openaev.ContractID("noop"))
	assets := make([]map[string]any, n)
	for i := range assets {
		host := fmt.Sprintf("web%02d.example.com", i)
		assets[i] = map[string]any{"asset_id": fmt.Sprintf("asset-%02d", i), "asset_name": host, "asset_hostname": host,
			"asset_ips": []string{fmt.Sprintf("192.0.2.%d", i+1)}}
	}
	msg := testkit.WriteFile(t, "message.json", platformMessage(id, "noop", map[string]any{"target_selector": "assets",
		"target_property_selector": "hostname", "expectations": expectations("DETECTION", "PREVENTION")}, assets))
	front, held := holdingFront(t, p.URL, nthTrace(3), false)
	box := filepath.Join(t.TempDir(), "outbox.db")
	killRunOnceHeld(t, held, "a third per-target trace", "run", "noop", "--openaev-message", msg, "--backend-url", front,
		"--token", platformToken, "--max-payload-size", "4096", "--outbox", box, "--log-level", "error")
	if c := len(p.Completions(id)); c != 0 {
		t.Fatalf("%d completions before the kill", c)
	}

	code, out, errs := injectkit(t, nil, "outbox", "list", "--outbox", box, "-o", "json")
	var list struct {
		Records []struct {
			InjectID    string `json:"inject_id"`
			State       string `json:"state"`
			Phase       string `json:"phase"`
			ChunkIndex  int    `json:"chunk_index"`
			TotalChunks int    `json:"total_chunks"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil {
		t.Fatalf("list: exit %d, %v\n%s%s", code, err, out, errs)
	}
	chunks := map[int]bool{}
	total := 0
	for _, r := range list.Records {
		if r.InjectID == id && r.State == "pending" {
			chunks[r.ChunkIndex], total = true, r.TotalChunks
		}
	}
	if !chunks[0] || total < 2 || len(chunks) != total {
		t.Fatalf("after kill -9 during the traces the outbox holds chunks %v of %d, want every one\n%s", chunks, total, out)
	}

	code, out, errs = injectkit(t, nil, "outbox", "flush", "--outbox", box, "--backend-url", front, "--token", platformToken,
		"--log-level", "error")
	if code != 0 {
		t.Fatalf("flush: exit %d\n%s%s", code, out, errs)
	}
	if c := len(p.Completions(id)); c != 1 {
		t.Errorf("%d completions after the flush, want 1", c)
	}
	if st := p.InjectStatus(id); st != "EXECUTED" {
		t.Errorf("inject %s after the flush, want EXECUTED", st)
	}
	for _, et := range []string{"DETECTION", "PREVENTION"} {
		got := map[string]bool{}
		for _, s := range p.Signatures(id)[et] {
			got[s.Asset] = true
		}
		if len(got) != n {
			t.Errorf("%s signatures of %d assets, want %d", et, len(got), n)
		}
	}
	if d := p.Dropped(); len(d) != 0 {
		t.Errorf("%d callbacks dropped, first: %s", len(d), d[0].Reason)
	}
}
