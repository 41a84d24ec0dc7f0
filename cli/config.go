package cli

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"
	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// setting is one scalar configuration key shared by the config file, the
// environment and a flag of the same name.
type setting struct {
	key    string // config-file key and flag name with '_' for '-'
	def    string
	usage  string
	secret bool
	list   bool // repeatable flag; comma-separated in the environment
	isBool bool // a flag that takes no value
}

func (s setting) flag() string { return strings.ReplaceAll(s.key, "_", "-") }
func (s setting) env() string  { return "INJECTKIT_" + strings.ToUpper(s.key) }

// runSettings are the keys of `injectkit run`, in help order.
var runSettings = []setting{
	{key: "inject_id", usage: "inject id (default: a fresh UUID when printing to stdout; required with a backend URL)"},
	{key: "target", usage: "a target: IPv4, IPv6 or host name (repeatable)", list: true},
	{key: "targets_file", usage: "file with one target a line (# comments and blank lines skipped)"},
	{key: "inject_file", usage: "inject request as JSON (flags override its fields)"},
	{key: "expectation", usage: "expectation type: DETECTION, PREVENTION, VULNERABILITY (repeatable; default DETECTION)", list: true},
	{key: "param", usage: "injector parameter key=value (repeatable)", list: true},
	{key: "backend_url", usage: "backend base URL; without it, each body is printed to stdout"},
	{key: "token", usage: "backend bearer token", secret: true},
	{key: "phase", usage: "callback phase (default " + runtime.DefaultPhase + ")"},
	{key: "profile", def: ProfileCallback, usage: "wire profile: callback (one POST /api/injects/{id}/callback) or " +
		"openaev (the platform's reception, trace and terminal callbacks)"},
	{key: "openaev_message", usage: "run one OpenAEV platform message (a JSON file) with the openaev profile, " +
		"for debugging; name the injector to run it with, or let its contract id pick it"},
	{key: "openaev_version", usage: "OpenAEV platform version (e.g. 2.4.0, 3.260821.0) for the openaev profile, " +
		"instead of asking the platform; before 2.260624 no signatures are sent (default: read from the platform; " +
		"the current line without a backend)"},
	{key: "max_payload_size", def: "1048576", usage: "largest body in bytes; larger payloads are chunked"},
	{key: "timeout", usage: "execution deadline (default 10m)"},
	{key: "ca_file", usage: "PEM file of CA certificates trusted for the backend"},
	{key: "insecure", def: "false", usage: "skip TLS verification of the backend (logged as a warning)", isBool: true},
	{key: "outbox", usage: "outbox file keeping every body until the backend accepts it (default $XDG_STATE_HOME/injectkit/outbox.db, else ~/.local/state/injectkit/outbox.db; \"none\" keeps none)"},
	{key: "outbox_max_bytes", def: "1073741824", usage: "most bytes of bodies the outbox holds; past it new injects fail"},
	{key: "outbox_lock_timeout", def: "30s", usage: "how long to wait for an outbox another process holds"},
	{key: "log_level", def: "info", usage: "log level: debug, info, warn, error"},
	{key: "log_format", def: "console", usage: "log format: console or json"},
}

// config is the merged configuration: defaults < YAML file < environment <
// flags.
type config struct {
	k        *koanf.Koanf
	settings []setting
}

func (c *config) str(key string) string { return c.k.String(key) }

func (c *config) list(key string) []string {
	var out []string
	for _, v := range c.k.Strings(key) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (c *config) bool(key string) (bool, error) {
	s := c.str(key)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, usageErr("invalid %s %q: not a boolean", key, s)
	}
	return b, nil
}

func (c *config) int(key string) (int, error) {
	s := c.str(key)
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, usageErr("invalid %s %q: not a positive integer", key, s)
	}
	return n, nil
}

