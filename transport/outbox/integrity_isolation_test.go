package outbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport/transporttest"
)

// newRouter starts a loopback backend answering each inject's callback as
// its mode says: "drop" cuts the connection, a number is the status; 200
// when no mode is set.
func newRouter(t *testing.T, modes map[string]string) *transporttest.Backend {
	return transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/injects/"), "/callback")
		switch mode := modes[id]; mode {
		case "drop":
			transporttest.Cut(w)
		case "", "200":
		default:
			w.WriteHeader(map[string]int{"400": 400, "401": 401, "403": 403, "429": 429, "503": 503}[mode])
		}
	})
}

// A record that fails on its own never holds back the next one to the same
// backend: only a connection-level failure, a 429 or 503 (the backend
// asking to wait: t67) or a 301 or 308 marks the backend down, and a token
// refused (401, 403), which keeps the bodies pending.
func TestOneRecordNeverBlocksOthers(t *testing.T) {
	tests := []struct {
		name      string
		firstID   string
		modes     map[string]string
		want      FlushResult
		requests  int
		dead      string // DeadReason of the first record, "" when pending
		lastError string
		// damage, when not empty, replaces damage[0] with damage[1] in the
		// first record's stored metadata.
		damage [2]string
	}{
		{"Idempotency-Key refused", "poison\x01", nil, FlushResult{Delivered: 1, Rejected: 1}, 1, ReasonUnsendable, "Idempotency-Key", [2]string{}},
		{"inject id refused", " ", nil, FlushResult{Delivered: 1, Rejected: 1}, 1, ReasonUnsendable, "empty inject id", [2]string{}},
		{"status 400", "first", map[string]string{"first": "400"}, FlushResult{Delivered: 1, Rejected: 1}, 2, ReasonRejected, "400", [2]string{}},
		{"status 503", "first", map[string]string{"first": "503"}, FlushResult{Failed: 2, Untried: 1}, 2, "", "503", [2]string{}},
		{"connection cut", "first", map[string]string{"first": "drop", "second": "drop"}, FlushResult{Failed: 2, Untried: 1}, 2, "", "EOF", [2]string{}},
		{"token refused (401)", "first", map[string]string{"first": "401"}, FlushResult{Failed: 2, Refused: 2}, 1, "", "401", [2]string{}},
		{"token refused (403)", "first", map[string]string{"first": "403"}, FlushResult{Failed: 2, Refused: 2}, 1, "", "403", [2]string{}},
		{"metadata damaged", "first", nil, FlushResult{Delivered: 1, Rejected: 1, Corrupt: 1}, 1, ReasonCorrupt, "metadata cannot be read", [2]string{`"phase"`, `#phase"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newRouter(t, tt.modes)
			s := openTemp(t, Options{})
			recs, err := s.Put(
				Entry{InjectID: tt.firstID, Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p","n":1}`)},
				Entry{InjectID: "second", Phase: "p", BaseURL: be.URL, Body: []byte(`{"phase":"p","n":2}`)})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				_ = s.MarkFailed(r.ID, 0, "", time.Now())
			}
			if tt.damage[0] != "" {
				damageRecord(t, s, recs[0].ID, tt.damage[0], tt.damage[1])
			}
			res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
			if rejected := tt.dead == ReasonRejected; (res.Rejection != nil) != rejected ||
				rejected && !strings.Contains(res.Rejection.Error(), tt.lastError) {
				t.Errorf("rejection %v, want the backend's (%q) only when it rejected the body", res.Rejection, tt.lastError)
			}
			res.Rejection = nil // checked above
			if err != nil || res != tt.want {
				t.Fatalf("flush %+v %v, want %+v", res, err, tt.want)
			}
			if n := be.Len(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			r, err := s.Get(recs[0].ID)
			if err != nil || r.DeadReason != tt.dead || (tt.dead == "") != (r.State == Pending) ||
				!strings.Contains(r.LastError, tt.lastError) {
				t.Errorf("first record %+v %v", r, err)
			}
		})
	}
}

