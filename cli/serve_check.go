package cli

// serve's checks at start, before it connects to anything: the bounds of
// its settings, blank values, the injectors to serve and their settings.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/fold"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/internal/settingkey"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/serve"
	"github.com/injectkit/injectkit/signatures"
)

// Bounds of serve's settings that the daemon itself does not check.
const (
	// maxWorkers bounds workers, also the AMQP prefetch count: a 16-bit
	// field, in which 65 536 would wrap to 0 (unlimited).
	maxWorkers = 1024
	// maxDeliverySlots bounds delivery_slots, which the prefetch adds to
	// the workers (2048 at most, well inside its 16-bit field).
	maxDeliverySlots = 1024
	// minHeartbeatInterval bounds heartbeat_interval: each heartbeat is a
	// registration, and 1ns made thousands a second.
	minHeartbeatInterval = 5 * time.Second
)

// serveOutboxUsage is the help of serve's outbox_max_bytes, whose
// outboxConfig tag says what run does at the limit.
func serveOutboxUsage() string {
	return fmt.Sprintf("most bytes of bodies the outbox holds, with an outbox at least %d (a smaller one is refused at start, exit 2): "+
		"an inject runs only when the outbox has room for its result; without it serve pauses its consumption until room is freed", minOutboxBytes)
}

// check checks the bounds of the settings, reads the CA files
// (readCAFiles) and returns the manifests of the injectors to serve; an
// error names the key and the value (exit 2), or is the interrupted exit.
// An injector named that is broken (its factory or Manifest panicked) is
// named as such, with the panic's message; one whose manifest is invalid
// is refused as every command refuses it (injectorSet.check).
func (sc serveConfig) check(ctx context.Context, set *injectorSet) (serve.Options, openaev.ServeOptions, []framework.Manifest, error) {
	ms, broken := set.manifests(), set.brokenInjectors()
	so, oo := sc.daemonOptions()
	if err := sc.checkBlank(); err != nil {
		return so, oo, nil, err
	}
	switch {
	case sc.Workers < 1 || sc.Workers > maxWorkers:
		return so, oo, nil, usageErr("invalid workers %q%s: must be between 1 and %d", sc.written("workers", strconv.Itoa(sc.Workers)),
			sc.where("workers"), maxWorkers)
	case sc.DeliverySlots < 0 || sc.DeliverySlots > maxDeliverySlots:
		return so, oo, nil, usageErr("invalid delivery_slots %q%s: must be between 0 and %d", sc.written("delivery_slots", strconv.Itoa(sc.DeliverySlots)),
			sc.where("delivery_slots"), maxDeliverySlots)
	case sc.DeliverySlots > 0 && sc.Outbox.Path == noOutbox:
		return so, oo, nil, usageErr("invalid delivery_slots %q%s: needs an outbox, and outbox is %s%s: a delivery slot takes a message "+
			"once its inject has run and the outbox is about to keep its result; give an outbox or leave delivery_slots at 0",
			sc.written("delivery_slots", strconv.Itoa(sc.DeliverySlots)), sc.where("delivery_slots"), noOutbox, sc.where("outbox"))
	case sc.HeartbeatInterval < minHeartbeatInterval:
		return so, oo, nil, usageErr("invalid heartbeat_interval %q%s: must be at least %s",
			sc.written("heartbeat_interval", sc.HeartbeatInterval.String()), sc.where("heartbeat_interval"), minHeartbeatInterval)
	}
	if err := checkOutboxMaxBytes(sc.Outbox, &sc.origins); err != nil {
		return so, oo, nil, err
	}
	if err := checkListenAddr(sc.ListenAddr); err != nil {
		return so, oo, nil, usageErr("invalid listen_addr %q%s: %w", sc.ListenAddr, sc.where("listen_addr"), err)
	}
	for _, n := range oo.Injectors {
		for _, pe := range broken {
			if pe.Injector == n {
				return so, oo, nil, sc.settingExit(&openaev.ValidationError{Field: "injectors", Value: n,
					Reason: "broken injector: " + pe.Error()})
			}
		}
	}
	if err := oo.Validate(ms); err != nil {
		var ve *openaev.ValidationError
		var ee *ExitError
		unknown := errors.As(err, &ve) && ve.Field == "injectors"
		if err = sc.settingExit(err); unknown && errors.As(err, &ee) {
			if s := fold.Closest(ve.Value, manifestNames(ms)); s != "" {
				ee.Hint = "did you mean " + s + "?"
			}
		}
		return so, oo, nil, err
	}
	if err := sc.readCAFiles(ctx, &so, &oo); err != nil {
		return so, oo, nil, err
	}
	if err := so.Validate(); err != nil {
		return so, oo, nil, sc.settingExit(err)
	}
	selected, err := oo.Manifests(ms)
	if err != nil {
		return so, oo, nil, sc.settingExit(err)
	}
	for _, m := range selected {
		if err := set.check(m.Name); err != nil {
			return so, oo, nil, err
		}
	}
	return so, oo, selected, nil
}

