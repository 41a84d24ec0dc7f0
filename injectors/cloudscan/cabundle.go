package cloudscan

import (
	"context"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/internal/filekind"
	"github.com/injectkit/injectkit/signatures"
)

// envCABundle names the PEM file of the certificates the SDK trusts for
// its requests instead of the system's, as the SDK reads it; the loaded
// profile's ca_bundle names one when it is unset (the SDK's
// resolveCustomCABundle: the environment first).
const (
	envCABundle = "AWS_CA_BUNDLE"
	keyCABundle = "ca_bundle"
)

// caBundle is the CA bundle the SDK would load: where it is named (the
// variable, or "<file>:<profile>.ca_bundle") and its path.
type caBundle struct {
	field, path string
}

// configuredCABundle returns the CA bundle the SDK would load with each
// inject, as it resolves it: AWS_CA_BUNDLE when not empty, else the
// ca_bundle of the profile it loads (profileSources); ok is false for
// none. A profile the SDK cannot load gives none (the profile checks say
// why).
func configuredCABundle(files *sdkFiles, setting string) (b caBundle, ok bool) {
	if p := os.Getenv(envCABundle); p != "" {
		return caBundle{envCABundle, p}, true
	}
	profile := profileSources(setting)[0].profile
	shared, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
	if err != nil || shared.CustomCABundle == "" {
		return caBundle{}, false
	}
	return caBundle{files.where(profile+"."+keyCABundle, shared.CustomCABundle), shared.CustomCABundle}, true
}

// readCABundle reads the CA bundle the SDK would load (configuredCABundle),
// nil when there is none. The SDK reads the file whole with each inject,
// and fails the inject when it cannot open it or finds no PEM
// certificate in it ("failed to load custom CA bundle PEM file"); a FIFO
// would hold it, deaf to cancellation, until a writer came. So the file is
// checked as the shared files are (readSharedFiles): a regular file of at
// most maxSharedFile bytes, opened without waiting, holding at least one
// certificate; what was read is what the SDK is given
// (config.WithCustomCABundle), never the path to read again. An error is
// a *signatures.ValidationError on where the bundle is named.
func readCABundle(files *sdkFiles, setting string) ([]byte, error) {
	b, ok := configuredCABundle(files, setting)
	if !ok {
		return nil, nil
	}
	refuse := func(reason string) error {
		undo := "or unset " + envCABundle
		if b.field != envCABundle {
			undo = "or remove the line"
		}
		return &signatures.ValidationError{Field: b.field, Value: b.path,
			Reason: reason + ": the AWS SDK reads it with each inject as the CA bundle it trusts, and would fail (or, a FIFO, wait on) each; " +
				"give a regular PEM file of certificates of at most 4 MiB, " + undo}
	}
	fi, err := os.Stat(b.path)
	if err == nil {
		err = checkBundleInfo(fi)
	}
	if err != nil {
		return nil, refuse(bundleReason(err))
	}
	file, err := os.OpenFile(b.path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, refuse(bundleReason(err))
	}
	defer file.Close()
	if fi, err = file.Stat(); err == nil {
		err = checkBundleInfo(fi)
	}
	if err != nil {
		return nil, refuse(bundleReason(err))
	}
	body, more, err := readAtMost(file, maxSharedFile)
	switch {
	case more:
		return nil, refuse(tooLargeReason)
	case err != nil:
		return nil, refuse(bundleReason(err))
	case !x509.NewCertPool().AppendCertsFromPEM(body):
		return nil, refuse("holds no PEM certificate")
	}
	return body, nil
}

// errBundleKind is a CA bundle that is no regular file, or too large.
type errBundleKind struct{ reason string }

func (e errBundleKind) Error() string { return e.reason }

// checkBundleInfo refuses a file that is no regular file, or larger than
// maxSharedFile.
func checkBundleInfo(fi fs.FileInfo) error {
	switch m := fi.Mode(); {
	case !m.IsRegular():
		return errBundleKind{filekind.NotRegular(m)}
	case fi.Size() > maxSharedFile:
		return errBundleKind{tooLargeReason}
	}
	return nil
}

// bundleReason says why err keeps the bundle from being read, without
// the path the refusal names already.
func bundleReason(err error) string {
	var kind errBundleKind
	var pe *fs.PathError
	switch {
	case errors.As(err, &kind):
		return kind.reason
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.As(err, &pe):
		return "cannot be read (" + pe.Err.Error() + ")"
	}
	return "cannot be read (" + err.Error() + ")"
}
