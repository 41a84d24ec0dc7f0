package cloudscan

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/internal/filekind"
	"github.com/injectkit/injectkit/signatures"
)

// maxSharedFile is the most bytes an AWS shared configuration or
// credentials file may hold for cloudscan, as injectkit's own config
// file may: the SDK reads each whole, with no bound of its own.
const maxSharedFile = 4 << 20

// Environment variables that name the shared files, as the SDK reads them.
const (
	envConfigFile      = "AWS_CONFIG_FILE"
	envCredentialsFile = "AWS_SHARED_CREDENTIALS_FILE"
)

// sharedFile is one AWS shared file the SDK reads: its path, the
// variable that named it ("" for the SDK's default under $HOME) and the
// variable that would have.
type sharedFile struct {
	path, env, unset string
	kind             string // "config", "credentials"
}

// sharedFiles returns the shared configuration and credentials files the
// SDK reads, as it resolves them: the file AWS_CONFIG_FILE names, else
// ~/.aws/config; the one AWS_SHARED_CREDENTIALS_FILE names, else
// ~/.aws/credentials (config.DefaultSharedConfigFiles and
// config.DefaultSharedCredentialsFiles, which the SDK derives from $HOME).
func sharedFiles() (configFiles, credentialsFiles []sharedFile) {
	pick := func(env, kind string, defaults []string) []sharedFile {
		if p := os.Getenv(env); p != "" {
			return []sharedFile{{path: p, env: env, unset: env, kind: kind}}
		}
		out := make([]sharedFile, 0, len(defaults))
		for _, p := range defaults {
			out = append(out, sharedFile{path: p, unset: env, kind: kind})
		}
		return out
	}
	return pick(envConfigFile, "config", config.DefaultSharedConfigFiles),
		pick(envCredentialsFile, "credentials", config.DefaultSharedCredentialsFiles)
}

// readSharedFiles reads the shared files the SDK would read, refusing
// one that is no regular file (a FIFO, whose reading waits for a writer;
// a device, such as /dev/zero, that never ends; a directory) or that
// gives more than maxSharedFile bytes, whatever size it reports (a /proc
// file reports 0 and may never end): the SDK reads each whole, and would
// wait or grow without end, deaf to any signal. A file that does not
// exist or cannot be opened is none of these: the SDK skips it, and it is
// left out; /dev/null is read, and ends at once.
// Nothing here waits: a file is refused from its mode before it is
// opened, it is opened without waiting for a FIFO's writer (should it
// have been replaced by one since), checked again, and read, at most one
// chunk past the bound, only when it is a regular file. What it read is
// what the SDK is given (sdkFiles), never the path to read again. An
// error is a *signatures.ValidationError on the variable that named the
// file (AWS_CONFIG_FILE) or on "AWS shared config file" for the default,
// or on the file's line ("/home/u/.aws/credentials:3") holding a section
// header the SDK does not read as one (checkHeaders).
func readSharedFiles() (configFiles, credentialsFiles []readFile, err error) {
	configs, credentials := sharedFiles()
	read := func(files []sharedFile) ([]readFile, error) {
		out := make([]readFile, 0, len(files))
		for _, f := range files {
			b, found, err := f.read()
			if err != nil {
				return nil, err
			}
			if !found {
				continue
			}
			headers, err := f.checkHeaders(b)
			if err != nil {
				return nil, err
			}
			out = append(out, readFile{f, b, headers})
		}
		return out, nil
	}
	if configFiles, err = read(configs); err != nil {
		return nil, nil, err
	}
	if credentialsFiles, err = read(credentials); err != nil {
		return nil, nil, err
	}
	return configFiles, credentialsFiles, nil
}

// readFile is a shared file, the bytes read from it and its section
// headers (scanSections).
type readFile struct {
	sharedFile
	body    []byte
	headers []sectionHeader
}

// read reads one file (see readSharedFiles); found is false for a file
// the SDK would skip.
func (f sharedFile) read() (body []byte, found bool, err error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil, false, nil // the SDK skips a file it cannot open
	}
	if err := f.checkInfo(fi); err != nil {
		return nil, false, err
	}
	file, err := os.OpenFile(f.path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, false, nil
	}
	defer file.Close()
	if fi, err = file.Stat(); err != nil {
		return nil, false, nil
	}
	if err := f.checkInfo(fi); err != nil {
		return nil, false, err
	}
	body, more, err := readAtMost(file, maxSharedFile)
	switch {
	case more:
		return nil, false, f.refuse(tooLargeReason)
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, false, f.refuse("cannot be read (" + err.Error() + ")")
	}
	return body, true, nil
}

// readChunk is how much readAtMost asks for at once: a whole number of
// pages, as some /proc files (/proc/self/pagemap) want.
const readChunk = 64 << 10

// readAtMost reads r to its end, or until it gave more than limit bytes
// (more; it has then read at most one chunk past the limit, never more),
// whatever size r's file reports: a /proc file reports 0 bytes and may
// never end.
func readAtMost(r io.Reader, limit int) (body []byte, more bool, err error) {
	chunk := make([]byte, readChunk)
	for {
		n, err := r.Read(chunk)
		body = append(body, chunk[:n]...)
		switch {
		case len(body) > limit:
			return nil, true, nil
		case errors.Is(err, io.EOF):
			return body, false, nil
		case err != nil:
			return nil, false, err
		}
	}
}

// tooLargeReason is the reason of a file larger than the bound, give
// what to give instead.
var (
	tooLargeReason = fmt.Sprintf("larger than %d bytes (%d MiB), the most it may hold", maxSharedFile, maxSharedFile>>20)
	give           = fmt.Sprintf("; give a regular file of at most %d MiB", maxSharedFile>>20)
)

// checkInfo refuses a file whose mode or size fi gives is not one to read.
// The null device (AWS_CONFIG_FILE=/dev/null, the usual way of saying
// "none") is read: it ends at once.
func (f sharedFile) checkInfo(fi fs.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular() && fi.Size() > maxSharedFile:
		return f.refuse(tooLargeReason)
	case m.IsRegular() || isDevNull(fi):
		return nil
	}
	return f.refuse(filekind.NotRegular(m))
}

// isDevNull reports whether fi is the null device's.
func isDevNull(fi fs.FileInfo) bool {
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(fi, null)
}

// refuse is the error of the file, for reason.
func (f sharedFile) refuse(reason string) error {
	if f.env != "" {
		return &signatures.ValidationError{Field: f.env, Value: f.path,
			Reason: reason + ": the AWS SDK reads it as its shared " + f.kind + " file" + give + ", or unset " + f.env}
	}
	return &signatures.ValidationError{Field: "AWS shared " + f.kind + " file", Value: f.path,
		Reason: reason + ": the AWS SDK reads it, its default (" + f.unset + " unset)" + give + ", or name one with " + f.unset}
}
