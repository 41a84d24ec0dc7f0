package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/serve"
)

// ExitInterrupted is the exit code of a run stopped by SIGINT, SIGTERM or SIGHUP
// before its inject ran (while its input was being read): nothing was run,
// sent or stored; and of an outbox flush stopped by one: the bodies not
// delivered stay pending. It is 128 plus SIGINT's number, as a shell
// reports it.
const ExitInterrupted = 130

// input is a file the user named (an inject file, a targets file), opened
// so that the first interrupt stops its reading: opening a FIFO blocks
// until a writer opens it, and reading one until that writer writes, and
// neither would otherwise notice that ctx is done.
type input struct {
	f    *os.File // not embedded: its WriteTo would bypass Read
	ctx  context.Context
	stop func() bool
	key  string // the setting that named the file: inject_file, targets_file
	// where says where the file was given (" (--config)"), as openInput's
	// where.
	where string
	// stdin marks the standard input (openInputOrStdin): read through
	// readStdin, named stdin, never closed.
	stdin bool
	// max is the most bytes Read hands out (0: no limit), read counts
	// those handed out: past max Read fails with a usage error (see
	// bound).
	max, read int64
}

// openInput opens path, the value of the setting key, given where (" (--inject-file)", or ""
// when unknown). A directory is refused as a missing file is, naming the
// setting, the path and where. When ctx is done
// first the open is abandoned (the goroutine blocked in it closes the file
// if the open ever completes) and the error is interrupted's; once open,
// ctx being done closes the file, which ends a blocked read.
func openInput(ctx context.Context, key, where, path string) (*input, error) {
	type opened struct {
		f   *os.File
		err error
	}
	done := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		done <- opened{f, err}
	}()
	select {
	case o := <-done:
		if o.err != nil && path == stdinName && errors.Is(o.err, fs.ErrNotExist) {
			// Not stdin: a config, CA or message file is read from its path.
			return nil, usageErr("invalid %s %q%s: %w; %q reads stdin for inject_file and targets_file only: give the file's path "+
				"(a process substitution <(…) works too)", key, path, where, fileReason(o.err), stdinName)
		}
		if o.err != nil {
			return nil, usageErr("invalid %s %q%s: %w", key, path, where, fileReason(o.err))
		}
		if st, err := o.f.Stat(); err == nil && st.IsDir() {
			o.f.Close()
			return nil, usageErr("invalid %s %q%s: is a directory", key, path, where)
		}
		in := &input{f: o.f, ctx: ctx, key: key, where: where}
		in.stop = context.AfterFunc(ctx, func() { o.f.Close() })
		return in, nil
	case <-ctx.Done():
		go func() {
			if o := <-done; o.err == nil {
				o.f.Close()
			}
		}()
		return nil, interrupted(ctx, key, path)
	}
}

// Read reads from the file; a read ended by the interrupt says so. Once
// the file has given more than the input's bound (see bound), Read fails
// with the usage error naming the setting, the path and the bound: no
// more than one byte past the bound is ever read.
func (in *input) Read(p []byte) (int, error) {
	if in.max > 0 && in.read > in.max {
		return 0, in.tooLarge()
	}
	if in.max > 0 && int64(len(p)) > in.max+1-in.read {
		p = p[:in.max+1-in.read]
	}
	var n int
	var err error
	if in.stdin {
		n, err = in.readStdin(p)
	} else {
		n, err = in.f.Read(p)
	}
	if err != nil && !errors.Is(err, io.EOF) && in.ctx.Err() != nil {
		return n, in.interrupted()
	}
	if in.read += int64(n); in.max > 0 && in.read > in.max {
		return n - int(in.read-in.max), in.tooLarge()
	}
	return n, err
}

// bound makes Read fail once the file gives more than limit bytes.
func (in *input) bound(limit int64) *input {
	in.max = limit
	return in
}

// readAll reads the rest of the file, as io.ReadAll, into one buffer made
// for the whole of a regular file (at most its bound and one byte):
// io.ReadAll, which cannot know the size, held an inject file of 64 MiB
// twice over, its chunks and the copy it returns. Another input (a pipe,
// a terminal), or a file that grows while read, is read into a buffer
// grown as append grows it.
func (in *input) readAll() ([]byte, error) {
	size := int64(512)
	if st, err := in.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size() + 1 // its EOF read into the byte past it
		if in.max > 0 {
			size = min(size, in.max+1)
		}
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := in.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		switch {
		case errors.Is(err, io.EOF):
			return b, nil
		case err != nil:
			return b, err
		}
	}
}

