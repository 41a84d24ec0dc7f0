package cloudscan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
)

// processWaitDelay bounds how long a credential_process's run waits, once
// the process has exited (or been killed at its timeout), for its standard
// output to close, and then for what it wrote to its standard error to be
// counted: a child it left behind holding either open must not hold the
// scan. Its standard error is a pipe's file, which the run itself never
// waits for: a child left holding it (a helper's cache daemon) neither
// fails nor holds the run.
const processWaitDelay = time.Second

// ownCredentialProcess returns the credential_process of the profile the
// SDK would take its credentials from directly, "" if it would take them
// from anything else: the profile setting names the profile, or else no
// environment keys nor web identity token file come first (the SDK's
// resolveCredentialChain); and the profile has a credential_process and
// nothing the SDK takes before it, or that makes it a step of a chain
// (source_profile, keys, credential_source, web identity, SSO, login,
// role_arn: resolveCredsFromProfile). A profile the loader cannot load is
// left to the SDK, which says what is wrong. where names the profile and
// the file and line its credential_process is given on
// (processWhere), for the process's errors.
func ownCredentialProcess(ctx context.Context, files *sdkFiles, setting string) (command, where string) {
	env, err := config.NewEnvConfig()
	if err != nil {
		return "", ""
	}
	profile := setting
	if profile == "" {
		if env.Credentials.HasKeys() || env.WebIdentityTokenFilePath != "" {
			return "", ""
		}
		profile = env.SharedConfigProfile
	}
	if profile == "" {
		profile = config.DefaultSharedConfigProfile
	}
	c, err := config.LoadSharedConfigProfile(ctx, profile, files.sharedOptions)
	if err != nil || c.Source != nil || c.Credentials.HasKeys() || c.CredentialSource != "" ||
		c.WebIdentityTokenFile != "" || c.SSOSessionName != "" || c.SSORegion != "" ||
		c.SSOAccountID != "" || c.SSOStartURL != "" || c.SSORoleName != "" ||
		c.LoginSession != "" || c.RoleARN != "" || c.CredentialProcess == "" {
		return "", ""
	}
	return c.CredentialProcess, processWhere(files.read, profile)
}

// quietProcess runs a credential_process as the SDK's own provider does
// (the system's shell, the environment less injectkit's own variables and
// secrets: see processEnv), but for its standard error,
// which the SDK's hands to this process's own, raw: whatever the process
// writes there (a prompt, a warning, a line forged to look like one of
// ours, its credentials) would reach the terminal and the logs read from
// it, past the log format and the redaction. Here it is counted, never
// kept, and one warning says how many bytes it wrote. Its standard input
// is the null device: a prompt read from it fails at once.
//
// It runs in a process group of its own, which its cancellation kills
// whole (ownGroup), unless this process is the foreground of a terminal
// (terminal.lend: it stays in this process's group, so that a prompt on
// /dev/tty works), and it is cancelled when the inject is (scope): the
// SDK's credentials cache runs it under a context cut off from the
// request's cancellation (aws.CredentialsCache's suppressedContext), so a
// cancelled or timed-out inject, or one that ended while the process still
// ran (every call past call_timeout), would otherwise leave it and its
// children running after injectkit exits.
type quietProcess struct {
	provider *processcreds.Provider
	log      *zap.Logger
	// scope is the inject's context: the session it belongs to lives no
	// longer than the inject, and the process no longer than either.
	scope context.Context
	// term decides the process's group (terminal.lend).
	term *terminal
	// where names the profile the process is given in (processWhere).
	where string
}

// newQuietProcess returns the provider running command, given where
// (processWhere), for the inject whose context is scope.
func newQuietProcess(scope context.Context, command, where string, log *zap.Logger, term *terminal) *quietProcess {
	return &quietProcess{log: log, scope: scope, term: term, where: where, provider: processcreds.NewProviderCommand(processcreds.NewCommandBuilderFunc(
		func(ctx context.Context) (*exec.Cmd, error) {
			shell := []string{"sh", "-c"}
			if runtime.GOOS == "windows" {
				shell = []string{"cmd.exe", "/C"}
			}
			cmd := exec.CommandContext(ctx, shell[0], shell[1], command)
			cmd.Env = processEnvOf(scope)
			cmd.WaitDelay = processWaitDelay
			if r, ok := ctx.Value(runKey{}).(*processRun); ok {
				cmd.Stderr, cmd.Stdout = r.stderr, &r.stdout // the SDK adds its own buffer beside it
				r.setup(cmd)
				r.cmd = cmd
			} else {
				ownGroup(cmd)
			}
			return cmd, nil
		}))}
}

// runKey carries, in Retrieve's context, the processRun of one run to the
// command built for it.
type runKey struct{}

