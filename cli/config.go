package cli

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// The configuration of each command is one struct, decoded once from its
// layers: flag > environment > YAML config file > default. Each field
// declares its key, default and help in its tags (config_fields.go): the
// flag, the environment variable and the help text are generated from them,
// so a new setting is one field (and one row of the README's table, which
// a test checks).

// logConfig is the stderr logger of every command.
type logConfig struct {
	Level  logLevel `config:"log_level" default:"info" usage:"log level: debug, info, warn, error"`
	Format string   `config:"log_format" default:"console" enum:"console|json" usage:"log format: console or json"`
}

// backendConfig is the backend `run` and the outbox commands send to.
type backendConfig struct {
	URL      string `config:"backend_url,url" usage:"backend base URL; without it, each body is printed to stdout"`
	Token    string `config:"token,secret" usage:"backend bearer token"`
	CAFile   string `config:"ca_file" usage:"PEM file of CA certificates trusted for the backend, besides the system roots (with a plain http:// URL, which has no TLS, an INFO line says it has no effect)"`
	Insecure bool   `config:"insecure" usage:"skip TLS verification of the backend (a WARN; with a plain http:// URL, which has no TLS, an INFO line says it has no effect)"`

	// caPEM is the content of CAFile, read once by readCA: every client
	// of the process is built from it.
	caPEM []byte
}

// outboxConfig is the outbox of `run`, `serve` and the outbox commands.
type outboxConfig struct {
	Path string `config:"outbox,none" usage:"outbox file keeping every body (of serve: every terminal callback) until the backend accepts it (default $XDG_STATE_HOME/{name}/outbox.db, else ~/.local/state/{name}/outbox.db; \"none\" keeps none)"`
	// MaxBytes is the most bytes of bodies the outbox holds. Its help
	// says what run does with it; serve's (serveOutboxUsage) what serve
	// does.
	MaxBytes    int64         `config:"outbox_max_bytes,positive" default:"1073741824" usage:"most bytes of bodies the outbox holds, at least 1024 with a backend and an outbox (a smaller one is refused, exit 2, nothing sent): a run finding it full exits 2 before its inject runs; a result that does not fit is sent without being stored, with a WARN (the run goes on)"`
	LockTimeout time.Duration `config:"outbox_lock_timeout" default:"30s" usage:"how long to wait for an outbox another process holds"`
}

