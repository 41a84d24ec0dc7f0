package openaev_test

import (
	"encoding/json"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/injectkit/injectkit/serve"
)

// TestHandlerOutboxAnEarlierVersionSendsFrom checks an inject whose
// outbox, still marked injectkit-outbox/1, a live process of an earlier
// version sends bodies from: its result could not be stored, so it is not
// run; the message waits as for a full outbox (a pause whose reason, read
// anew, names that process), and runs once, after that process ended.
func TestHandlerOutboxAnEarlierVersionSendsFrom(t *testing.T) {
	older := exec.Command("sleep", "60") // the earlier version's process
	if err := older.Start(); err != nil {
		t.Fatal(err)
	}
	ended := false
	defer func() {
		if !ended {
			_ = older.Process.Kill()
			_ = older.Wait()
		}
	}()
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	s.keepCallback(t)
	sentByOlderVersion(t, s.store.Path(), older.Process.Pid)
	body := s.message(t, "i-older", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)

	err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body})
	var pe *serve.PauseError
	want := "pid " + strconv.Itoa(older.Process.Pid) + ", a process of an earlier injectkit, is sending bodies from it"
	if !errors.As(err, &pe) || pe.Current == nil || !strings.Contains(pe.Reason, want) || !strings.Contains(pe.Current(), want) {
		t.Fatalf("handled while an earlier version sends from the outbox: %v, want a pause whose reason says %q", err, want)
	}
	if n := s.nmap.calls.Load(); n != 0 {
		t.Fatalf("the inject ran %d times, its result not storable", n)
	}

	_ = older.Process.Kill()
	_ = older.Wait()
	ended = true
	if now := pe.Current(); strings.Contains(now, want) {
		t.Errorf("once that process ended: reason now %q, want it no longer named", now)
	}
	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled again once that process ended: %v", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
}

// sentByOlderVersion marks the outbox at path injectkit-outbox/1 and
// makes its pending bodies ones that process pid, of an earlier version
// (its claims name no owner format), is sending.
func sentByOlderVersion(t *testing.T, path string, pid int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("injectkit-outbox/1")); err != nil {
			return err
		}
		b := tx.Bucket([]byte("pending"))
		leased := map[string][]byte{}
		err := b.ForEach(func(k, v []byte) error {
			var r map[string]any
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			delete(r, "owner_start")
			delete(r, "owner_format")
			r["owner"], r["lease_until"] = pid, time.Now().Add(time.Hour)
			raw, err := json.Marshal(r)
			leased[string(k)] = raw
			return err
		})
		for k, raw := range leased {
			if err := b.Put([]byte(k), raw); err != nil {
				return err
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An earlier version's process that starts sending from the outbox while
// the inject runs (after the check before the run) leaves the result
// refused by the store: serve sends it without storing it and
// acknowledges the message, instead of running the inject again.
func TestHandlerOutboxClaimedByAnEarlierVersionDuringTheRun(t *testing.T) {
	older := exec.Command("sleep", "60") // the earlier version's process
	if err := older.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = older.Process.Kill(); _ = older.Wait() }()
	s := newServeEnv(t, serveOpts{outbox: true, shared: true})
	s.keepCallback(t)
	s.nmap.during = func() { sentByOlderVersion(t, s.store.Path(), older.Process.Pid) }
	body := s.message(t, "i-meanwhile", "nmap", map[string]any{"targets": "192.0.2.1"}, nil, nil)

	if err := s.handler.HandleDelivery(t.Context(), serve.Delivery{Body: body}); err != nil {
		t.Fatalf("handled while an earlier version began sending during the run: %v, want acknowledged, the result sent unstored", err)
	}
	if n := s.nmap.calls.Load(); n != 1 {
		t.Errorf("the inject ran %d times, want once", n)
	}
	if st := s.platform.InjectStatus("i-meanwhile"); st != "SUCCESS" && st != "EXECUTED" {
		t.Errorf("inject status %q on the platform, want SUCCESS (EXECUTED): its result was not sent", st)
	}
}
