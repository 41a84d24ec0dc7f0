package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	bolt "go.etcd.io/bbolt"
)

// bbolt trusts the pages it reads. A damaged byte that makes it read past
// the file is a fault, which tx and openDB recover; but a page of a bucket
// that is no longer a leaf nor a branch, or a branch page reached again
// below itself, sends its cursor down the same page for ever, its stack
// growing until the process dies of it (the runtime's stack limit or the
// machine's memory: no panic to recover). An inline bucket's page whose
// type byte is damaged is enough: every flush, drop, run or compact of the
// outbox then crashed, or ate the machine's memory.
//
// checkPages reads the page tree of the file from its current root before
// bbolt walks it: every page a cursor can reach must be a branch or a
// leaf, within the file, named by its own id, and reached once; every
// element must lie within its page; an inline bucket's page must be a
// leaf. Deep (for a compaction, which copies every key and nested bucket)
// reads every leaf of every bucket whole; otherwise, at each open, the
// root page is read whole and the buckets of the root down to the header
// of the first leaf below each branch page: its siblings are leaves too,
// their ids checked but their headers left to a compaction (a system
// call each: 130 ms an open of an outbox of 20 000 bodies).

// Page layout (bbolt's internal/common): a 16-byte header, then the
// elements, 16 bytes each.
const (
	pageHeaderSize = 16
	pageElemSize   = 16
	pageBranch     = 0x01
	pageLeaf       = 0x02
	leafBucketFlag = 0x01
	bucketHeader   = 16 // root pgid, sequence
)

// pageChecker walks the page tree of one file.
type pageChecker struct {
	file     io.ReaderAt
	pageSize int64
	high     uint64 // the first page id past the file's pages in use
	// seen has a bit for each page id reached that the file holds: a
	// map of them cost most of an open of a file of a million bodies
	// (some 950 000 pages), hashing each id of every branch page. Ids
	// past the file's size (a high mark it does not hold) go in over.
	seen      []uint64
	over      map[uint64]bool
	filePages uint64 // the pages the file's size holds
	deep      bool
	skimmed   bool // the last page tree read was a leaf, its header alone
}

// checkPages checks the tree of pages of db, read from file (the one db
// opened: its lock is held), as of the transaction db reads now.
func checkPages(db *bolt.DB, file *os.File, deep bool) error {
	c := &pageChecker{file: file, pageSize: int64(db.Info().PageSize), deep: deep, over: map[uint64]bool{}}
	if fi, err := file.Stat(); err == nil {
		c.filePages = uint64(fi.Size() / c.pageSize)
	}
	var txid uint64
	if err := db.View(func(tx *bolt.Tx) error { txid = uint64(tx.ID()); return nil }); err != nil {
		return err
	}
	root, err := c.meta(txid)
	if err != nil {
		return err
	}
	return c.tree(root, true)
}

// meta returns the root page of the meta page of transaction txid, and
// sets the file's high-water mark from it.
func (c *pageChecker) meta(txid uint64) (uint64, error) {
	buf := make([]byte, pageHeaderSize+64)
	for id := int64(0); id < 2; id++ {
		if _, err := c.file.ReadAt(buf, id*c.pageSize); err != nil {
			return 0, fmt.Errorf("meta page %d: %w", id, err)
		}
		m := buf[pageHeaderSize:]
		if binary.LittleEndian.Uint64(m[48:]) == txid {
			c.high = binary.LittleEndian.Uint64(m[40:])
			c.seen = make([]uint64, (min(c.high, c.filePages)+63)/64)
			return binary.LittleEndian.Uint64(m[16:]), nil
		}
	}
	return 0, fmt.Errorf("%w: no meta page of transaction %d", errPageDamaged, txid)
}