// runConfig is the configuration of `injectkit run`, in help order.
type runConfig struct {
	InjectID       string          `config:"inject_id,inject,once" usage:"inject id (default: a fresh UUID when printing to stdout; required with a backend URL)"`
	Targets        []string        `config:"target,inject" blank:"give an address, a host name or a CIDR range" usage:"a target: IPv4, IPv6, host name or CIDR range, one target per address (repeatable)"`
	TargetsFile    string          `config:"targets_file,inject,once" usage:"file with one target a line, as --target (blank lines and # comments skipped, duplicates dropped; a line of at most 1 MiB, else exit 2; - reads stdin)"`
	Queries        []string        `config:"query,inject,whole" blank:"a query is the target" usage:"an external target: an exposure query (repeatable; its environment variable holds one query, commas included); each --target narrows every query to that IPv4 address or host name"`
	CloudProvider  string          `config:"cloud_provider,inject,once" usage:"a cloud target's provider (e.g. aws), with --cloud-account and --cloud-region"`
	CloudAccount   string          `config:"cloud_account,inject,once" usage:"a cloud target's account, subscription or project id"`
	CloudRegions   []string        `config:"cloud_region,inject" blank:"each region is a target" usage:"a cloud target's region (repeatable: one target per region)"`
	TargetServices []string        `config:"target_service,inject" blank:"each service narrows the cloud targets" usage:"narrow each cloud target to a service, e.g. s3 (repeatable: one target per region and service)"`
	MaxTargets     int             `config:"max_targets,positive" default:"65536" usage:"most targets CIDR ranges may expand to, all ranges together, and an --openaev-message may give; past it the run exits 2 (a message's inject gets its INVALID_USAGE)"`
	InjectFile     string          `config:"inject_file,inject,once" usage:"inject request as JSON, at most 64 MiB, else exit 2 (flags override its fields; - reads stdin)"`
	Expectations   []string        `config:"expectation,inject" blank:"give DETECTION, PREVENTION or VULNERABILITY, or leave the setting out for the injector's default" usage:"expectation type: DETECTION, PREVENTION, VULNERABILITY (repeatable; default DETECTION, or the injector's declared types when it does not declare DETECTION)"`
	Params         []string        `config:"param,inject,pairs" blank:"give key=value" usage:"injector parameter key=value (repeatable, each key once)"`
	Backend        backendConfig   // backend_url, token, ca_file, insecure
	Phase          string          `config:"phase,nonblank" usage:"callback phase (default execution_complete, the one the wire format documents; another needs --phase-any)"`
	PhaseAny       bool            `config:"phase_any" usage:"send a phase the wire format does not document"`
	Output         string          `config:"output" enum:"text|json" usage:"stdout: text (a summary: each target's status and findings, where the signatures went) or json (each wire body, one a line; given with --backend-url, each body sent); default text on a terminal, else json"`
	Profile        string          `config:"profile" default:"callback" enum:"callback|openaev" usage:"wire profile: callback (one POST /api/injects/{id}/callback) or openaev (the platform's reception, trace and terminal callbacks)"`
	OpenAEVMessage string          `config:"openaev_message,once" usage:"run one OpenAEV platform message (a JSON file of at most 16 MiB, serve's default --max-message-size) with the openaev profile, for debugging, with the injector its contract id names (naming another injector exits 2)"`
	OpenAEVVersion platformVersion `config:"openaev_version" usage:"OpenAEV platform version (e.g. 2.4.0, 3.260821.0) for the openaev profile, instead of asking the platform; before 2.260624 no signatures are sent (default: read from the platform; the current line without a backend)"`
	RerunFinished  bool            `config:"rerun_finished" usage:"with the openaev profile, run an inject the platform reports finished all the same (the platform reopens it and merges this run's status with the earlier run's; without it such a run exits 2 before anything is sent)"`
	IngestWindow   time.Duration   `config:"openaev_ingest_window" default:"30s" usage:"with the openaev profile, how long the platform may take to process a callback it answered 200 (OpenAEV 2.4.0 queues them and processes its queue every 10 s): within it after a complete was sent (answered or not), what the platform shows of the inject proves nothing about it: a complete whose answer was lost is not sent again until it passed, and a run of the inject exits 2 unless --rerun-finished; 0 for a platform that processes each callback before answering (its legacy ingestion)"`
	MaxPayloadSize int             `config:"max_payload_size,positive" usage:"largest body in bytes; larger payloads are chunked (default 1048576; with the openaev profile 5242880, and 1024 to 67108864, above 16776704 with a WARN: the platform's RabbitMQ drops larger callbacks unless its max_message_size was raised; each structured output at most 20000000 characters, the platform's limit: signatures beyond it go in data callbacks, a finding too large for the terminal callback is left out with a WARN)"`
	Execution      executionConfig // timeout
	Outbox         outboxConfig
	Log            logConfig

	injectors injectorSettings
	origins
	// filePlaces says where the inject file, once read, writes its
	// params and keys (see buildRunRequest), for relabel.
	filePlaces runtime.FilePlaces
	// injectorFromFile says the injector run is the one the inject file
	// names, the command line naming none: a hint to run another says
	// where to change it.
	injectorFromFile bool
	// portAdvice ends the refusal of a target written with a port: what
	// the injector run takes instead (portAdvice).
	portAdvice string
	// paramTypeErrs are the refusals of the --param values the
	// injector's types refuse under the openaev profile, by key: the
	// runtime refuses them as it would an inject file's, and the
	// rejection says what the callback profile says (see writtenParams).
	paramTypeErrs map[string]*signatures.ValidationError
	// heap is the run's hold on the heap floor, which a long list lifts
	// as it is read (targetList.presize); nil but in `run`.
	heap *heapHold
}

// executionConfig is how `run` and `serve` execute an inject. Timeout has
// no default of its own: unset, a run keeps its inject file's timeout, and
// either command the runtime's (runtime.DefaultTimeout, 10m).
type executionConfig struct {
	Timeout time.Duration `config:"timeout,positive" usage:"execution deadline of each inject, e.g. 90s, 5m or 300 (seconds); past it the injector is cancelled and the outcome is timeout (default 10m)"`
}

