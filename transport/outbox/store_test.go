package outbox

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/transport"
)

func openTemp(t *testing.T, opts Options) *Store {
	t.Helper()
	s := mustOpen(t, filepath.Join(t.TempDir(), "state", "outbox.db"), opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// mustOpen opens the outbox at path, failing t when it cannot; the test
// closes it.
func mustOpen(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func entry(id string, chunk, total int, body string) Entry {
	return Entry{InjectID: id, Phase: "execution_complete", ChunkIndex: chunk, TotalChunks: total,
		BaseURL: "https://user:pw@127.0.0.1:8443/prefix", Body: []byte(body)}
}

func TestPutGetListDelete(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(map[bool]string{false: "held", true: "shared"}[shared], func(t *testing.T) {
			s := openTemp(t, Options{Shared: shared})
			body := `{"phase":"execution_complete","expectation_signature":{"targets":[]},"chunk_index":0,"total_chunks":2}`
			recs, err := s.Put(entry("inj/1", 0, 2, body), entry("inj/1", 1, 2, body+" "))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || recs[0].ID == recs[1].ID {
				t.Fatalf("records %+v", recs)
			}
			got, err := s.Get(recs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Body, []byte(body)) || got.State != Pending || got.Owner != os.Getpid() {
				t.Errorf("got %+v body %s", got, got.Body)
			}
			if want := transport.IdempotencyKey("inj/1", "execution_complete", 0, []byte(body)); got.IdempotencyKey != want {
				t.Errorf("key %q, want %q", got.IdempotencyKey, want)
			}
			if got.BaseURL != "https://127.0.0.1:8443/prefix" || got.URL != "https://127.0.0.1:8443/prefix/api/injects/inj%2F1/callback" {
				t.Errorf("urls %q %q keep credentials or miss the path", got.BaseURL, got.URL)
			}
			list, err := s.List()
			if err != nil || len(list) != 2 || list[0].Body != nil || list[1].ChunkIndex != 1 || list[1].TotalChunks != 2 {
				t.Fatalf("list %+v, %v", list, err)
			}
			st, _ := s.Stats()
			if st.Pending != 2 || st.Dead != 0 || st.Bytes != int64(2*len(body)+1) {
				t.Errorf("stats %+v", st)
			}
			if err := s.Delete(recs[0].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(recs[0].ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("get after delete: %v", err)
			}
			if err := s.Delete(recs[0].ID); !errors.Is(err, ErrNotFound) {
				t.Errorf("second delete: %v", err)
			}
			if st, _ := s.Stats(); st.Pending != 1 || st.Bytes != int64(len(body)+1) {
				t.Errorf("stats after delete %+v", st)
			}
			// The file survives a reopen.
			path := s.Path()
			_ = s.Close()
			s2 := mustOpen(t, path, Options{})
			defer s2.Close()
			if got, err := s2.Get(recs[1].ID); err != nil || string(got.Body) != body+" " {
				t.Errorf("after reopen: %v %q", err, got.Body)
			}
		})
	}
}

func TestFailedDeadRetryDead(t *testing.T) {
	s, rec := putOne(t, Options{})
	id := rec.ID
	next := time.Now().Add(time.Hour).Truncate(time.Second)
	if err := s.MarkFailed(id, 4, "callback failed after 4 attempts: status 503", next); err != nil {
		t.Fatal(err)
	}
	r, _ := s.Get(id)
	if r.Attempts != 4 || !r.NextAttempt.Equal(next) || r.Owner != 0 || !strings.Contains(r.LastError, "503") {
		t.Errorf("after MarkFailed: %+v", r)
	}
	if err := s.MoveToDead(id, 1, 400, `{"error":"bad"}`, "callback rejected: status 400"); err != nil {
		t.Fatal(err)
	}
	r, _ = s.Get(id)
	if r.State != Dead || r.DeadStatus != 400 || r.DeadBody != `{"error":"bad"}` || r.Attempts != 5 || r.DeadAt.IsZero() {
		t.Errorf("after MoveToDead: %+v", r)
	}
	if err := s.MarkFailed(id, 1, "x", next); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkFailed on a dead record: %v", err)
	}
	if _, ok, err := s.Claim(id); ok || !errors.Is(err, ErrNotFound) {
		t.Errorf("Claim of a dead record: %v %v", ok, err)
	}
	if st, _ := s.Stats(); st.Pending != 0 || st.Dead != 1 || st.Bytes != 2 {
		t.Errorf("stats %+v", st)
	}
	r, err := s.RetryDead(id)
	if err != nil || r.State != Pending || r.DeadStatus != 0 || r.NextAttempt.After(time.Now()) {
		t.Fatalf("RetryDead: %+v %v", r, err)
	}
	if _, err := s.RetryDead(id); !errors.Is(err, ErrNotDead) {
		t.Errorf("RetryDead of a pending record: %v", err)
	}
	if _, err := s.RetryDead(999); !errors.Is(err, ErrNotFound) {
		t.Errorf("RetryDead of an unknown id: %v", err)
	}
}

func TestFull(t *testing.T) {
	s := openTemp(t, Options{MaxBytes: 100})
	if _, err := s.Put(entry("a", 0, 1, strings.Repeat("x", 60))); err != nil {
		t.Fatal(err)
	}
	// Two bodies that do not both fit: neither is stored.
	_, err := s.Put(entry("b", 0, 2, strings.Repeat("y", 20)), entry("b", 1, 2, strings.Repeat("y", 30)))
	var fe *FullError
	if !errors.As(err, &fe) || !errors.Is(err, ErrFull) || fe.Used != 60 || fe.Max != 100 || fe.Need != 50 {
		t.Fatalf("error = %#v", err)
	}
	if !strings.Contains(err.Error(), s.Path()) || !strings.Contains(err.Error(), "full") {
		t.Errorf("message %q does not name the file", err)
	}
	if list, _ := s.List(); len(list) != 1 {
		t.Errorf("%d records after a refused put", len(list))
	}
	if _, err := s.Put(entry("c", 0, 1, strings.Repeat("z", 40))); err != nil {
		t.Errorf("a body that fits exactly: %v", err)
	}
}

func TestCorrupt(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	s := mustOpen(t, good, Options{})
	for i := range 50 {
		if _, err := s.Put(entry("inj", i, 50, strings.Repeat("b", 3000))); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Close()
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte(nil), raw...)
	for i := 2 * 4096; i < len(damaged); i++ { // keep both meta pages, wreck the rest
		damaged[i] = byte(i*7 + 3)
	}
	foreign := filepath.Join(dir, "foreign.db")
	if err := writeForeignBolt(foreign); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte
		path    string
		// truncate, when not 0, cuts the file to that size once it is
		// open: a page read past its end is a fault, not a crash.
		truncate int64
	}{
		{"not a database", []byte("this is not a bbolt file, just text\n"), "", 0},
		{"zeros", make([]byte, 16384), "", 0},
		{"damaged pages", damaged, "", 0},
		{"truncated", raw[:4096+100], "", 0},
		// Both meta pages kept, the pages they name cut off (a SIGBUS).
		{"truncated after the meta pages", raw[:8192], "", 0},
		{"truncated to 3 pages", raw[:12288], "", 0},
		{"truncated to 4 pages", raw[:16384], "", 0},
		{"truncated within a page", raw[:20000], "", 0},
		{"truncated while open", raw, "", 8192},
		{"another bbolt file", nil, foreign, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = filepath.Join(t.TempDir(), "outbox.db")
				if err := os.WriteFile(path, tt.content, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(path, Options{Timeout: time.Second})
			if err == nil && tt.truncate != 0 {
				err = os.Truncate(path, tt.truncate)
				if err != nil {
					t.Fatal(err)
				}
			}
			if err == nil {
				// Some damage only shows when the pages are read.
				_, err = s.List()
				if err == nil {
					_, err = s.Put(entry("x", 0, 1, "{}"))
				}
				_ = s.Close()
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error = %v, want a *CorruptError", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name the file", err)
			}
			// The runtime's text of a fault or a panic bbolt hit is
			// not the user's to read: the message says the file is
			// damaged, and what to do.
			if msg := err.Error(); strings.Contains(msg, "runtime error") || strings.Contains(msg, "unexpected fault") ||
				strings.Contains(msg, "panic") || !strings.Contains(msg, "move it aside") {
				t.Errorf("message %q shows the runtime's text, or says not what to do", err)
			}
			// The file is not left locked by this process.
			if s, err := Open(filepath.Join(t.TempDir(), "fresh.db"), Options{}); err != nil {
				t.Errorf("a fresh outbox: %v", err)
			} else {
				_ = s.Close()
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(filepath.Join(file, "sub", "outbox.db"), Options{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(file, "sub", "outbox.db")) || !strings.Contains(err.Error(), "create directory") {
		t.Errorf("error = %v, want one naming the path", err)
	}
	if _, err := Open("", Options{}); err == nil {
		t.Error("empty path accepted")
	}
	s := openTemp(t, Options{})
	_ = s.Close()
	if _, err := s.List(); !errors.Is(err, ErrClosed) {
		t.Errorf("List after Close: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		limit    time.Duration
		want     time.Duration
	}{
		{0, 0, MinBackoff},
		{1, 0, MinBackoff},
		{2, 0, 2 * MinBackoff},
		{4, 0, 8 * MinBackoff},
		{7, 0, MaxBackoff},
		{1 << 30, 0, MaxBackoff},
		{3, 12 * time.Second, 12 * time.Second},
		// A limit near the largest duration: the doubling never overflows
		// (to a negative wait, or to 0 and a loop of MaxInt rounds).
		{31, math.MaxInt64, MinBackoff << 30},
		{32, math.MaxInt64, math.MaxInt64},
		{math.MaxInt, math.MaxInt64, math.MaxInt64},
		{math.MaxInt, math.MaxInt64 - 1, math.MaxInt64 - 1},
	}
	for _, tt := range tests {
		done := make(chan time.Duration, 1)
		go func() { done <- Backoff(tt.attempts, tt.limit) }()
		select {
		case got := <-done:
			if got != tt.want {
				t.Errorf("Backoff(%d, %s) = %s, want %s", tt.attempts, tt.limit, got, tt.want)
			}
		case <-time.After(time.Minute): // only a hang fails here
			t.Fatalf("Backoff(%d, %s) did not return", tt.attempts, tt.limit)
		}
	}
}

// A refused Put says what would make room: the bytes it needs beyond
// those free, or, when the outbox is already at or over its bound (a
// bound lowered since the bodies were stored), that no Put fits until
// bodies go, never a need that meeting would not make room.
func TestFullMessageSaysWhatMakesRoom(t *testing.T) {
	tests := []struct {
		name        string
		stored, max int64 // bytes stored under a bound of 1000, then the bound
		put         int
		want        string
	}{
		{"room short", 60, 100, 50, "60 of 100 bytes used, 50 more needed"},
		{"no room left", 100, 100, 1, "100 of 100 bytes used (no room left): flush or drop"},
		{"over the limit", 200, 100, 1, "200 of 100 bytes used (over the limit): flush or drop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{MaxBytes: 1000})
			if _, err := s.Put(entry("a", 0, 1, strings.Repeat("x", int(tt.stored)))); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = mustOpen(t, path, Options{MaxBytes: tt.max})
			t.Cleanup(func() { _ = s.Close() })
			_, err := s.Put(entry("b", 0, 1, strings.Repeat("y", tt.put)))
			if !errors.Is(err, ErrFull) {
				t.Fatalf("error = %v, want ErrFull", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || (tt.stored >= tt.max && strings.Contains(msg, "more needed")) {
				t.Errorf("message %q, want %q", msg, tt.want)
			}
		})
	}
}

// A retry-dead that lost the race to another (the record pending again,
// perhaps being sent by the winner) is told so, not that the id is not in
// the outbox, and changes nothing.
func TestRetryDeadLostRace(t *testing.T) {
	other := liveProcess(t)
	tests := []struct {
		name  string
		owner int
		want  string
	}{
		{"pending", 0, "is pending, not dead; not retried"},
		{"being sent by the winner", other, "is pending, not dead: being sent by pid " + strconv.Itoa(other)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := putOne(t, Options{})
			id := rec.ID
			retriedDead(t, s, id, 1, 400, `{"error":"bad"}`, "callback rejected: status 400") // the winner
			takeOver(t, s, id, tt.owner, time.Now().Add(time.Minute))
			before, _ := s.Get(id)
			_, err := s.RetryDead(id)
			if !errors.Is(err, ErrNotDead) || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), strconv.FormatUint(id, 10)+" "+tt.want) {
				t.Errorf("RetryDead after another's: %v, want %q", err, tt.want)
			}
			if n := strings.Count(err.Error(), s.Path()); n != 1 {
				t.Errorf("RetryDead after another's: %v, names the outbox %d times, want once", err, n)
			}
			if after, _ := s.Get(id); after.State != Pending || after.Owner != before.Owner || !after.NextAttempt.Equal(before.NextAttempt) {
				t.Errorf("a refused retry-dead changed the record: %+v, was %+v", after, before)
			}
		})
	}
}