func (c *config) duration(key string) (time.Duration, error) {
	s := c.str(key)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, usageErr("invalid %s %q: not a duration (e.g. 30s, 5m)", key, s)
	}
	return d, nil
}

// injectorSettings returns the settings of one injector: defaults < file
// key "<injector>.<key>" < its environment variable.
func (c *config) injectorSettings(m framework.Manifest) map[string]string {
	out := map[string]string{}
	for _, s := range m.Settings {
		out[s.Key] = c.k.String(m.Name + "." + s.Key)
	}
	return out
}

// loadConfig merges the layers. manifests declare the injector settings the
// config file may hold; any other key is an error naming it.
func loadConfig(c *ucli.Context, settings []setting, manifests []framework.Manifest, getenv func(string) string) (*config, error) {
	k := koanf.New(".")
	defaults := map[string]any{}
	for _, s := range settings {
		if s.def != "" {
			defaults[s.key] = s.def
		}
	}
	for _, m := range manifests {
		for _, s := range m.Settings {
			if s.Default != "" {
				defaults[m.Name+"."+s.Key] = s.Default
			}
		}
	}
	_ = k.Load(confmap.Provider(defaults, "."), nil)

	path := c.String("config")
	if path == "" {
		path = getenv("INJECTKIT_CONFIG")
	}
	if path != "" {
		fk := koanf.New(".")
		if _, err := os.Stat(path); err != nil {
			return nil, usageErr("config file %s: %v", path, err)
		}
		if err := fk.Load(file.Provider(path), yaml.Parser()); err != nil {
			return nil, usageErr("config file %s: %v", path, err)
		}
		if err := checkKeys(fk, settings, manifests, path); err != nil {
			return nil, err
		}
		if err := k.Merge(fk); err != nil {
			return nil, usageErr("config file %s: %v", path, err)
		}
	}

	env := map[string]any{}
	for _, s := range settings {
		if v := getenv(s.env()); v != "" {
			switch {
			case s.key == "param":
				env[s.key] = splitParams(v)
			case s.list:
				env[s.key] = strings.Split(v, ",")
			default:
				env[s.key] = v
			}
		}
	}
	for _, m := range manifests {
		for _, s := range m.Settings {
			if s.Env != "" {
				if v := getenv(s.Env); v != "" {
					env[m.Name+"."+s.Key] = v
				}
			}
		}
	}
	_ = k.Load(confmap.Provider(env, "."), nil)

	flags := map[string]any{}
	for _, s := range settings {
		if !c.IsSet(s.flag()) {
			continue
		}
		switch {
		case s.list:
			if r, ok := c.Generic(s.flag()).(*repeated); ok {
				flags[s.key] = r.values
			}
		case s.isBool:
			flags[s.key] = strconv.FormatBool(c.Bool(s.flag()))
		default:
			flags[s.key] = c.String(s.flag())
		}
	}
	_ = k.Load(confmap.Provider(flags, "."), nil)
	return &config{k: k, settings: settings}, nil
}

func checkKeys(fk *koanf.Koanf, settings []setting, manifests []framework.Manifest, path string) error {
	known := map[string]bool{}
	for _, s := range settings {
		known[s.key] = true
	}
	for _, m := range manifests {
		for _, s := range m.Settings {
			known[m.Name+"."+s.Key] = true
		}
	}
	var unknown []string
	for _, key := range fk.Keys() {
		if !known[key] {
			unknown = append(unknown, key)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return usageErr("config file %s: unknown key %s", path, strings.Join(unknown, ", "))
	}
	return nil
}

func usageErr(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// splitParams splits "a=1,ports=22,80,b=x" on the commas that start a new
// key=value pair, so that a value may hold commas.
func splitParams(v string) []string {
	var out []string
	for _, piece := range strings.Split(v, ",") {
		if len(out) > 0 && !strings.Contains(piece, "=") {
			out[len(out)-1] += "," + piece
			continue
		}
		out = append(out, piece)
	}
	return out
}
