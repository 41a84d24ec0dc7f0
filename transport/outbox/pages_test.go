package outbox

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// boltLayout reads, from the raw bytes of a bbolt file, its page size,
// its current root page and where each bucket of the root holds its value.
type boltLayout struct {
	pageSize int
	root     int
	high     int
	values   map[string]int // bucket name → offset of its value (root pgid, sequence, inline page)
}

func readLayout(t *testing.T, raw []byte) boltLayout {
	t.Helper()
	ps := int(binary.LittleEndian.Uint32(raw[pageHeaderSize+8:]))
	var l boltLayout
	var txid uint64
	for id := range 2 {
		m := raw[id*ps+pageHeaderSize:]
		if tx := binary.LittleEndian.Uint64(m[48:]); tx >= txid {
			txid, l.root, l.high = tx, int(binary.LittleEndian.Uint64(m[16:])), int(binary.LittleEndian.Uint64(m[40:]))
		}
	}
	l.pageSize, l.values = ps, map[string]int{}
	p := raw[l.root*ps:]
	if flags := binary.LittleEndian.Uint16(p[8:]); flags != pageLeaf {
		t.Fatalf("root page %d of type %#x, want a leaf", l.root, flags)
	}
	for i := range int(binary.LittleEndian.Uint16(p[10:])) {
		at := l.root*ps + pageHeaderSize + i*pageElemSize
		pos, ksize := int(binary.LittleEndian.Uint32(raw[at+4:])), int(binary.LittleEndian.Uint32(raw[at+8:]))
		l.values[string(raw[at+pos:at+pos+ksize])] = at + pos + ksize
	}
	return l
}

// makeInlineBranch turns the inline bucket's page at inline into a
// branch whose one child is page 0: the inline page itself, for bbolt.
func makeInlineBranch(inline []byte) {
	binary.LittleEndian.PutUint16(inline[8:], pageBranch)
	binary.LittleEndian.PutUint16(inline[10:], 1)
	binary.LittleEndian.PutUint64(inline[pageHeaderSize+8:], 0)
}

// A damaged page that bbolt would follow for ever (an inline bucket's page
// turned into a branch naming itself, a branch naming itself) or off its
// page makes the outbox damaged, named with the page: at open, for every
// operation, or, deeper than a cursor of the outbox goes (a bucket nested
// in a bucket of records), for a compaction, which copies every bucket.
// Never a cursor descending until the stack or the machine's memory runs
// out, nor a new file copied from it.
func TestMalformedPagesRefused(t *testing.T) {
	nested := []byte("zz-nested")
	tests := []struct {
		name    string
		records int  // stored, 3000 bytes each, half of them stored (60: the bodies bucket gets a branch page)
		opens   bool // the damage is met by a compaction only
		damage  func(t *testing.T, raw []byte, l boltLayout)
		want    string
	}{
		{"inline bucket's page a branch naming itself", 1, false, func(t *testing.T, raw []byte, l boltLayout) {
			v := l.values["backends"]
			if binary.LittleEndian.Uint64(raw[v:]) != 0 {
				t.Fatal("the backends bucket is not inline")
			}
			makeInlineBranch(raw[v+bucketHeader:])
		}, "an inline bucket's page of type 0x1, not a leaf"},
		{"branch page naming itself", 60, false, func(t *testing.T, raw []byte, l boltLayout) {
			root := int(binary.LittleEndian.Uint64(raw[l.values["bodies"]:]))
			p := raw[root*l.pageSize:]
			if binary.LittleEndian.Uint16(p[8:]) != pageBranch {
				t.Fatalf("the bodies bucket's root page %d is not a branch", root)
			}
			binary.LittleEndian.PutUint64(p[pageHeaderSize+8:], uint64(root))
		}, "is reached twice"},
		{"branch page's last child naming it", 60, false, func(t *testing.T, raw []byte, l boltLayout) {
			root := int(binary.LittleEndian.Uint64(raw[l.values["bodies"]:]))
			p := raw[root*l.pageSize:]
			last := int(binary.LittleEndian.Uint16(p[10:])) - 1
			if binary.LittleEndian.Uint16(p[8:]) != pageBranch || last < 1 {
				t.Fatalf("the bodies bucket's root page %d is not a branch of several pages", root)
			}
			binary.LittleEndian.PutUint64(p[pageHeaderSize+last*pageElemSize+8:], uint64(root))
		}, "is reached twice"},
		{"bucket's root out of the file", 1, false, func(t *testing.T, raw []byte, l boltLayout) {
			binary.LittleEndian.PutUint64(raw[l.values["pending"]:], uint64(l.high+1000))
		}, "out of the file's pages"},
		{"root element past its page", 1, false, func(t *testing.T, raw []byte, l boltLayout) {
			binary.LittleEndian.PutUint32(raw[l.root*l.pageSize+pageHeaderSize+4:], 0x7fff0000)
		}, "element 0 lies past its end"},
		{"bucket nested among the bodies, its page a branch naming itself", 60, true, func(t *testing.T, raw []byte, l boltLayout) {
			n := 0
			for at := 0; ; n++ {
				i := bytes.Index(raw[at:], nested)
				if i < 0 {
					break
				}
				at += i + len(nested)
				makeInlineBranch(raw[at+bucketHeader:])
			}
			if n == 0 {
				t.Fatal("no nested bucket in the file")
			}
		}, "an inline bucket's page of type 0x1, not a leaf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			s := mustOpen(t, path, Options{})
			for i := range tt.records {
				noise := make([]byte, 1500) // hex of it: a body that compresses to half of it
				for j := range noise {
					noise[j] = byte(rand.New(rand.NewPCG(uint64(i), uint64(j))).Uint32())
				}
				e := entry("inj", i, tt.records, hex.EncodeToString(noise))
				if _, err := s.Put(e); err != nil {
					t.Fatal(err)
				}
			}
			if tt.opens {
				err := s.do(true, func(tx *bolt.Tx) error {
					b, err := tx.Bucket(bucketBodies).CreateBucket(nested)
					if err != nil {
						return err
					}
					return b.Put([]byte("k"), []byte("v"))
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, raw, readLayout(t, raw))
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			check := func(op string, err error) {
				t.Helper()
				want := "outbox " + path + " is damaged: a page of it cannot be read (move it aside to start an empty one)"
				var ce *CorruptError
				if !errors.As(err, &ce) || err.Error() != want || !strings.Contains(ce.Err.Error(), tt.want) {
					t.Errorf("%s: %v, want %q, its cause saying %q", op, err, want, tt.want)
				}
			}
			s, err = Open(path, Options{})
			if !tt.opens {
				check("open", err)
				_, err = Open(path, Options{ReadOnly: true})
				check("open read-only", err)
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if list, err := s.List(); err != nil || len(list) != tt.records {
					t.Errorf("list: %d records, %v; want %d", len(list), err, tt.records)
				}
				want := "outbox " + path + ": compact: copy: a page of it cannot be read: "
				if _, _, err := s.Compact(); !errors.Is(err, errPageDamaged) || !strings.Contains(err.Error(), want+"page ") || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("compact: %v, want %q … %q", err, want, tt.want)
				}
				_ = s.Close()
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, raw) {
				t.Error("the damaged file was changed")
			}
		})
	}
}