// platformConfig is the OpenAEV platform `serve` registers with.
type platformConfig struct {
	URL          string          `config:"openaev_url,required,url" usage:"OpenAEV platform base URL (required)"`
	Token        string          `config:"token,secret,required" usage:"OpenAEV API token (required)"`
	Tenant       string          `config:"tenant" usage:"OpenAEV tenant id; API paths become /api/tenants/{tenant}/…"`
	InjectorID   string          `config:"injector_id,required" usage:"the injector's UUID on the platform (required)"`
	InjectorName string          `config:"injector_name" default:"{name}" usage:"injector name shown by the platform"`
	InjectorType string          `config:"injector_type" default:"{name}" usage:"injector type registered with the platform"`
	Version      platformVersion `config:"openaev_version" usage:"OpenAEV platform version (e.g. 2.4.0, 3.260821.0) instead of asking the platform before the first registration; before 2.260624 no signatures are sent and newer output types are declared as text"`
	IngestWindow time.Duration   `config:"openaev_ingest_window" default:"30s" usage:"how long the platform may take to process a callback it answered 200 (OpenAEV 2.4.0 queues them and processes its queue every 10 s): within it after a complete was sent (answered or not), what the platform shows of the inject proves nothing about it: a complete whose answer was lost is not sent again until it passed, and another message of the inject (sent twice, or redelivered) is acknowledged without running it; 0 for a platform that processes each callback before answering (its legacy ingestion)"`
	IconFile     string          `config:"icon_file" usage:"PNG icon sent with the first registration"`
	CAFile       string          `config:"ca_file" usage:"PEM file of CA certificates trusted for the platform's HTTPS, besides the system roots (with a plain http:// URL, which has no TLS, an INFO line says it has no effect)"`
	Insecure     bool            `config:"insecure" usage:"skip TLS verification of the platform (a WARN; with a plain http:// URL, which has no TLS, an INFO line says it has no effect)"`
}

// brokerTLSConfig is the TLS of the broker connection, used when the
// platform's registration says use_ssl.
type brokerTLSConfig struct {
	CAFile   string `config:"broker_ca_file" usage:"PEM file of CA certificates trusted for the broker's TLS (registration's use_ssl), besides the system roots"`
	CertFile string `config:"broker_cert_file" usage:"PEM client certificate for a broker that asks for one (with --broker-key-file)"`
	KeyFile  string `config:"broker_key_file" usage:"PEM private key of --broker-cert-file"`
	Insecure bool   `config:"broker_insecure" usage:"skip TLS verification of the broker (logged as a warning)"`
}

// serveConfig is the configuration of `injectkit serve`, in help order.
// Bounds the decoding does not check are checked by check (serve.go).
type serveConfig struct {
	Platform          platformConfig
	Served            []string        `config:"injectors,commas" blank:"give an injector's name, or leave the setting out to serve every injector but noop" usage:"injectors to register and consume for, e.g. nmap,query (repeatable or comma-separated; default: every registered injector but noop, which is served only when named)"`
	Workers           int             `config:"workers" default:"4" usage:"injects run at once, 1 to 1024; also the broker prefetch, plus --delivery-slots"`
	DeliverySlots     int             `config:"delivery_slots" default:"0" usage:"with an outbox, messages whose inject ran and whose result is being stored and posted, each freeing its worker for the next message, 0 to 1024 (0: a worker delivers its own result); raises the broker prefetch by as many, so messages may wait in this daemon behind busy workers: for short injects only, leave 0 for long scans with several daemons on one queue"`
	ListenAddr        string          `config:"listen_addr" default:"127.0.0.1:9464" usage:"host:port serving /healthz and /metrics, without authentication (\"\": no HTTP server; an address other hosts reach gets a WARN at start)"`
	ShutdownTimeout   time.Duration   `config:"shutdown_timeout,positive" default:"30s" usage:"on SIGTERM (or SIGINT, SIGHUP), how long injects in flight may finish before they are requeued; the shutdown then takes up to 2s more (longer only while a result being stored is committed)"`
	HeartbeatInterval time.Duration   `config:"heartbeat_interval,positive" default:"40s" usage:"period of the registration heartbeat, at least 5s"`
	AuthFailures      int             `config:"auth_failures" default:"3" usage:"authorization refusals in a row (401, 403, or 404 on a dispatched inject before OpenAEV 2.0.0) after which consumption stops until a registration succeeds again, 1 to 1000"`
	MaxMessageSize    int64           `config:"max_message_size" default:"16777216" usage:"largest platform message in bytes, 1 KiB to 512 MiB; a larger one is rejected unread, without requeue"`
	MaxTargets        int             `config:"max_targets,positive" default:"65536" usage:"most targets a platform message may give (its manual targets, cloud regions, assets, or asset groups' endpoints, counted before they are made); past it the inject is refused with INVALID_USAGE"`
	MaxPayloadSize    int64           `config:"max_payload_size" default:"5242880" usage:"largest callback body in bytes, 1 KiB to 64 MiB (above 16776704 a WARN: the platform's RabbitMQ drops larger callbacks unless its max_message_size was raised); signatures beyond it, or beyond a structured output of 20000000 characters (the platform's limit), go in data callbacks; a finding too large for the terminal callback is left out with a WARN"`
	Execution         executionConfig // timeout
	Broker            brokerTLSConfig
	Outbox            outboxConfig
	Log               logConfig

	injectors injectorSettings
	origins
}

