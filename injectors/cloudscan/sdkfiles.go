package cloudscan

import (
	"errors"
	"slices"

	"github.com/aws/aws-sdk-go-v2/config"
)

// sdkFiles are the shared files as the SDK is to read them: the bytes
// readSharedFiles read and checked, under paths the SDK opens in their
// stead (memFile), so that it never reads a file again, one that may
// have changed or been replaced since. Close releases them once the SDK
// has read them.
type sdkFiles struct {
	config, credentials []string
	closes              []func() error
	read                []readFile // under their own paths: the checks' hints name them
}

// openSDKFiles reads the shared files (readSharedFiles) and hands their
// bytes over to paths for the SDK. Its errors are readSharedFiles's, or
// the system's when it cannot hold the bytes.
func openSDKFiles() (_ *sdkFiles, err error) {
	configFiles, credentialsFiles, err := readSharedFiles()
	if err != nil {
		return nil, err
	}
	s := &sdkFiles{config: []string{}, credentials: []string{}, read: slices.Concat(configFiles, credentialsFiles)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	add := func(dst *[]string, files []readFile) error {
		for _, f := range files {
			path, closeFn, err := memFile(f.path, f.body)
			if err != nil {
				return err
			}
			s.closes = append(s.closes, closeFn)
			*dst = append(*dst, path)
		}
		return nil
	}
	if err := add(&s.config, configFiles); err != nil {
		return nil, err
	}
	if err := add(&s.credentials, credentialsFiles); err != nil {
		return nil, err
	}
	return s, nil
}

// loadOptions points LoadDefaultConfig at the files; never nil slices,
// which would have it read its defaults.
func (s *sdkFiles) loadOptions(o *config.LoadOptions) error {
	o.SharedConfigFiles, o.SharedCredentialsFiles = s.config, s.credentials
	return nil
}

// sharedOptions points LoadSharedConfigProfile at the files.
func (s *sdkFiles) sharedOptions(o *config.LoadSharedConfigOptions) {
	o.ConfigFiles, o.CredentialsFiles = s.config, s.credentials
}

// Close releases the files.
func (s *sdkFiles) Close() error {
	var errs []error
	for _, c := range s.closes {
		errs = append(errs, c())
	}
	s.closes = nil
	return errors.Join(errs...)
}