// tooLarge is the usage error of a file larger than its bound.
func (in *input) tooLarge() error {
	path, what := in.f.Name(), ""
	if in.stdin {
		path, what = stdinName, stdinShown+" is " // as the user wrote it, the reason naming stdin
	}
	return usageErr("invalid %s %q%s: %slarger than %d bytes (%s), the most it may hold",
		in.key, path, in.where, what, in.max, sizeText(in.max))
}

// sizeText writes n bytes in MiB when it is a whole number of them, else
// in KiB when it is one of those, else in bytes.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Name is the file's path, as given (errors about its content name it),
// or stdin.
func (in *input) Name() string {
	if in.stdin {
		return stdinShown
	}
	return in.f.Name()
}

// Stat describes the file.
func (in *input) Stat() (os.FileInfo, error) { return in.f.Stat() }

// Close closes the file unless the interrupt already did.
func (in *input) Close() error {
	if !in.stop() {
		return nil
	}
	return in.f.Close()
}

// interrupted is the error of a run stopped while reading its input.
func interrupted(ctx context.Context, key, path string) error {
	return &ExitError{Code: ExitInterrupted,
		Err: fmt.Errorf("interrupted while reading %s %q: nothing was run, sent or stored: %w", key, path, context.Cause(ctx))}
}

// interruptedErr reports whether err is an interrupted read of an input,
// however it was wrapped on the way up.
func interruptedErr(err error) bool {
	var e *ExitError
	return errors.As(err, &e) && e.Code == ExitInterrupted
}

// The most bytes each input read whole may hold: past it the input is a
// usage error naming the setting and the bound, found reading one byte
// past it (a file with no end, /dev/zero, is refused, not read until
// memory runs out). A targets file is read a line at a time, each line at
// most maxLine bytes, and has no bound of its own.
const (
	maxConfigSize     = 4 << 20                     // config
	maxCASize         = 4 << 20                     // ca_file, broker_ca_file
	maxInjectFileSize = 64 << 20                    // inject_file
	maxMessageSize    = serve.DefaultMaxMessageSize // openaev_message, as serve takes a message
)

// readInput reads the whole file named by the setting key, as openInput
// opens it, at most limit bytes (see bound).
func readInput(ctx context.Context, key, where, path string, limit int64) ([]byte, error) {
	in, err := openInput(ctx, key, where, path)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	b, err := in.bound(limit).readAll()
	var ee *ExitError
	if err != nil && !errors.As(err, &ee) {
		return nil, usageErr("invalid %s %q%s: %w", key, path, where, fileReason(err))
	}
	return b, err
}

// checkProxy refuses, before anything is sent, a proxy variable of the
// environment whose proxy net/http could not dial as written: one it
// would ignore, sending every request direct, or read again with http://
// before it, sending every request to a host named after its scheme
// (httpx.CheckProxyEnv). Exit 2 naming it, its user information masked.
func checkProxy(o Options) error {
	if err := httpx.CheckProxyEnv(o.Getenv); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return nil
}

// readCA reads the CA file of bc (ca_file, given where) once per process,
// as readInput reads an input: the first interrupt stops the read. Every
// client built afterwards trusts these bytes, the file is not opened
// again: a pipe (--ca-file <(cat ca.pem)) gives its content once only,
// and validate checks what run uses. It is read and checked whenever it
// is given, a backend URL or not (a dry run, validate, a flush without
// --backend-url): a file that is missing, unreadable or holds no PEM
// certificate is a usage error naming it and where it was given.
func (bc *backendConfig) readCA(ctx context.Context, where string) error {
	if bc.CAFile == "" || bc.caPEM != nil {
		return nil
	}
	b, err := readInput(ctx, "ca_file", where, bc.CAFile, maxCASize)
	if err != nil {
		return err
	}
	if _, err := httpx.CAPool(bc.CAFile, b); err != nil {
		return usageErr("invalid ca_file %q%s: %w", bc.CAFile, where, httpx.FileCause(err))
	}
	bc.caPEM = append([]byte{}, b...) // not nil, even empty: read
	return nil
}