// checkBlank refuses a setting given as white space only: no path,
// address or version is. What is blank in injector_name and injector_type
// is the openaev client's to say, as the platform does (Java's trim:
// U+0001 is blank there, U+00A0 is not); checkBlank refuses them only
// given empty, which would otherwise read as left out. A blank item of
// injectors is the decoding's to refuse (its blank tag).
func (sc serveConfig) checkBlank() error {
	v := reflect.ValueOf(sc)
	for _, f := range fieldsOf(v.Type()) {
		val := v.FieldByIndex(f.index)
		if val.Kind() != reflect.String || f.secret {
			continue
		}
		s, named := val.String(), f.key == "injector_name" || f.key == "injector_type"
		if named && s == "" && sc.where(f.key) != "" || !named && s != "" && strings.TrimSpace(s) == "" {
			return usageErr("invalid %s %q%s: must not be blank", f.key, s, sc.where(f.key))
		}
	}
	return nil
}

// settingExit maps a refused setting of the serve or openaev package
// (*serve.SettingError, *openaev.ValidationError: "invalid <key>
// "<value>" (<where it was given>): …") to exit 2; other errors are
// returned as they are.
func (o *origins) settingExit(err error) error {
	if !isSetting(err) {
		return err
	}
	if named := o.named(err); named != err {
		return &ExitError{Code: ExitUsage, Err: named}
	}
	var se *serve.SettingError
	if errors.As(err, &se) && se.Err != nil && !strings.Contains(se.Error(), se.Err.Error()) {
		err = fmt.Errorf("%w: %v", err, se.Err) // the cause: a missing file, say
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// checkSettings hands each served injector its settings once, as each of
// its injects will, so that a setting it refuses stops serve at start
// (exit 2, naming the setting and where it was given, or, as run says it,
// "configure NAME: …") instead of failing every inject. A panic of
// Configure exits 2 too (serve's codes are its own), naming the injector
// and the method as run does: "injector NAME: Configure panicked: …".
// An injector whose required setting is unset does not stop serve when
// Configure refuses it but for a setting given (named with where it was
// given): serve serves the others, its WARN names the unset setting
// (warnUnsetRequired), and each inject of the injector fails, its
// Configure or Execute saying why.
func checkSettings(set *injectorSet, selected []framework.Manifest, settings injectorSettings, o *origins) error {
	for _, m := range selected {
		ex, err := set.executor(m.Name)
		if err != nil {
			return err
		}
		c, ok := ex.(framework.Configurer)
		if !ok {
			continue
		}
		err = set.callHook(m.Name, "Configure", func() error { return c.Configure(settings[m.Name]) })
		err = settingkey.Configured(err, m.Name, ex, &m)
		var pe *hook.PanicError
		switch {
		case errors.As(err, &pe):
			return &ExitError{Code: ExitUsage, Err: pe}
		case err != nil && len(unsetRequired(m, settings)) > 0 && !refusesGiven(err, m, settings, o):
			continue
		case err != nil:
			return &ExitError{Code: ExitUsage, Err: o.named(fmt.Errorf("configure %s: %w", m.Name, err))}
		}
	}
	return nil
}

// refusesGiven reports whether err, m's Configure's refusal, names a
// setting given (where it was given is known) other than m's required
// settings left unset or blank.
func refusesGiven(err error, m framework.Manifest, settings injectorSettings, o *origins) bool {
	var ve *signatures.ValidationError
	var se *serve.SettingError
	key := ""
	switch {
	case errors.As(err, &ve):
		key = ve.Field
	case errors.As(err, &se):
		key = se.Setting
	}
	if key == "" || !settingSource(o, key).given() {
		return false
	}
	for _, u := range unsetRequired(m, settings) {
		if u.key == key {
			return false
		}
	}
	return true
}

// isSetting reports whether err is a refused setting.
func isSetting(err error) bool {
	var se *serve.SettingError
	var ve *openaev.ValidationError
	return errors.As(err, &se) || errors.As(err, &ve)
}
