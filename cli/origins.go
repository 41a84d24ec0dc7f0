package cli

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/signatures"
)

// origins keeps where each key of a config was set ("--param",
// "env INJECTKIT_PARAM", "config file c.yaml:3", "default"), for the errors
// found after decoding: a param the injector refuses, a payload size the
// profile cannot hold, a worker count out of bounds. A config struct embeds
// it; decodeFields fills it (see sourced).
type origins struct {
	from map[string]string
	// secretFrom says where each secret (the token) was set, apart: the
	// errors that name a key's origin never see it. The flush hint does.
	secretFrom map[string]string
	// config is the config file read, "" when none.
	config string
	// items says where each item of a list key was written, when the
	// items have places of their own (the lines of a YAML list).
	items map[string]map[string]string
	// pairs says where each item of a pairs key (param) was written, in
	// the order of the decoded list: two items of one text may come from
	// two places (a --param repeating the first of a config file's two).
	pairs map[string][]string
	// hiddenPairs are the param items a higher layer's of the same key
	// replaced (mergedPairs), hiddenFrom where each was written: checked
	// as the items read are (checkHiddenParams).
	hiddenPairs, hiddenFrom []string
	// text is the value of each scalar key as it was written ("4" for a
	// heartbeat_interval read as 4s), for an error to quote.
	text map[string]string
	// strayEnv are the unknown INJECTKIT_ variables of the environment
	// that checkEnv let pass, for warnStrayEnv.
	strayEnv []string
	// fileSecrets are the config file's secrets as it was read (its
	// secret keys' values, its Secret settings'), fileRead whether it was:
	// an error the command exits with is redacted of them (redactGiven),
	// without reading the file again (a pipe gives its content once).
	fileSecrets []string
	fileRead    bool
}

func (o *origins) setFileSecrets(secrets []string) { o.fileSecrets, o.fileRead = secrets, true }

// readFileSecrets returns the config file's secrets as it was read, and
// whether it was (see setFileSecrets).
func (o *origins) readFileSecrets() ([]string, bool) { return o.fileSecrets, o.fileRead }

func (o *origins) setText(key, text string) {
	if o.text == nil {
		o.text = map[string]string{}
	}
	o.text[key] = text
}

// written is the value of key as the user wrote it, without the white
// space around it (trimmed), else shown (a default, or a config built
// without decoding).
func (o *origins) written(key, shown string) string {
	if t, ok := o.text[key]; ok {
		return trimmed(t)
	}
	return shown
}

// given is v, the value of key a refusal names, as the user gave it when
// v is that value trimmed ("\t\x1f " for a name refused as "\x1f"),
// else v.
func (o *origins) given(key, v string) string {
	if t, ok := o.text[key]; ok && t != v && trimmed(t) == v {
		return t
	}
	return v
}

func (o *origins) setFrom(key, from string) {
	if o.from == nil {
		o.from = map[string]string{}
	}
	o.from[key] = from
}

func (o *origins) setSecretFrom(key, from string) {
	if o.secretFrom == nil {
		o.secretFrom = map[string]string{}
	}
	o.secretFrom[key] = from
}

func (o *origins) setConfig(path string) { o.config = path }

func (o *origins) setItemFrom(key, item, from string) {
	if o.items == nil {
		o.items = map[string]map[string]string{}
	}
	if o.items[key] == nil {
		o.items[key] = map[string]string{}
	}
	if _, dup := o.items[key][item]; !dup {
		o.items[key][item] = from // the first place an item is written
	}
}

func (o *origins) setPairs(key string, r raw) {
	if o.pairs == nil {
		o.pairs = map[string][]string{}
	}
	o.pairs[key] = r.itemFrom
	if len(r.hidden) > 0 {
		o.hiddenPairs = append(o.hiddenPairs, r.hidden...)
		o.hiddenFrom = append(o.hiddenFrom, r.hiddenFrom...)
	}
}

// wherePair is where for item i of a pairs key (param), in the decoded
// list's order: the place of that item, never of another of its text.
func (o *origins) wherePair(key string, i int) string {
	if i < len(o.pairs[key]) {
		return source{key: key, from: o.pairs[key][i]}.where()
	}
	return o.where(key)
}

// whereItem is where for one item of a list key: the line of that item
// when the list has lines of its own.
func (o *origins) whereItem(key, item string) string { return o.itemSource(key, item).where() }

// where returns " (origin)" for a key the user set, "" for one nobody set
// (a default counts as nobody).
func (o *origins) where(key string) string { return o.source(key).where() }

