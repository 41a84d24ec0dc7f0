package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"unsafe"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// maxLine is the longest line of a targets file.
const maxLine = 1 << 20

// maxCounted is how much of a regular targets file the first pass reads to
// count its targets (countTargets): 16 MiB, the lines of about 1.4 million
// IPv4 addresses. The list is made for those; past them it grows as it
// is filled.
const maxCounted = 16 << 20

// maxPresized is the most bytes of list presize makes room for at once:
// 64 MiB, a million targets typed (framework.Target, 64 bytes), 299 593
// kept as written (runtime.TargetSpec, 224 bytes: the openaev profile's).
// A count read ahead (a targets file's lines, an inject file's entries)
// is of what the file writes, not of what the run keeps: duplicates are
// dropped, and a file is refused at its first bad target. Sized to the
// count alone, 16 MiB of one host name's lines made a list of 512 MB for
// one target (the run peaked at 1.3 GB), and an inject file of 22 million
// {} after one target a list of 1.4 GB (5 GB kept as written: the run
// peaked at 7.6 GB) before its second was refused. Past the bound the
// list grows as it is filled.
const maxPresized = 64 << 20

// presize makes room for n more targets, a count read ahead, at most
// maxPresized bytes of them. A count of settleAbove targets or more lifts
// the run's heap now (heapHold.lift), not at settle: left at serve's
// floor while the list was read, W1 at 100k collected once in the read
// (a goal of 16 MiB) only to collect again at settle, marking the same
// list twice.
func (l *targetList) presize(n int) {
	if l.len()+n >= settleAbove {
		l.heap.lift()
	}
	size := int(unsafe.Sizeof(framework.Target{}))
	if l.lenient {
		size = int(unsafe.Sizeof(runtime.TargetSpec{}))
	}
	l.grow(min(n, maxPresized/size))
}

// readTargetsFile calls fn with each target of a file, one a line: blank
// lines are skipped, and a # starts a comment, on its own line or at the
// end of one. A line ends at LF, CRLF or CR alone (nextLine). where says
// where path was given.
//
// The file is read a block at a time, into a buffer of one line's bound
// (maxLine and its line end): a file with no end (/dev/zero) is refused at
// its first line longer than maxLine rather than read until memory runs
// out. The complete lines of a block become one string, which the targets
// read from them share (a million-line file costs a few dozen allocations,
// not one a line), unless the block is mostly comments and blank lines:
// then each target gets a copy of its own, and the block goes. A block is
// thus held while a target fn kept from it is: when fn keeps each line's
// target, what the read holds besides the block being read is at most
// twice the text of the targets; when it drops lines (duplicates) or keeps
// something else than their text (a CIDR range's addresses), a block may
// be held whole (1 MiB at most) for the few targets kept from it.
//
// Once fn has taken the file's first target (a file wrong from its first
// line is refused before anything else is read), the lines of a regular
// file from the block that target is in, up to maxCounted bytes of them,
// are counted (countTargets) and the list is made to hold them at once:
// grown line by line, a million targets' list leaves four times its size
// of garbage, and while it is copied to a larger one both are live, which
// sets the heap a run grows to. (Made after the first block's targets
// instead, the list left a run's peak 0–80 MB higher at 1M targets: the
// collections fall elsewhere.)
func readTargetsFile(ctx context.Context, l *targetList, path, where string, fn func(v string, o origin) error) error {
	f, err := openInputOrStdin(ctx, "targets_file", where, path)
	if err != nil {
		return err
	}
	defer f.Close()
	path = f.Name() // "-" read as stdin: its lines named stdin:N
	src := l.source(fromTargetFile, path)
	// A line of maxLine bytes and its line end (\r\n) fit, one byte more
	// does not.
	buf := make([]byte, 0, maxLine+2)
	st, err := f.Stat()
	count := err == nil && st.Mode().IsRegular() // the rest's targets are still to be counted
	var n int32
	var read int64  // the bytes read from the file
	marked := false // its first bytes looked at for a UTF-16 or UTF-32 byte order mark
	for eof := false; !eof; {
		m, err := f.Read(buf[len(buf):cap(buf)])
		buf, read = buf[:len(buf)+m], read+int64(m)
		switch {
		case errors.Is(err, io.EOF):
			eof = true
		case err != nil && interruptedErr(err):
			return err
		case err != nil:
			return usageErr("invalid targets_file %q%s: %w", path, where, fileReason(err))
		}
		if !marked {
			if len(buf) < 4 && !eof {
				continue // a pipe's first bytes, a mark's 4 at most to come
			}
			marked = true
			if enc, mark := wideEncoding(buf); enc != "" {
				return usageErr("%s:1: %s text (byte order mark %s): a targets file is UTF-8 (or ASCII), one target a line: "+
					"save it as UTF-8 (Windows PowerShell 5's > and Out-File write UTF-16LE; Out-File -Encoding utf8 does not)",
					path, enc, mark)
			}
		}
		// The complete lines: up to the last line end, but a CR that
		// ends what was read, whose LF (a CRLF's) may come next.
		complete := buf
		if !eof && len(buf) > 0 && buf[len(buf)-1] == '\r' {
			complete = buf[:len(buf)-1]
		}
		end := bytes.LastIndexAny(complete, "\r\n") + 1
		if eof {
			end = len(buf)
		}
		if end == 0 {
			if len(buf) == cap(buf) {
				return usageErr("%s:%d: line longer than 1 MiB (%d bytes)", path, n+1, maxLine)
			}
			continue
		}
		lines := targetLines(buf[:end], n == 0)
		at := read - int64(len(buf)) // the block's offset in the file
		buf = buf[:copy(buf, buf[end:])]
		for text := lines.text; text != ""; {
			var line string
			line, text = nextLine(text)
			n++
			if len(line) > maxLine {
				return usageErr("%s:%d: line longer than 1 MiB (%d bytes)", path, n, maxLine)
			}
			if line = targetOf(line); line == "" {
				continue
			}
			if lines.own {
				line = strings.Clone(line)
			}
			if err := fn(line, origin{src: src, at: n}); err != nil {
				return err
			}
			if count {
				// The block's targets, the one taken among them. A
				// target refused, the run is: the rest are only
				// checked, never kept (appendOne), no room made.
				count = false
				if l.refused.count == 0 {
					l.presize(max(countTargets(f.f, at, maxCounted)-1, 0))
				}
			}
		}
	}
	return nil
}