// A corrupt body a flush claims ahead (in its window) and never reaches,
// its backend found down on the body before it, stays pending, counted
// with the others not tried: it is moved to the dead list, logged and
// counted Rejected, only when a pass reaches it (Claim).
func TestCorruptBodyClaimedAheadNotReached(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	s := openTemp(t, Options{})
	recs, err := s.Put(
		Entry{InjectID: "good", Phase: "p", BaseURL: down, Body: []byte(`{"phase":"p"}`)},
		Entry{InjectID: "bad", Phase: "p", BaseURL: down, Body: []byte(`{"phase":"q"}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		_ = s.MarkFailed(r.ID, 0, "", time.Now())
	}
	editStored(t, s, recs[1].ID, nil, func([]byte) []byte { return []byte{} })
	res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
	if err != nil || res.Rejected != 0 || res.Failed != 2 {
		t.Fatalf("flush, backend down: %+v %v, want both failed, none rejected", res, err)
	}
	if list, _ := s.List(); len(list) != 2 || list[1].State != Pending {
		t.Fatalf("records %+v, want the corrupt one still pending", list)
	}
	if _, _, err := s.Claim(recs[1].ID); !errors.As(err, new(*RecordError)) {
		t.Fatalf("claim of the corrupt body: %v, want a *RecordError", err)
	}
	if list, _ := s.List(); len(list) != 2 || list[1].State != Dead || list[1].DeadReason != ReasonCorrupt {
		t.Fatalf("records %+v, want the corrupt one dead", list)
	}
}

// A body refused again with a 429 or 503 (refused so before this pass: a
// WAF answering for its payload alone, say) does not hold its backend's
// other bodies for ever: the next one tries the backend in the same pass,
// and only its refusal too holds the backend. A body refused the first
// time still holds it at once, and so does one whose earlier failure was
// no answer or another status: its backend, down then, is not probed by
// the next body (it was, whatever the earlier failure).
func TestRefusedAgainLetsTheNextBodyTry(t *testing.T) {
	tests := []struct {
		name     string
		modes    map[string]string
		before   int // the first body's status before this pass: -1 not tried, 0 tried without an answer
		want     FlushResult
		requests int
	}{
		{"its payload alone, tried before", map[string]string{"first": "503"}, 503, FlushResult{Delivered: 2, Failed: 1}, 4},
		{"429 for its payload alone, tried before", map[string]string{"first": "429"}, 429, FlushResult{Delivered: 2, Failed: 1}, 4},
		{"503 now, 429 before", map[string]string{"first": "503"}, 429, FlushResult{Delivered: 2, Failed: 1}, 4},
		{"every body, tried before", map[string]string{"first": "503", "second": "503", "third": "503"}, 503, FlushResult{Failed: 3, Untried: 1}, 4},
		{"its payload alone, first time", map[string]string{"first": "503"}, -1, FlushResult{Failed: 3, Untried: 2}, 2},
		{"tried before without an answer", map[string]string{"first": "503"}, 0, FlushResult{Failed: 3, Untried: 2}, 2},
		{"tried before, a 500", map[string]string{"first": "503"}, 500, FlushResult{Failed: 3, Untried: 2}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newRouter(t, tt.modes)
			s := openTemp(t, Options{})
			var entries []Entry
			for i, id := range []string{"first", "second", "third"} {
				entries = append(entries, Entry{InjectID: id, Phase: "p", BaseURL: be.URL, Body: []byte(fmt.Sprintf(`{"phase":"p","n":%d}`, i))})
			}
			recs, err := s.Put(entries...)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range recs {
				attempts, status := 0, 0
				if tt.before >= 0 && i == 0 {
					attempts, status = 4, tt.before
				}
				if err := s.markAnswered(r.ID, failedAttempts{n: attempts}, status, "", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			res, err := (&Resender{Store: s, Client: clientFor(t)}).Flush(context.Background())
			if err != nil || res != tt.want {
				t.Fatalf("flush %+v %v, want %+v", res, err, tt.want)
			}
			if n := be.Len(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
		})
	}
}