// named rewrites a refused setting (a *signatures.ValidationError or a
// *serve.SettingError on a key of the config) to name where the user gave
// it: invalid key "value" (origin): reason. Any other error is returned as
// it is.
func (o *origins) named(err error) error {
	var ve *signatures.ValidationError
	var se *serve.SettingError
	switch {
	case errors.As(err, &ve) && ve.Withheld && o.secretFrom[ve.Field] != "":
		// A secret setting's (an injector's API key): said as the token is.
		return fmt.Errorf("invalid %s (secret) (%s): %s", ve.Field, o.secretFrom[ve.Field], ve.Reason)
	case errors.As(err, &ve) && ve.Withheld && o.where(ve.Field) != "":
		return fmt.Errorf("invalid %s (value withheld)%s: %s", ve.Field, o.where(ve.Field), ve.Reason)
	case errors.As(err, &ve) && o.where(ve.Field) != "":
		return fmt.Errorf("invalid %s %q%s: %s", ve.Field, signatures.Shorten(o.given(ve.Field, ve.Value), signatures.MaxQuoted), o.where(ve.Field), ve.Reason)
	case errors.As(err, &se) && o.where(se.Setting) != "":
		reason := se.Reason
		if se.Err != nil && !strings.Contains(reason, se.Err.Error()) {
			reason += ": " + se.Err.Error() // the cause: a missing file, say
		}
		return fmt.Errorf("invalid %s %q%s: %s", se.Setting, se.Value, o.where(se.Setting), reason)
	}
	return err
}

// namedExit is named for the error of an *ExitError.
func (o *origins) namedExit(err error) error {
	var ee *ExitError
	if errors.As(err, &ee) {
		ee.Err = o.named(ee.Err)
		return err
	}
	return o.named(err)
}

// paramErr is the error of the --param pair c.Params[i] (key=value) that
// its injector refuses: the pair as the user wrote it and where, then why.
// A value the refusal withholds (a setting's, a secret's: see
// framework.Manifest.ParseParam) is never quoted: the pair is shown as its key.
func (c *runConfig) paramErr(i int, err error) error {
	kv := c.Params[i]
	reason := err.Error()
	shown := kv
	var ve *signatures.ValidationError
	if errors.As(err, &ve) {
		reason = ve.Reason
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case ve.Withheld:
			return usageErr("invalid param %q (value withheld)%s: %s",
				signatures.Shorten(k, signatures.MaxQuoted), c.wherePair("param", i), reason)
		case hidden(ve.Value):
			// The injector hid a part of the value (credentials): as it
			// showed it, never as written. A value it only normalised
			// ("0" read as "0s") is quoted as written.
			shown = k + "=" + ve.Value
		}
	}
	return usageErr("invalid param %q%s: %s", signatures.Shorten(shown, signatures.MaxQuoted), c.wherePair("param", i), reason)
}

// hidden reports a value shown with a part hidden, as httpx.MaskURL and
// url.URL.Redacted write it.
func hidden(v string) bool {
	return strings.Contains(v, "REDACTED") || strings.Contains(v, "xxxxx") || strings.Contains(v, "(unparsable URL)")
}

// relabel rewrites a request error about a setting the user gave (a
// param of the pairs of "param", max_payload_size, an injector's setting)
// to name where it was given; any other error is returned as it is.
func (c *runConfig) relabel(err error) error {
	err = c.paramTypeReason(err)
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	if name, ok := strings.CutPrefix(ve.Field, "params."); ok {
		for i, kv := range c.Params {
			if k, _, _ := strings.Cut(kv, "="); k == name {
				return c.paramErr(i, err)
			}
		}
		if strings.HasPrefix(ve.Reason, framework.ReasonRequired) {
			return c.requiredParam(name, ve.Reason)
		}
		if c.InjectFile != "" && strings.HasPrefix(ve.Reason, framework.ReasonUnknown) {
			// Not a --param: the inject file's "params" gave it, a key
			// that is no param, placed at the key.
			return fmt.Errorf("%s: %w", c.filePlaces.KeyOf(ve.Field), err)
		}
		if c.InjectFile != "" {
			// Not a --param: the inject file's "params" gave it.
			return fmt.Errorf("%s: %w", c.filePlaces.Of(ve.Field), err)
		}
		return err
	}
	if strings.HasPrefix(ve.Field, "expectation_types[") && len(c.Expectations) > 0 {
		// An --expectation (its variable, its config key) the injector
		// refuses: named as the CLI's own check names one.
		return usageErr("invalid expectation %q%s: %s", ve.Value, c.whereItem("expectation", ve.Value), ve.Reason)
	}
	if c.InjectFile != "" && (strings.HasPrefix(ve.Field, "expectation_types[") && len(c.Expectations) == 0 ||
		ve.Field == "inject_id" && c.InjectID == "") {
		// Not --expectation nor --inject-id: the inject file gave it.
		return fmt.Errorf("%s: %w", c.filePlaces.Of(ve.Field), err)
	}
	if c.InjectFile != "" && ve.Field == "targets" && ve.Value == "" && len(c.Targets) == 0 {
		// No target at all: the inject file gave none, an empty list or
		// no "targets", and nothing else did.
		return fmt.Errorf("%s: %w", c.filePlaces.Of(ve.Field), err)
	}
	return c.named(err)
}

