package outbox

import (
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// Close reports the delivered bodies whose removal failed only while the
// file still holds them: a failed put removes every body it stored, the
// delivered ones whose removal failed included, and Close then says
// nothing of them (it used to say they stayed pending, to be dropped by
// hand, while outbox list showed none).
func TestCloseReportsOnlyUnremovedBodiesLeft(t *testing.T) {
	errFull := errors.New("write outbox.db: no space left on device")
	for _, tc := range []struct {
		name      string
		removedBy []int // of the two bodies delivered, those a later removal took out
		want      []int // the bodies Close names
	}{
		{name: "none removed later", want: []int{0, 1}},
		{name: "one removed later", removedBy: []int{0}, want: []int{1}},
		{name: "both removed later", removedBy: []int{0, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t, Options{})
			var full atomic.Bool
			s.SetCommitHooks(nil, nil, func() error {
				if full.Load() {
					return errFull
				}
				return nil
			})
			recs, err := s.Put(Entry{InjectID: "a", Phase: "p", BaseURL: "http://127.0.0.1:1", Body: []byte(`{"n":0}`)},
				Entry{InjectID: "a", Phase: "p", ChunkIndex: 1, TotalChunks: 2, BaseURL: "http://127.0.0.1:1", Body: []byte(`{"n":1}`)})
			if err != nil {
				t.Fatal(err)
			}
			full.Store(true) // the disk fills: the removal of the delivered bodies fails
			s.deleteLater([]removal{{id: recs[0].ID, size: recs[0].Size}, {id: recs[1].ID, size: recs[1].Size}})
			s.flushLazy()
			full.Store(false)
			for _, i := range tc.removedBy {
				if _, err := s.remove([]removal{{id: recs[i].ID, size: -1}}, false); err != nil {
					t.Fatal(err)
				}
			}
			left, err := s.List()
			if err != nil {
				t.Fatal(err)
			}
			err = s.Close()
			var want []uint64
			for _, i := range tc.want {
				want = append(want, recs[i].ID)
			}
			if len(left) != len(want) {
				t.Fatalf("the outbox holds %d bodies, want %d", len(left), len(want))
			}
			var ue *UnremovedError
			switch {
			case len(want) == 0 && err != nil:
				t.Fatalf("Close: %v, want nil: no delivered body is left in the outbox", err)
			case len(want) == 0:
			case !errors.As(err, &ue) || !slices.Equal(ue.IDs, want) || ue.N != len(want) || !errors.Is(err, errFull):
				t.Fatalf("Close: %v, want the bodies %v named", err, want)
			case len(want) == 1 && !strings.Contains(err.Error(), "drop it with: injectkit outbox drop "):
				t.Errorf("Close: %v, want the body and its drop command named", err)
			}
		})
	}
}
