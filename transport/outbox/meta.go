package outbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt maps the file into memory and reads its pages there: a page past
// the end of a truncated file is a SIGBUS, which no recover catches. The
// file's size is therefore checked, once bbolt opened it and before it
// reads or maps it, against the high water mark its meta pages record.

// The layout of a bbolt meta page: a 16-byte page header, then the meta
// (magic, version, page size, flags, root bucket, freelist page, high
// water mark, transaction id, checksum), in the machine's byte order.
const (
	metaMagic    = 0xED0CDAED
	metaVersion  = 2
	metaOffset   = 16 // the page header
	metaSumEnd   = 56 // the bytes the checksum covers
	metaSize     = 64
	metaPageSize = 8  // offset of the page size in the meta
	metaPgid     = 40 // offset of the high water mark (the next page id)
	metaTxid     = 48
)

// openChecked is bbolt's OpenFile for the outbox at path: the size of
// the file it opens is checked (see checkSize) before bbolt reads or maps
// it, on the descriptor bbolt goes on with (one opening of the file, not
// two), which it keeps in *file.
func openChecked(path string, file **os.File) func(string, int, os.FileMode) (*os.File, error) {
	return func(name string, flag int, mode os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, mode)
		if err != nil {
			return nil, err
		}
		if err := checkSize(f, path); err != nil {
			_ = f.Close()
			return nil, err
		}
		*file = f
		return f, nil
	}
}

// checkSize returns a *CorruptError when f, the file at path that bbolt
// opened (see Store.openDB), is shorter than the pages its newest valid
// meta page says it holds. A file that is empty (bbolt creates an outbox
// in it) or has no valid meta page is left to bolt.Open, which says what
// is wrong; so is a file it cannot read.
func checkSize(f *os.File, path string) error {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return nil
	}
	// The second meta page follows the first, at the first's page size
	// (at this system's page size, the one bbolt tries, when the first is
	// damaged); the newest valid one counts.
	best := readMeta(f, 0)
	next := int64(os.Getpagesize())
	if best != nil {
		next = int64(binary.NativeEndian.Uint32(best[metaPageSize:]))
	}
	if m := readMeta(f, next); m != nil && (best == nil || binary.NativeEndian.Uint64(m[metaTxid:]) > binary.NativeEndian.Uint64(best[metaTxid:])) {
		best = m
	}
	if best == nil {
		return nil
	}
	pageSize := int64(binary.NativeEndian.Uint32(best[metaPageSize:]))
	pages := binary.NativeEndian.Uint64(best[metaPgid:])
	if pageSize <= 0 || pages > uint64(fi.Size()/pageSize) {
		return &CorruptError{Path: path, Err: fmt.Errorf("truncated: %d bytes, but its pages reach %d × %d bytes", fi.Size(), pages, pageSize)}
	}
	return nil
}

// readMeta returns the meta of the page at off when it is a valid one.
func readMeta(f *os.File, off int64) []byte {
	buf := make([]byte, metaOffset+metaSize)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return nil
	}
	m := buf[metaOffset:]
	if binary.NativeEndian.Uint32(m) != metaMagic || binary.NativeEndian.Uint32(m[4:]) != metaVersion {
		return nil
	}
	h := fnv.New64a()
	_, _ = h.Write(m[:metaSumEnd])
	if h.Sum64() != binary.NativeEndian.Uint64(m[metaSumEnd:]) {
		return nil
	}
	return m
}
