package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
)

// maxLine is the longest line of a targets file.
const maxLine = 1 << 20

// readTargetsFile calls fn with each target of a file, one a line: blank
// lines are skipped, and a # starts a comment, on its own line or at the
// end of one. where says where path was given.
//
// The file is read a block at a time, into a buffer of one line's bound
// (maxLine and its line end): a file with no end (/dev/zero) is refused at
// its first line longer than maxLine rather than read until memory runs
// out. The complete lines of a block become one string, which the targets
// read from them share (a million-line file costs a few dozen allocations,
// not one a line), unless the block is mostly comments and blank lines:
// then each target gets a copy of its own, and the block goes. What the
// read holds besides the block being read is thus at most twice the text
// of the targets fn keeps.
func readTargetsFile(ctx context.Context, l *targetList, path, where string, fn func(v string, o origin) error) error {
	f, err := openInput(ctx, "targets_file", where, path)
	if err != nil {
		return err
	}
	defer f.Close()
	src := l.source(fromTargetFile, path)
	// A line of maxLine bytes and its line end (\r\n) fit, one byte more
	// does not.
	buf := make([]byte, 0, maxLine+2)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		// The list is made to hold the file's targets at once: grown
		// line by line, a million targets' list leaves four times its
		// size of garbage, and while it is copied to a larger one both
		// are live, which sets the heap a run grows to.
		l.grow(countTargets(f.f, buf[:cap(buf)]))
	}
	var n int32
	for eof := false; !eof; {
		m, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		switch {
		case errors.Is(err, io.EOF):
			eof = true
		case err != nil && interruptedErr(err):
			return err
		case err != nil:
			return usageErr("invalid targets_file %q%s: %w", path, where, fileReason(err))
		}
		end := bytes.LastIndexByte(buf, '\n') + 1
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
		buf = buf[:copy(buf, buf[end:])]
		for text := lines.text; text != ""; {
			var line string
			line, text, _ = strings.Cut(text, "\n")
			n++
			if len(strings.TrimSuffix(line, "\r")) > maxLine {
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
		}
	}
	return nil
}

// countTargets returns the number of lines of a regular file that hold
// something else than white space or a comment, read into buf at offsets
// (the file's offset is left as it is). It is an estimate (a line of a
// CIDR range is counted as one target), 0 when the file cannot be read.
func countTargets(f *os.File, buf []byte) int {
	n, seeking := 0, true // seeking: for the first byte of a line that is not white space
	var off int64
	for {
		m, err := f.ReadAt(buf, off)
		off += int64(m)
		for b := buf[:m]; len(b) > 0; {
			if !seeking {
				i := bytes.IndexByte(b, '\n')
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
	kept := 0
	for rest := b; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		kept += len(bytes.TrimSpace(line))
	}
	if 2*kept < len(b) {
		return block{text: string(b), own: true}
	}
	return block{text: string(b)}
}

// targetOf returns the target a line of a targets file holds: the line
// without its comment and surrounding white space ("" for none).
func targetOf(line string) string {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}