// tree checks the page id and the pages below it; whole reads its leaves
// whole (the root's, or every one when deep).
func (c *pageChecker) tree(id uint64, whole bool) error {
	if err := c.reach(id); err != nil {
		return err
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := c.file.ReadAt(hdr, int64(id)*c.pageSize); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	if got := binary.LittleEndian.Uint64(hdr); got != id {
		return fmt.Errorf("%w: page %d holds page %d's id", errPageDamaged, id, got)
	}
	flags := binary.LittleEndian.Uint16(hdr[8:])
	overflow := uint64(binary.LittleEndian.Uint32(hdr[12:]))
	if flags != pageBranch && flags != pageLeaf {
		return fmt.Errorf("%w: page %d is of type %#x, neither a branch nor a leaf", errPageDamaged, id, flags)
	}
	c.skimmed = flags == pageLeaf && !whole
	if c.skimmed {
		return nil
	}
	if id+overflow >= c.high {
		return fmt.Errorf("%w: page %d runs past the file's pages (%d overflow)", errPageDamaged, id, overflow)
	}
	buf := make([]byte, int64(overflow+1)*c.pageSize)
	if _, err := c.file.ReadAt(buf, int64(id)*c.pageSize); err != nil {
		return fmt.Errorf("page %d: %w", id, err)
	}
	err := c.page(buf, fmt.Sprintf("page %d", id), whole)
	c.skimmed = false // this page's, whatever its children were
	return err
}

// reach notes that a page names page id: one within the file's pages,
// and not reached before.
func (c *pageChecker) reach(id uint64) error {
	switch {
	case id < 2 || id >= c.high:
		return fmt.Errorf("%w: page %d is out of the file's pages (2 to %d)", errPageDamaged, id, c.high-1)
	case id/64 >= uint64(len(c.seen)):
		if c.over[id] {
			return fmt.Errorf("%w: page %d is reached twice", errPageDamaged, id)
		}
		c.over[id] = true
		return nil
	case c.seen[id/64]&(1<<(id%64)) != 0:
		return fmt.Errorf("%w: page %d is reached twice", errPageDamaged, id)
	}
	c.seen[id/64] |= 1 << (id % 64)
	return nil
}

// page checks the elements of one page (buf, its header first), and what
// they lead to: a branch's children, a leaf's buckets.
func (c *pageChecker) page(buf []byte, name string, whole bool) error {
	flags := binary.LittleEndian.Uint16(buf[8:])
	count := int(binary.LittleEndian.Uint16(buf[10:]))
	if pageHeaderSize+count*pageElemSize > len(buf) {
		return fmt.Errorf("%w: %s: %d elements do not fit in it", errPageDamaged, name, count)
	}
	leaves := false // the first child was a leaf, its header alone read
	for i := range count {
		e := buf[pageHeaderSize+i*pageElemSize:]
		at := pageHeaderSize + i*pageElemSize
		switch flags {
		case pageBranch:
			pos, ksize := binary.LittleEndian.Uint32(e), binary.LittleEndian.Uint32(e[4:])
			if uint64(at)+uint64(pos)+uint64(ksize) > uint64(len(buf)) {
				return fmt.Errorf("%w: %s: element %d lies past its end", errPageDamaged, name, i)
			}
			child := binary.LittleEndian.Uint64(e[8:])
			if i > 0 && leaves {
				// A B+tree's children are all leaves when the first is:
				// their headers are left to a compaction (see above).
				if err := c.reach(child); err != nil {
					return err
				}
				continue
			}
			if err := c.tree(child, whole); err != nil {
				return err
			}
			leaves = c.skimmed
		case pageLeaf:
			kind, pos := binary.LittleEndian.Uint32(e), binary.LittleEndian.Uint32(e[4:])
			ksize, vsize := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
			start := uint64(at) + uint64(pos) + uint64(ksize)
			if start+uint64(vsize) > uint64(len(buf)) {
				return fmt.Errorf("%w: %s: element %d lies past its end", errPageDamaged, name, i)
			}
			if kind&leafBucketFlag != 0 {
				if err := c.bucket(buf[start:start+uint64(vsize)], fmt.Sprintf("%s element %d", name, i)); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("%w: %s is of type %#x, neither a branch nor a leaf", errPageDamaged, name, flags)
		}
	}
	return nil
}

// bucket checks the bucket whose value v is: its tree of pages, or its
// inline page, which must be a leaf.
func (c *pageChecker) bucket(v []byte, name string) error {
	if len(v) < bucketHeader {
		return fmt.Errorf("%w: %s: a bucket of %d bytes", errPageDamaged, name, len(v))
	}
	if root := binary.LittleEndian.Uint64(v); root != 0 {
		return c.tree(root, c.deep)
	}
	inline := v[bucketHeader:]
	if len(inline) < pageHeaderSize {
		return fmt.Errorf("%w: %s: an inline bucket of %d bytes", errPageDamaged, name, len(v))
	}
	if flags := binary.LittleEndian.Uint16(inline[8:]); flags != pageLeaf {
		return fmt.Errorf("%w: %s: an inline bucket's page of type %#x, not a leaf", errPageDamaged, name, flags)
	}
	return c.page(inline, name+" (inline)", true)
}

// checkPages is checkPages of the store's file, its error a *CorruptError
// for a malformed page (said as any damaged page is: its detail, the page,
// is the error's cause).
func (s *Store) checkPages(db *bolt.DB, file *os.File, deep bool) error {
	err := checkPages(db, file, deep)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errPageDamaged):
		return &CorruptError{Path: s.path, Err: err}
	}
	return fmt.Errorf("outbox %s: reading its pages: %w", s.path, err)
}

// adopt records the file db opened as the store's (its identity), once
// its pages are checked; db is closed when they are not sound.
func (s *Store) adopt(db *bolt.DB, file *os.File) error {
	s.fileID = heldIdent(file)
	if err := s.checkPages(db, file, false); err != nil {
		_ = db.Close()
		return err
	}
	return nil
}

// checkFile is checkPages of src's file, opened again by its path (this
// process holds its lock).
func checkFile(src *bolt.DB, deep bool) error {
	f, err := os.Open(src.Path())
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	return checkPages(src, f, deep)
}
