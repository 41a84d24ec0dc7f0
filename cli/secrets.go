package cli

import (
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// secretValues returns the values no output of a command may show, in any
// form httpx.Redact knows: the backend's token, the credentials of its URL
// and the injectors' secret settings and library secrets (LibrarySecrets). Input errors quote
// what the user wrote, and a file given by mistake (an environment file
// as the targets file) may hold them.
func secretValues(bc backendConfig, settings injectorSettings, ms []framework.Manifest) []string {
	var out []string
	if t := strings.TrimSpace(bc.Token); t != "" {
		out = append(out, t)
	}
	out = append(out, httpx.URLSecrets(bc.URL)...)
	for _, m := range ms {
		for _, s := range m.Settings {
			if v := strings.TrimSpace(settings[m.Name][s.Key]); s.Secret && v != "" {
				out = append(out, v)
			}
		}
		out = append(out, m.LibrarySecrets(settings[m.Name])...)
	}
	return out
}

// redaction is logRedaction of the run's secrets (secretValues, and the
// config file's as it gave them): the runtime's (runtime.WithLogRedaction), which withholds a refused param
// holding one.
func (cfg runConfig) redaction(ms []framework.Manifest) func(string) string {
	return logRedaction(cfg.secrets(ms))
}

// secrets returns the run's secrets redaction redacts: secretValues, and
// the config file's as it gave them (one the environment overrides too).
func (cfg runConfig) secrets(ms []framework.Manifest) []string {
	file, _ := cfg.readFileSecrets()
	return append(secretValues(cfg.Backend, cfg.injectors, ms), file...)
}

// rawSecrets returns the secrets as the flags and the environment give
// them (the injectors' SecretEnv included), before the configuration is decoded: an error decoding it may
// quote a secret pasted into another flag (--profile "$TOKEN").
func rawSecrets(c interface{ String(string) string }, getenv func(string) string, ms []framework.Manifest) []string {
	var out []string
	for _, v := range []string{c.String("token"), getenv(envPrefix + "TOKEN")} {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	for _, m := range ms {
		for _, s := range m.Settings {
			if v := strings.TrimSpace(getenv(s.Env)); s.Secret && s.Env != "" && v != "" {
				out = append(out, v)
			}
		}
		// Read by the injector's libraries from this process's
		// environment, not from getenv's, and from the files the
		// settings the environment gives select.
		given := map[string]string{}
		for _, s := range m.Settings {
			if s.Env != "" {
				if v := strings.TrimSpace(getenv(s.Env)); v != "" {
					given[s.Key] = v
				}
			}
		}
		out = append(out, m.LibrarySecrets(given)...)
	}
	return out
}

// givenSecrets returns the secrets as every source gives them before a
// command decodes its configuration: rawSecrets' and the values of the
// config file's secret keys and Secret settings (token: '…' written in
// it). A usage error refusing the command's words is redacted of them
// (argsError): it comes before the configuration is loaded, and a word
// may be the token pasted in the wrong place. A config file that cannot
// be read gives none: its own error comes once the words are right; nor
// does one that is not a regular file (a pipe, a terminal: /dev/stdin),
// which the read could wait on, or consume.
func givenSecrets(c *ucli.Context, o Options) []string {
	ms := o.injectors().manifests()
	out := rawSecrets(c, o.Getenv, ms)
	path, _ := configGiven(c, o.Getenv)
	if strings.TrimSpace(path) == "" {
		return out
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return out
	}
	types := commandConfigTypes()
	secret := secretKeysOf(types...)
	file, err := readConfigFile(c.Context, path, "", keysOf(types...), listKeysOf(types...), secret, ms)
	if err != nil {
		return out
	}
	return append(out, file.secrets(secret, ms)...)
}

// secrets returns the values of the file's secret keys (secret) and of
// the Secret settings of ms it holds.
func (f configFile) secrets(secret map[string]bool, ms []framework.Manifest) []string {
	var out []string
	for key, r := range f.values {
		for _, v := range r.vals {
			if v = strings.TrimSpace(v); secret[key] && v != "" {
				out = append(out, v)
			}
			out = append(out, urlSecrets(v)...)
		}
	}
	for _, m := range ms {
		for _, s := range m.Settings {
			if v := strings.TrimSpace(f.injectors[m.Name+"."+s.Key]); s.Secret && v != "" {
				out = append(out, v)
			}
		}
	}
	for _, v := range f.injectors {
		out = append(out, urlSecrets(v)...)
	}
	return out
}

// urlSecrets returns the secrets of v's user information when v is a URL
// (backend_url, openaev_url; a third-party injector's URL setting that
// takes user information; the reference injectors refuse it): its password, sent
// as a Basic Authorization header, is a secret of the file as its token
// is, for the file's exposure (a file holding one readable by others is
// warned of) as for redaction.
func urlSecrets(v string) []string {
	if !strings.Contains(v, "://") {
		return nil
	}
	return httpx.URLSecrets(strings.TrimSpace(v))
}

// fileSecretsReader is a configuration that kept its config file's
// secrets as it read them (origins).
type fileSecretsReader interface {
	readFileSecrets() ([]string, bool)
}

// redactGiven removes from err, the error a command exits with (run,
// validate, serve, the outbox commands, a refusal of a command's words),
// every secret the command was given, from every source, and those of
// decoded (what its configuration decoded: the backend URL's
// credentials). The token and the Secret settings are taken as each
// source gives them, one another source overrides too: the flags and the
// environment (rawSecrets) and the config file, as cfg read it; cfg not
// read yet (refused before: a stray INJECTKIT_ variable, --config twice)
// gives none of the file, which is never opened then; cfg nil (a refusal
// of the command's words) the file read now, see givenSecrets. A config file refused, a CA
// file, backend URL, outbox path or duration refused quotes what the
// user wrote, which may hold one. They are read only for an error.
func redactGiven(c *ucli.Context, o Options, cfg fileSecretsReader, err error, decoded ...string) error {
	if err == nil {
		return nil
	}
	return redactExit(err, everySecret(c, o, cfg, decoded...))
}

// everySecret returns every secret the command was given, from every
// source, as redactGiven redacts them, and decoded: what the log lines of
// run, validate and serve are redacted of (redacting), as the error they
// exit with is. A secret one source gives and another overrides (a
// config file's shodan_api_key under INJECTKIT_SHODAN_API_KEY) is
// redacted all the same: an error quoting what was written may show it.
func everySecret(c *ucli.Context, o Options, cfg fileSecretsReader, decoded ...string) []string {
	var given []string
	file, read := []string(nil), false
	if cfg != nil {
		file, read = cfg.readFileSecrets()
	}
	switch {
	case read:
		given = append(rawSecrets(c, o.Getenv, o.injectors().manifests()), file...)
	case cfg != nil: // refused before the file was read: the error quotes none of it
		given = rawSecrets(c, o.Getenv, o.injectors().manifests())
	default:
		given = givenSecrets(c, o)
	}
	return append(given, decoded...)
}

// redactingWriter removes secrets from each write: a log line, whole. The
// forms of the secrets are built once, not on every line.
type redactingWriter struct {
	w io.Writer
	r *httpx.Redactor
}

// redacting returns w, writing through redaction when there are secrets.
func redacting(w io.Writer, secrets []string) io.Writer {
	if len(secrets) == 0 {
		return w
	}
	return redactingWriter{w: w, r: httpx.NewRedactor(secrets...)}
}

// logRedaction returns the redaction of secrets, as redacting's writer
// makes it, for what must be redacted before the writer sees it (a
// message cut to fit a log line); nil when there are none.
func logRedaction(secrets []string) func(string) string {
	if len(secrets) == 0 {
		return nil
	}
	return httpx.NewRedactor(secrets...).Redact
}

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, r.r.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactExit removes secrets from err, the error a command returns, and
// from its hint: Run prints both.
func redactExit(err error, secrets []string) error {
	if err == nil || len(secrets) == 0 {
		return err
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		ee.Err = httpx.RedactError(ee.Err, secrets...)
		ee.Hint = httpx.Redact(ee.Hint, secrets...)
		return err
	}
	return httpx.RedactError(err, secrets...)
}

// secretURL refuses a base URL (backend_url, openaev_url) whose host,
// path or port, its user:password left out, holds one of secrets (the
// token, an injector's Secret setting), its value withheld, as an inject
// id holding one is: the URL is the outbox's record of each body it
// keeps, which outbox list shows, and the flush command a failed run
// prints names it. A secret shorter than httpx.ShortSecret, hardly a real
// one, is left out: the token "1" is a word of http://127.0.0.1:8080.
func secretURL(key, where, raw string, secrets []string) error {
	long := slices.DeleteFunc(slices.Clone(secrets), func(s string) bool { return len(strings.TrimSpace(s)) < httpx.ShortSecret })
	redact := logRedaction(long)
	if raw == "" || redact == nil {
		return nil
	}
	if u := httpx.StripCredentials(raw); redact(u) != u {
		return usageErr("invalid %s (value withheld)%s: %s", key, where, signatures.ReasonSecret)
	}
	return nil
}
