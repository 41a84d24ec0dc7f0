package outbox

import "testing"

func TestPendingOf(t *testing.T) {
	for _, shared := range []bool{false, true} {
		s := openTemp(t, Options{Shared: shared})
		armed, gate := make(chan struct{}), make(chan struct{})
		s.SetCommitHooks(func() {}, func(int) {
			select {
			case <-armed: // the deferred removal's commit waits
				<-gate
			default:
			}
		}, func() error { return nil })
		recs, err := s.Put(entry("inj/1", 0, 1, `{"a":1}`), entry("inj<2>", 0, 1, `{"b":2}`),
			entry("dead", 0, 1, `{}`), entry("gone", 0, 1, `{}`), entry("bad\xffid", 0, 1, `{}`),
			entry("inj/1x", 0, 1, `{}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MoveToDead(recs[2].ID, 1, 400, "no", "rejected"); err != nil {
			t.Fatal(err)
		}
		close(armed)
		s.deleteLater([]removal{{id: recs[3].ID, size: recs[3].Size}}) // held: in flight during the queries
		for _, tt := range []struct {
			id    string
			match func(Record) bool
			want  bool
		}{
			{"inj/1", nil, true},
			{"inj<2>", nil, true},    // HTML-escaped in the stored JSON
			{"bad\xffid", nil, true}, // not UTF-8: kept raw
			{"inj", nil, false},      // a prefix of stored ids only
			{"dead", nil, false},     // in the dead list
			{"gone", nil, false},     // removal in flight
			{"nowhere", nil, false},  // never stored
			{"inj/1", func(r Record) bool { return r.Phase == "other" }, false},
			{"inj/1", func(r Record) bool { return r.ID == recs[0].ID && r.State == Pending }, true},
		} {
			rec, got, err := s.PendingOf(tt.id, tt.match)
			if err != nil || got != tt.want || got && rec.InjectID != tt.id {
				t.Errorf("shared=%t: PendingOf(%q) = %+v, %t, %v; want %t", shared, tt.id, rec, got, err, tt.want)
			}
		}
		close(gate)
	}
}
