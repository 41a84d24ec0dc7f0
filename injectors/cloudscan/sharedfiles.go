package cloudscan

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/config"
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

// paths returns the files' paths.
func paths(files []sharedFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out
}

// checkSharedFiles refuses a shared file the SDK would read that is no
// regular file (a FIFO, whose reading waits for a writer; a device, such
// as /dev/zero, that never ends; a directory) or that holds more than
// maxSharedFile bytes: the SDK reads each whole, and would wait or
// grow without end, deaf to any signal. A file that does not exist or
// cannot be opened is none of these: the SDK reads it as empty; nor is
// /dev/null, which ends at once.
// Nothing here waits: a file is refused from its mode before it is
// opened, it is opened without waiting for a FIFO's writer (should it
// have been replaced by one since), checked again, and read, at most one
// byte past the bound, only when it is a regular file. An error is a
// *signatures.ValidationError on the variable that named the file
// (AWS_CONFIG_FILE) or on "AWS shared config file" for the default.
func checkSharedFiles() error {
	configFiles, credentialsFiles := sharedFiles()
	for _, f := range append(configFiles, credentialsFiles...) {
		if err := f.check(); err != nil {
			return err
		}
	}
	return nil
}

// check checks one file (see checkSharedFiles).
func (f sharedFile) check() error {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil // the SDK skips a file it cannot open
	}
	if err := f.checkInfo(fi); err != nil {
		return err
	}
	file, err := os.OpenFile(f.path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil
	}
	defer file.Close()
	if fi, err = file.Stat(); err != nil {
		return nil
	}
	if err := f.checkInfo(fi); err != nil {
		return err
	}
	// A regular file may say 0 bytes and hold more (/proc), or have grown
	// since: what it gives counts.
	if n, _ := io.Copy(io.Discard, io.LimitReader(file, maxSharedFile+1)); n > maxSharedFile {
		return f.refuse(tooLargeReason)
	}
	return nil
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
	case m.IsDir():
		return f.refuse("a directory, not a regular file")
	case m&fs.ModeNamedPipe != 0:
		return f.refuse("a FIFO (named pipe), not a regular file")
	case m&fs.ModeCharDevice != 0:
		return f.refuse("a character device, not a regular file")
	case m&fs.ModeDevice != 0:
		return f.refuse("a block device, not a regular file")
	case m&fs.ModeSocket != 0:
		return f.refuse("a socket, not a regular file")
	}
	return f.refuse("not a regular file")
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