// Defaults of run's max_payload_size, by wire profile: the openaev
// profile's is pyoaev's (openaev.DefaultMaxPayloadSize).
const (
	defaultMaxPayloadSize        = 1 << 20
	defaultOpenAEVMaxPayloadSize = openaev.DefaultMaxPayloadSize
)

func loadRunConfig(c *ucli.Context, o Options, ms []framework.Manifest) (runConfig, error) {
	var cfg runConfig
	var err error
	// The other commands' keys are no error: one config file may serve
	// every command (INJECTKIT_CONFIG), as one environment does; run
	// ignores them (see commandConfigTypes).
	if cfg.injectors, err = loadConfig(c, o, ms, &cfg); err != nil {
		return cfg, err
	}
	if err := checkContainerIP(o.Getenv); err != nil {
		return cfg, err
	}
	if err := cfg.messageProfile(); err != nil {
		return cfg, err
	}
	if err := cfg.otherProfileFlags(); err != nil {
		return cfg, err
	}
	return cfg, cfg.resolveMaxPayloadSize()
}

// messageProfile refuses a profile other than openaev set with
// --openaev-message, whose wire is the platform's own, as it refuses the
// inject's fields (see runOpenAEVMessage), and gives a message's run the
// openaev profile.
func (cfg *runConfig) messageProfile() error {
	if cfg.OpenAEVMessage == "" {
		return nil
	}
	if src := cfg.source("profile"); cfg.Profile != ProfileOpenAEV && src.given() {
		return usageErr("invalid profile %q%s: %s runs with the openaev profile, the platform's own calls; %s",
			cfg.Profile, src.where(), cfg.source("openaev_message").named(), src.drop())
	}
	cfg.Profile = ProfileOpenAEV
	return nil
}

// checkContainerIP refuses, before anything runs, a CONTAINER_IP that is
// not an IPv4 address: the source address resolver would skip it and put
// another address in every signature.
func checkContainerIP(getenv func(string) string) error {
	if _, err := signatures.ParseContainerIP(getenv(signatures.ContainerIPEnv)); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	return nil
}

// openAEV reports whether the run uses the openaev profile.
func (cfg runConfig) openAEV() bool {
	return cfg.Profile == ProfileOpenAEV || cfg.OpenAEVMessage != ""
}

// resolveMaxPayloadSize gives max_payload_size its profile's default when
// unset, and checks the openaev profile's bounds.
func (cfg *runConfig) resolveMaxPayloadSize() error {
	if !cfg.openAEV() {
		if cfg.MaxPayloadSize == 0 {
			cfg.MaxPayloadSize = defaultMaxPayloadSize
		}
		return nil
	}
	if cfg.MaxPayloadSize == 0 {
		cfg.MaxPayloadSize = defaultOpenAEVMaxPayloadSize
	}
	if err := openaev.ValidateMaxPayloadSize(int64(cfg.MaxPayloadSize)); err != nil {
		return &ExitError{Code: ExitUsage, Err: cfg.named(err)}
	}
	return nil
}

func loadServeConfig(c *ucli.Context, o Options, ms []framework.Manifest) (serveConfig, error) {
	var cfg serveConfig
	var err error
	// run's keys are no error, serve ignores them (see loadRunConfig).
	if cfg.injectors, err = loadConfig(c, o, ms, &cfg); err != nil {
		return cfg, err
	}
	return cfg, checkContainerIP(o.Getenv)
}