// requiredParam is the error of a required param that no --param gives:
// named as the user can give it, --param or the inject file's "params"
// key, never params.<name>. reason is DecodeParams': the inject file
// gave it JSON null, or an empty string, or nothing.
func (c *runConfig) requiredParam(name, reason string) error {
	written := ""
	switch reason {
	case framework.ReasonRequired + framework.ReasonNull:
		written = "null"
	case framework.ReasonRequired + framework.ReasonEmpty:
		written = `""`
	}
	if written != "" {
		return usageErr("invalid param %q in %s: %s, and the param is required: give it a value there, or --param %s=…",
			name, c.filePlaces.Of("params."+name), written, name)
	}
	orFile := ""
	if c.InjectFile != "" {
		orFile = fmt.Sprintf(", or %q in the \"params\" of inject file %s", name, shownInput(c.InjectFile))
	}
	return usageErr("missing param %s: the injector requires it (give --param %s=…%s)", name, name, orFile)
}

// cloudKeys are the settings that make cloud targets.
var cloudKeys = []string{"cloud_provider", "cloud_account", "cloud_region", "target_service"}

// given names those of keys that were set, each as the user gave it
// (source.named): "env INJECTKIT_CLOUD_REGION", "cloud_region (config
// file c.yaml:1)", "--query". Settings given as flags are named only when
// flags is set: the user knows what they typed, not what their
// environment or config file holds.
func (c *runConfig) given(flags bool, keys ...string) string {
	var parts []string
	for _, k := range keys {
		if src := c.source(k); src.given() && (flags || !src.flag()) {
			parts = append(parts, src.named())
		}
	}
	return strings.Join(parts, ", ")
}

// cloudGiven names the cloud settings given: "--cloud-*" when all are
// flags, else each with where.
func (c *runConfig) cloudGiven() string {
	if c.given(false, cloudKeys...) == "" {
		return "--cloud-*"
	}
	return c.given(true, cloudKeys...)
}

// outboxCommand is the outbox subcommand sub (flush, list, retry-dead
// <id>) that reads what this run kept in its outbox: the same outbox (when
// one was named) and, for a command that sends, the same backend, its
// credentials left out (the command says to add them), trusted as the run
// trusted it (its CA file, --insecure); each path absolute (shellPath). The token comes from where it came
// for the run; the backend settings a config file gave come from it again
// (--config).
func (c *runConfig) outboxCommand(name, sub string, sends bool) string {
	cmd := name + " outbox " + sub
	if p := c.Outbox.Path; p != "" {
		cmd += " --outbox " + shellPath(p)
	}
	if u := c.Backend.URL; u != "" && sends {
		fromConfig := func(key string) bool { return strings.HasPrefix(c.from[key], "config file ") }
		if c.config != "" && (fromConfig("backend_url") || fromConfig("ca_file") || fromConfig("insecure") ||
			strings.HasPrefix(c.secretFrom["token"], "config file ")) {
			// The token or a setting is in the config file, which flush
			// reads too.
			cmd += " --config " + shellPath(c.config)
		}
		cmd += " --backend-url " + shellWord(httpx.StripCredentials(u))
		if p := c.Backend.CAFile; p != "" {
			// Named even when the config file gave it: a relative path
			// there is relative to the working directory (README), and
			// the flag, absolute, beats the file's.
			cmd += " --ca-file " + shellPath(p)
		}
		if c.Backend.Insecure && !fromConfig("insecure") {
			cmd += " --insecure"
		}
		if p, err := url.Parse(u); err == nil && p.User != nil {
			// The outbox keeps no credentials, nor does this line.
			cmd += ", adding the URL's user:password (not shown)"
		}
	}
	return cmd
}

// tokenHint says how the commands outboxCommand prints for de (flush for
// the bodies stored, retry-dead for those in the dead list) get the run's
// token, which they never name: from the environment again when the run
// read it there, given again (--token, or its variable) when the run was
// given it by flag. "" when the commands have it already (a config
// file's, through --config) or the run had none.
func (c *runConfig) tokenHint(de *runtime.DeliveryError) string {
	from := c.secretFrom["token"]
	if c.Backend.URL == "" {
		return ""
	}
	cmds, needs, it := "the flush command", "needs", "it"
	switch {
	case de.Stored > 0 && de.Dead > 0:
		cmds, needs, it = "the flush and retry-dead commands", "need", "them"
	case de.Dead > 0:
		cmds = "the retry-dead command"
	}
	if env, ok := strings.CutPrefix(from, "env "); ok {
		return cmds + " " + needs + " " + env + " set, as this run had it (the token is never printed)"
	}
	if strings.HasPrefix(from, "-") {
		return cmds + " " + needs + " the token this run was given by " + from + ": set " + envPrefix +
			"TOKEN for " + it + " (a " + from + " TOKEN added to " + it + " shows in ps to every local user; the token is never printed)"
	}
	return ""
}

// shellPath is the path p made absolute, as shellWord quotes it: a
// command printed for later works from any directory.
func shellPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return shellWord(p)
}

// shellWord quotes s for a POSIX shell when it holds anything but the
// characters a path or a URL usually holds.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:@%+=,-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
