package cli

import (
	"context"
	"reflect"
	"time"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"
)

// The configurations of the outbox commands, one each, so that each shows
// only the flags it uses. Their config file may be the one of `run` or
// `serve`: its other keys are ignored, except serve's openaev_url (there or
// in the environment), the backend of flush and retry-dead when the same
// source gives no backend_url (outboxSendConfig.bindToken).

// outboxFileConfig is the outbox file of the commands that only read,
// resend or delete its bodies: no size limit, which only bounds the
// commands that add bodies.
type outboxFileConfig struct {
	Path        string        `config:"outbox" usage:"outbox file (default $XDG_STATE_HOME/{name}/outbox.db, else ~/.local/state/{name}/outbox.db)"`
	LockTimeout time.Duration `config:"outbox_lock_timeout" default:"30s" usage:"how long to wait for an outbox another process holds"`
}

// outboxListFileConfig is the outbox file of `outbox list`, with the size
// limit it shows beside the bytes stored.
type outboxListFileConfig struct {
	Path        string        `config:"outbox" usage:"outbox file (default $XDG_STATE_HOME/{name}/outbox.db, else ~/.local/state/{name}/outbox.db)"`
	MaxBytes    int64         `config:"outbox_max_bytes,positive" default:"1073741824" usage:"the size limit shown beside the bytes stored (the one run and serve were given), at least 1024 as theirs"`
	LockTimeout time.Duration `config:"outbox_lock_timeout" default:"30s" usage:"how long to wait for an outbox another process holds"`
}

// outboxListConfig is the configuration of `outbox list`.
type outboxListConfig struct {
	Outbox  outboxListFileConfig
	Output  string `config:"output" enum:"text|json" usage:"output format: text (default) or json"`
	Summary bool   `config:"summary" usage:"count the bodies by backend (pending, dead, size, oldest) instead of listing each, reading the outbox a page at a time: an outbox of any size"`
	Limit   int    `config:"limit" usage:"list the first N records alone (pending, then dead, each by id), reading no more of the outbox, and say how many were not shown (default: every record)"`
	Log     logConfig
	origins
}

// limitGiven reports whether the outbox's size limit was given (flag,
// environment or config file): the file does not record the limit of the
// processes that write it, so list knows it only then.
func (c *outboxListConfig) limitGiven() bool { return c.where("outbox_max_bytes") != "" }

// outboxDropConfig is the configuration of `outbox drop`: an id, or, in
// its place, the bodies stored for a backend (from) or before a time
// (before), or both (outbox_drop_many.go).
type outboxDropConfig struct {
	Outbox outboxFileConfig
	From   string `config:"from,url" usage:"instead of an id: drop every body, pending or dead, stored for this base URL (a backend decommissioned; compared as flush compares its backend URL)"`
	Before string `config:"before,nonblank" usage:"instead of an id: drop every body stored before this time (2026-11-30, midnight UTC, or RFC 3339: 2026-11-30T08:00:00Z), of the --from backend when given, else of every backend"`
	Log    logConfig
	origins
}

// outboxCompactConfig is the configuration of `outbox compact`.
type outboxCompactConfig struct {
	Outbox outboxFileConfig
	Log    logConfig
	origins
}

func (c *outboxCompactConfig) outbox() outboxConfig   { return c.Outbox.config() }
func (c *outboxCompactConfig) logging() logConfig     { return c.Log }
func (c *outboxCompactConfig) backend() backendConfig { return backendConfig{} }
func (c *outboxCompactConfig) output() string         { return "" }

// outboxSendConfig is the configuration of `outbox flush` and `outbox
// retry-dead`: they send to the backend.
type outboxSendConfig struct {
	Outbox       outboxFileConfig
	Backend      backendConfig
	IngestWindow time.Duration `config:"openaev_ingest_window" default:"30s" usage:"for the openaev terminal callbacks run kept, how long the platform may take to process a callback it answered 200 (OpenAEV 2.4.0 queues them and processes its queue every 10 s): a complete this command delivers, or sends without an answer, is noted in the outbox for that long, so that a run of its inject within it exits 2 and a complete whose answer was lost is not sent again; 0 for a platform that processes each callback before answering (its legacy ingestion)"`
	Log          logConfig
	origins
}

// backendGiven names where the backend URL was given, as the user wrote
// it: --backend-url, env INJECTKIT_BACKEND_URL, backend_url (config file
// c.yaml:3).
func (c *outboxSendConfig) backendGiven() string { return c.source("backend_url").named() }

// source is origins.source, but the backend URL read from a config file's
// openaev_url (serve's, see bindToken) is named as that key and line,
// openaev_url (config file c.yaml:1), not as the --backend-url nobody gave.
func (c *outboxSendConfig) source(key string) source {
	if s := c.origins.source(key); key != "backend_url" || s.given() {
		return s
	}
	if s := c.origins.source("openaev_url"); s.given() {
		return s
	}
	return c.origins.source(key)
}

// checkCA reads the CA file once per process, as run does, and checks
// that it holds a certificate, before the outbox is opened and anything
// sent: a CA file refused exits 2 naming it and where it was given
// (invalid ca_file "/tmp" (--ca-file): is a directory), not once per body.
func (c *outboxSendConfig) checkCA(ctx context.Context) error {
	return c.Backend.readCA(ctx, c.where("ca_file"))
}

// outboxCommandConfig is what every outbox command's configuration gives.
type outboxCommandConfig interface {
	outbox() outboxConfig
	logging() logConfig
	backend() backendConfig
	output() string
	where(key string) string // " (origin)" of a setting given, see origins
	source(key string) source
	warnStrayEnv(log *zap.Logger, name string)
	fileSecretsReader
}

func (f outboxFileConfig) config() outboxConfig {
	return outboxConfig{Path: f.Path, LockTimeout: f.LockTimeout}
}

func (c *outboxListConfig) outbox() outboxConfig {
	return outboxConfig{Path: c.Outbox.Path, MaxBytes: c.Outbox.MaxBytes, LockTimeout: c.Outbox.LockTimeout}
}
func (c *outboxListConfig) logging() logConfig     { return c.Log }
func (c *outboxListConfig) backend() backendConfig { return backendConfig{} }
func (c *outboxDropConfig) outbox() outboxConfig   { return c.Outbox.config() }
func (c *outboxDropConfig) logging() logConfig     { return c.Log }
func (c *outboxDropConfig) backend() backendConfig { return backendConfig{} }
func (c *outboxSendConfig) outbox() outboxConfig   { return c.Outbox.config() }
func (c *outboxSendConfig) logging() logConfig     { return c.Log }
func (c *outboxSendConfig) backend() backendConfig { return c.Backend }
func (c *outboxListConfig) output() string         { return c.Output }
func (c *outboxDropConfig) output() string         { return "" }
func (c *outboxSendConfig) output() string         { return "" }

// outboxFlags are the flags of the outbox subcommand configured by cfg, a
// pointer to its config struct; backendUsage, when set, is the help of its
// --backend-url.
func outboxFlags(o Options, cfg outboxCommandConfig, backendUsage string) []ucli.Flag {
	var usage map[string]string
	if backendUsage != "" {
		usage = map[string]string{"backend_url": backendUsage}
	}
	return withShort(flagsOf(o.name(), reflect.TypeOf(cfg).Elem(), usage), "output", "o")
}

// loadOutboxCommandConfig decodes the layers into cfg, a pointer to an
// outbox command's config struct.
func loadOutboxCommandConfig(c *ucli.Context, o Options, cfg outboxCommandConfig) error {
	_, err := loadConfig(c, o, o.injectors().manifests(), cfg)
	return err
}