// countTargets returns the number of lines of a file, from off (the start
// of a line) and in its next limit bytes at most, that hold something else
// than white space or a comment. They are read at offsets (the file's
// offset is left as it is), 64 KiB at a time. It is an estimate (a line
// of a CIDR range is counted as one target), 0 when the file cannot be
// read.
func countTargets(f io.ReaderAt, off, limit int64) int {
	n, seeking := 0, true // seeking: for the first byte of a line that is not white space
	buf := make([]byte, 64<<10)
	for end := off + limit; off < end; {
		m, err := f.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
		off += int64(m)
		for b := buf[:m]; len(b) > 0; {
			if !seeking {
				i := bytes.IndexAny(b, "\r\n")
				if i < 0 {
					break
				}
				b, seeking = b[i+1:], true
				continue
			}
			switch b[0] {
			case ' ', '\t', '\r', '\v', '\f', '\n':
			case '#':
				seeking = false
			default:
				n++
				seeking = false
			}
			b = b[1:]
		}
		if err != nil {
			return n
		}
	}
	return n
}

// wideEncoding returns the encoding a UTF-16 or UTF-32 byte order mark at
// the start of b says the file is written in, and the mark ("" when b
// starts with neither). Read as bytes, such a targets file made each of
// its lines an invalid target (the byte 0xFF, U+0000), never saying why;
// a UTF-8 mark is passed over instead (targetLines). A config file may be
// UTF-16, not UTF-32 (textError).
func wideEncoding(b []byte) (enc, mark string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0, 0}):
		return "UTF-32LE", "FF FE 00 00"
	case bytes.HasPrefix(b, []byte{0, 0, 0xFE, 0xFF}):
		return "UTF-32BE", "00 00 FE FF"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return "UTF-16LE", "FF FE"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return "UTF-16BE", "FE FF"
	}
	return "", ""
}

// block is complete lines of a targets file as one string; own says
// whether each target read from it is to be copied (the block is mostly
// comments and blank lines) rather than share it.
type block struct {
	text string
	own  bool
}

// targetLines returns the complete lines b holds, b's first line without
// a byte order mark when first (the file's first line: a mark no one
// sees).
func targetLines(b []byte, first bool) block {
	if first {
		b = bytes.TrimPrefix(b, []byte("\ufeff"))
	}
	text := string(b)
	kept := 0
	for rest := text; rest != ""; {
		var line string
		line, rest = nextLine(rest)
		kept += len(targetOf(line))
	}
	return block{text: text, own: 2*kept < len(text)}
}

// nextLine returns the first line of text, without its line end, and the
// text after it. A line ends at LF, CRLF or CR alone, as editors show a
// file of each (CR: classic Mac OS), and a line number counts them so: a
// file of CRs was one line, every error at line 1 and a file past 1 MiB
// refused whole as a line too long. No target holds a CR.
func nextLine(text string) (line, rest string) {
	i := strings.IndexAny(text, "\r\n")
	switch {
	case i < 0:
		return text, ""
	case text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n':
		return text[:i], text[i+2:]
	}
	return text[:i], text[i+1:]
}

// targetOf returns the target a line of a targets file holds: the line
// without its comment and surrounding white space ("" for none).
func targetOf(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}