// processRun is how one run of the process is started: the write end of
// the pipe its standard error goes to, and its process group (see
// terminal.lend); then what it wrote to its standard output and the
// command run, read once the SDK's Retrieve has returned (it waits for
// the command).
type processRun struct {
	stderr *os.File
	setup  func(*exec.Cmd)
	stdout bytes.Buffer
	cmd    *exec.Cmd
}

// byteCount counts the bytes written to it, keeping none.
type byteCount struct{ n atomic.Int64 }

func (c *byteCount) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// Retrieve runs the process once, then warns of what it wrote to its
// standard error, by count only. Once it has been waited for, what is
// left of its process group (a child it left running with its standard
// output or error open) is killed: nothing it started outlives the
// credentials. A child that kept its standard output open after the
// process exited has the SDK fail the run (exec.ErrWaitDelay, once
// processWaitDelay has passed): the process's output is taken all the same
// when the process succeeded and that output is one JSON document
// (heldOutput), else the error says what held it.
func (q *quietProcess) Retrieve(ctx context.Context) (aws.Credentials, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("credential_process: its standard error: %w", err)
	}
	n := &byteCount{}
	counted := make(chan struct{})
	go func() {
		defer close(counted)
		_, _ = io.Copy(n, r)
		_ = r.Close()
	}()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(q.scope, func() { cancel(context.Cause(q.scope)) })
	defer stop()
	setup, done := q.term.lend()
	run := &processRun{stderr: w, setup: setup}
	creds, err := q.provider.Retrieve(context.WithValue(ctx, runKey{}, run))
	done()
	_ = w.Close()
	if run.cmd != nil {
		killGroup(run.cmd)
		if errors.Is(err, exec.ErrWaitDelay) && ctx.Err() == nil {
			creds, err = heldOutput(run.stdout.Bytes())
		}
	}
	select {
	case <-counted:
	case <-time.After(processWaitDelay): // a child left holding it: counted so far
	}
	if written := n.n.Load(); written > 0 {
		q.log.Warn(fmt.Sprintf("aws sdk: the credential_process wrote %d bytes to its standard error, not shown (they may hold credentials): run it by hand to read them", written),
			zap.Int64("stderr_bytes", written))
	}
	if err != nil {
		err = &processError{where: q.where, err: err}
	}
	return creds, err
}

// processError is an error of the profile's own credential_process,
// naming where it is given: the SDK's own says "error in
// credential_process: exit status 1", not which profile's, nor where the
// command is written.
type processError struct {
	where string
	err   error
}

func (e *processError) Error() string {
	return "the credential_process of " + e.where + ": " + e.err.Error()
}
func (e *processError) Unwrap() error { return e.err }

// processWhere names profile and the file and line of its
// credential_process, the last the SDK reads (a credentials file's over
// a config file's, a later line over an earlier): `profile "pp"
// (/home/u/.aws/config:6)`, the profile alone when no line is found.
func processWhere(files []readFile, profile string) string {
	where := ""
	for _, f := range files {
		for _, h := range f.headers {
			if !profileSection(f, h, profile) {
				continue
			}
			if n := sectionKeys(f, h)["credential_process"]; n > 0 {
				where = fmt.Sprintf("%s:%d", f.path, n)
			}
		}
	}
	name := fmt.Sprintf("profile %q", signatures.Shorten(profile, signatures.MaxQuoted))
	if where == "" {
		return name
	}
	return name + " (" + where + ")"
}

// heldOutput reads the credentials of a credential_process that exited
// with status 0 while a child it started kept its standard output open:
// out, what was read of that output, is taken when it is one JSON
// document, with the SDK's rules (processcreds.Provider.Retrieve: version
// 1, an access key id and a secret key, an optional expiry); anything else
// is an error naming the cause, never quoting the output.
func heldOutput(out []byte) (aws.Credentials, error) {
	none := aws.Credentials{Source: processcreds.ProviderName}
	var resp processcreds.CredentialProcessResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		why := processOutputFault(err)
		if why == "" {
			why = "not one JSON document"
		}
		return none, &processcreds.ProviderError{Err: fmt.Errorf("a child of the credential_process kept its standard output open after the process exited, and its output is not the credentials alone (%s)", why)}
	}
	switch {
	case resp.Version != 1:
		return none, &processcreds.ProviderError{Err: errors.New("wrong version in process output (not 1)")}
	case resp.AccessKeyID == "":
		return none, &processcreds.ProviderError{Err: errors.New("missing AccessKeyId in process output")}
	case resp.SecretAccessKey == "":
		return none, &processcreds.ProviderError{Err: errors.New("missing SecretAccessKey in process output")}
	}
	creds := aws.Credentials{Source: processcreds.ProviderName, AccessKeyID: resp.AccessKeyID,
		SecretAccessKey: resp.SecretAccessKey, SessionToken: resp.SessionToken, AccountID: resp.AccountID}
	if resp.Expiration != nil {
		creds.CanExpire, creds.Expires = true, *resp.Expiration
	}
	return creds, nil
}