// loadConfig decodes the layers into dst, a pointer to a config struct,
// and returns the injector settings ms declare. The config file may hold
// the keys of every command (commandConfigTypes; another command's are
// ignored, but for the backend a token belongs to, see tokenBinder) and the
// injector settings; any other key is a usage error naming it and the
// file, as is
// an INJECTKIT_ variable of the environment no command or injector reads
// that is a likely slip of one they read (checkEnv); dst keeps the other
// unknown ones, when sourced, for the command to warn of.
func loadConfig(c *ucli.Context, o Options, ms []framework.Manifest, dst any) (injectorSettings, error) {
	stray, err := checkEnv(c, o, ms)
	if err != nil {
		return nil, err
	}
	if p, ok := c.Generic(configFlag).(*configPath); ok && len(p.paths) > 1 {
		return nil, usageErr("--%s given twice (%q, then %q): files don't merge; give one config file, and the settings "+
			"to change as flags or environment variables, which take precedence over it", configFlag, p.paths[0], p.paths[1])
	}
	if err := onceGiven(c, o.name(), dst); err != nil {
		return nil, err
	}
	path, where := configGiven(c, o.Getenv)
	file := configFile{}
	if path != "" && strings.TrimSpace(path) == "" {
		return nil, usageErr("invalid %s %q%s: %s", configFlag, path, where, blankPath)
	}
	if path != "" {
		// A log format the command line or the environment gives applies
		// from the start: Main's lines about a signal during the read are
		// JSON log lines under --log-format json; only the file's own
		// log_format waits for the file.
		o.Abort.logJSON(o.Stderr, logConfig{Format: givenLogFormat(c, o.Getenv)})
		types := commandConfigTypes()
		secret := secretKeysOf(types...)
		file, err = readConfigFile(c.Context, path, where, keysOf(types...), listKeysOf(types...), secret, ms)
		if s, ok := dst.(sourced); ok {
			s.setFileSecrets(file.secrets(secret, ms)) // read once: an error refusing any setting is redacted of them
		}
		if err != nil {
			return nil, err
		}
	}
	if err := decodeFields(dst, c, o.name(), o.Getenv, file.values); err != nil {
		return nil, err
	}
	if s, ok := dst.(sourced); ok && path != "" {
		s.setConfig(path)
	}
	if s, ok := dst.(sourced); ok {
		s.setStrayEnv(stray)
	}
	if b, ok := dst.(tokenBinder); ok {
		if err := b.bindToken(c, o.Getenv, file); err != nil {
			return nil, err
		}
	}
	s, _ := dst.(sourced)
	return newInjectorSettings(ms, o.Getenv, file, s), nil
}

// commandConfigTypes are the configuration types of every command that
// reads the config file: the ONE list of the keys a config file may hold,
// since one file may serve every command (README: a key another command
// reads is ignored).
func commandConfigTypes() []reflect.Type {
	return []reflect.Type{
		reflect.TypeFor[runConfig](), // run and validate
		reflect.TypeFor[serveConfig](),
		reflect.TypeFor[injectorsConfig](),
		reflect.TypeFor[outboxListConfig](),
		reflect.TypeFor[outboxDropConfig](),
		reflect.TypeFor[outboxSendConfig](), // flush and retry-dead
		reflect.TypeFor[outboxMoveConfig](),
	}
}

// injectorSettings are the settings of each injector, by injector name and
// key.
type injectorSettings map[string]map[string]string

// newInjectorSettings resolves the settings ms declare: the setting's own
// environment variable > the config file's "<injector>.<key>" > its
// default. It tells from, when not nil, where each setting the user gave
// came from, by its key "<injector>.<key>"; a secret's apart, which only
// an error withholding its value names (see origins.named).
func newInjectorSettings(ms []framework.Manifest, getenv func(string) string, file configFile, from sourced) injectorSettings {
	out := injectorSettings{}
	for _, m := range ms {
		vals := map[string]string{}
		for _, s := range m.Settings {
			key := m.Name + "." + s.Key
			v, where := "", ""
			if s.Env != "" {
				v = trimmed(getenv(s.Env))
				where = "env " + s.Env
			}
			if v == "" {
				var ok bool
				if v, ok = file.injectors[key]; ok {
					v, where = trimmed(v), file.injectorsFrom[key]
				} else {
					v, where = s.Default, ""
				}
			}
			vals[s.Key] = v
			switch {
			case from == nil || where == "":
			case s.Secret:
				from.setSecretFrom(key, where) // for an error withholding its value
			default:
				from.setFrom(key, where)
			}
		}
		out[m.Name] = vals
	}
	return out
}

func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// orList joins s as "a, b or c".
func orList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// splitParams splits "a=1,ports=22,80,b=x" on the commas that start a new
// key=value pair, so that a value may hold commas; a blank piece is an
// item of its own.
func splitParams(v string) []string {
	var out []string
	for _, piece := range strings.Split(v, ",") {
		// A blank piece continues no value: it is an item of its own,
		// refused as blank (a,,b, ,a or a, is a slip, not a comma in a).
		if len(out) > 0 && !strings.Contains(piece, "=") && strings.TrimSpace(piece) != "" && strings.TrimSpace(out[len(out)-1]) != "" {
			out[len(out)-1] += "," + piece
			continue
		}
		out = append(out, piece)
	}
	return out
}
