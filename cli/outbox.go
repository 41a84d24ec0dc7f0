package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"syscall"

	ucli "github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/transport/outbox"
)

// noOutbox is the --outbox value that keeps no outbox.
const noOutbox = "none"

// minOutboxBytes bounds outbox_max_bytes, run's and serve's: an outbox
// smaller than the least body the openaev profile may be given keeps next
// to no result (a noop inject's takes 554 bytes to store, 774 with the
// openaev profile), so a run goes on with nothing to keep its result
// through a kill or a refusal for good.
const minOutboxBytes = openaev.MinMaxPayloadSize

// checkOutboxMaxBytes is the one check of outbox_max_bytes, run's (and
// validate's), serve's and outbox list's, before anything is sent, stored
// or listed: an outbox
// kept (not none) under minOutboxBytes is refused, naming the setting,
// the value and where it was given.
func checkOutboxMaxBytes(oc outboxConfig, o *origins) error {
	if oc.Path == noOutbox || oc.MaxBytes >= minOutboxBytes {
		return nil
	}
	return usageErr("invalid outbox_max_bytes %q%s: must be at least %d: a smaller outbox keeps next to no inject's result "+
		"(a noop inject's takes 554 bytes to store, 774 with the openaev profile)",
		o.written("outbox_max_bytes", strconv.FormatInt(oc.MaxBytes, 10)), o.where("outbox_max_bytes"), minOutboxBytes)
}

// openOutbox opens the configured outbox, or returns nil for none. Errors
// name the file and exit 2.
func openOutbox(oc outboxConfig, o Options, log *zap.Logger, command string, shared bool) (*outbox.Store, error) {
	s, release, err := openOutboxHeld(oc, o, log, command, shared)
	release()
	return s, err
}

// openOutboxHeld is openOutbox, the file kept open until release is
// called (outbox.OpenHeld): run's room check reads it without opening it
// again. release is never nil.
func openOutboxHeld(oc outboxConfig, o Options, log *zap.Logger, command string, shared bool) (_ *outbox.Store, release func(), _ error) {
	path, err := outboxPath(oc, o)
	if err != nil || path == "" {
		return nil, func() {}, err
	}
	s, release, err := outbox.OpenHeld(path, outboxOptions(oc, o, log, command, shared, path))
	if err != nil {
		return nil, release, outboxOpenError(err, command)
	}
	return s, release, nil
}

// outboxOptions are the outbox.Options of the outbox at path, opened by
// command (its log lines in log; none when nil).
func outboxOptions(oc outboxConfig, o Options, log *zap.Logger, command string, shared bool, path string) outbox.Options {
	waits := func(path string) {
		log.Warn("waiting for outbox "+path+", held by another process, to remove the bodies the backend accepted "+
			"(left there, a flush would post them again)", zap.Duration("outbox_lock_timeout", oc.LockTimeout))
	}
	unrecorded := lockUnrecorded(log, path)
	renewal := func(id uint64, err error) {
		if err != nil {
			log.Warn("outbox lease of a body being posted not renewed: past its end, another process may take the body and post it too "+
				"(tried again every eighth of a lease)", zap.Uint64("id", id), zap.Error(err))
			return
		}
		log.Info("outbox lease of a body being posted renewed again", zap.Uint64("id", id))
	}
	ignored := func(file string, err error) {
		log.Warn("outbox file beside it not read", zap.String("file", file), zap.Error(err))
	}
	if log == nil {
		waits, unrecorded, renewal, ignored = nil, nil, nil, nil
	} else {
		warnExposure(log, path)
	}
	return outbox.Options{MaxBytes: oc.MaxBytes, Timeout: oc.LockTimeout, Shared: shared,
		Command: o.name() + " " + command, RemovalWaits: waits, LockUnrecorded: unrecorded, LeaseRenewal: renewal,
		SidecarIgnored: ignored, Now: o.now}
}

// outboxOpenError is the exit of command for an outbox that could not be
// opened: bad input (exit 2).
func outboxOpenError(err error, command string) error {
	ee := &ExitError{Code: ExitUsage, Err: err}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) && (command == "run" || command == "serve") {
		// The file system's refusal (read-only, not a directory, no
		// permission): the line names the path; this says what was
		// not done and the two ways on.
		ee.Hint = "nothing ran, nothing was sent or stored: the outbox must be a file this user can create and write " +
			"(--outbox PATH), or --outbox none goes without one (a delivery that fails is then kept for no flush)"
	}
	return ee
}

// lockUnrecorded returns the outbox's LockUnrecorded of the outbox at
// path: one WARN that says why the record was not written and where.
func lockUnrecorded(log *zap.Logger, path string) func(error) {
	return func(err error) {
		log.Warn("outbox lock held without its record: "+unrecordedWhy(err)+"; another process waiting for the outbox "+
			"cannot be told which process holds it", zap.String("outbox", path), zap.String("lock_record", path+".lock"), zap.Error(err))
	}
}

// unrecordedWhy says why the lock record beside the outbox was not
// written: the full disk (or read-only file system) in the message itself,
// as the other lines of a full disk say it, not in the error field alone.
func unrecordedWhy(err error) string {
	switch {
	case errors.Is(err, syscall.EROFS):
		return "the file system is read-only, the record beside the outbox cannot be written"
	case outbox.NotWritable(err):
		return "the disk is full, the record beside the outbox cannot be written"
	}
	return "the record beside the outbox cannot be written"
}

// warnExposure warns, once as the outbox at path is opened, when another
// user may control it (outbox.Exposure): it is used all the same.
func warnExposure(log *zap.Logger, path string) {
	if why := outbox.Exposure(path); why != "" {
		log.Warn("outbox others may control: a body another user stores there is posted with the token of whoever sends it ("+why+")",
			zap.String("outbox", path))
	}
}

// checkRoom fails when the outbox is already full, or may not be stored
// to (a process of an earlier version sends from it, see
// outbox.HeldByOlderError), before an inject runs. It reads the bytes
// stored alone (Usage), not the counts of records.
func checkRoom(s *outbox.Store) error {
	st, err := s.Usage()
	if err == nil {
		err = st.Older
	}
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if st.Bytes >= s.MaxBytes() {
		return &ExitError{Code: ExitUsage, Err: &outbox.FullError{Path: s.Path(), Used: st.Bytes, Max: s.MaxBytes(), Need: 1}}
	}
	return nil
}

// bodies counts n bodies of the outbox, as the outbox commands and the
// callback profile's run count them.
func bodies(n int) string {
	if n == 1 {
		return "1 signature body"
	}
	return strconv.Itoa(n) + " signature bodies"
}

// outboxEnv is what every outbox subcommand starts with.
type outboxEnv struct {
	cfg   outboxCommandConfig
	log   *zap.Logger
	store *outbox.Store
	// absent is the path of an outbox file that does not exist, or is
	// empty (store is nil then), and why says which: the outbox commands
	// read an outbox, and never create one where a path mistyped would
	// leave it, nor write a file that holds nothing.
	absent, why string
	// abandoned is set once an interrupt left a read of the outbox
	// running (see readInterruptibly): its file is let go by the
	// process's exit, a close waiting for that read to end.
	abandoned bool
}

// openOutboxEnv decodes the configuration into cfg and opens its outbox.
func openOutboxEnv(c *ucli.Context, o Options, name string, cfg outboxCommandConfig) (*outboxEnv, error) {
	if err := loadOutboxCommandConfig(c, o, cfg); err != nil {
		return nil, err
	}
	if lc, ok := cfg.(*outboxListConfig); ok {
		// The limit list shows is run's and serve's: it takes it by
		// their rule.
		if err := checkOutboxMaxBytes(lc.outbox(), &lc.origins); err != nil {
			return nil, err
		}
	}
	if sc, ok := cfg.(*outboxSendConfig); ok {
		if err := checkProxy(o); err != nil {
			return nil, err
		}
		if err := sc.checkCA(c.Context); err != nil {
			return nil, err
		}
	}
	log, err := newLogger(o.Stderr, cfg.logging())
	if err != nil {
		return nil, err
	}
	o.Abort.logJSON(o.Stderr, cfg.logging())
	cfg.warnStrayEnv(log, o.name())
	if sc, ok := cfg.(*outboxSendConfig); ok {
		// flush and retry-dead, often run by hand or from cron, show
		// their command line in ps as run and serve do.
		warnSecretArgs(log, &sc.origins, sc.Backend.Token, "backend_url", sc.Backend.URL)
	}
	if err := checkArgs(c, o, name, cfg); err != nil {
		return nil, err
	}
	path, err := outboxPathOf(cfg.outbox(), o, false)
	if err != nil {
		return nil, err
	}
	if path != "" {
		abs, _ := filepath.Abs(path)
		switch fi, err := os.Stat(path); {
		case errors.Is(err, fs.ErrNotExist):
			return &outboxEnv{cfg: cfg, log: log, absent: abs, why: "no such file: no run has used this outbox yet"}, nil
		case err == nil && fi.Mode().IsRegular() && fi.Size() == 0:
			// Left by a run whose creation of it failed (a full disk),
			// before creations were made whole: nothing is in it.
			return &outboxEnv{cfg: cfg, log: log, absent: abs, why: "empty file: nothing was ever stored in it"}, nil
		}
	}
	// The first interrupt ends a wait for another process's lock: nothing
	// was done yet (exit 130).
	s, err := openInterruptibly(c.Context, path, "nothing was sent or changed", func() (*outbox.Store, error) {
		if name != "list" || path == "" {
			return openOutbox(cfg.outbox(), o, log, "outbox "+name, true)
		}
		// list only reads: the file is opened read-only, so that it
		// writes nothing (no lock record, no compaction, the attempts of
		// processes that ended left for the next command that writes to
		// count, though shown as it will count them), and a file it may
		// not write (a read-only file system, say) is listed all the same.
		warnExposure(log, path)
		s, err := outbox.Open(path, outbox.Options{MaxBytes: cfg.outbox().MaxBytes, Timeout: cfg.outbox().LockTimeout,
			Shared: true, ReadOnly: true, Now: o.now})
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
		return s, nil
	})
	if err != nil {
		err = withOutboxNamed(err, cfg.source("outbox"), cfg.outbox().Path, o)
		return nil, withLockedHint(err, cfg.source("outbox_lock_timeout"), cfg.outbox().LockTimeout)
	}
	if s == nil {
		return nil, usageErr("invalid outbox %q%s: no outbox to work on", noOutbox, cfg.where("outbox"))
	}
	return &outboxEnv{cfg: cfg, log: log, store: s}, nil
}

func (e *outboxEnv) close() {
	if e.store != nil && !e.abandoned {
		_ = e.store.Close()
	}
	_ = e.log.Sync()
}

func outboxCommand(o Options) *ucli.Command {
	// action runs fn on the outbox the configuration names, decoded into
	// a fresh config struct of the type of cfg. A command without
	// ArgsUsage takes no arguments.
	// An outbox file that does not exist holds nothing: list and flush
	// say so, drop and retry-dead find no id, move nothing to move.
	action := func(name string, cfg outboxCommandConfig, fn func(c *ucli.Context, e *outboxEnv) error) ucli.ActionFunc {
		return func(c *ucli.Context) (err error) {
			fresh := reflect.New(reflect.TypeOf(cfg).Elem()).Interface().(outboxCommandConfig)
			// Its exit line as its log lines, a config file's log_format
			// included; last: after the redaction below.
			defer func() { err = jsonExit(c, o, fresh.logging().Format, err) }()
			defer func() { err = redactGiven(c, o, fresh, err) }()
			if c.Command.ArgsUsage == "" && c.NArg() > 0 {
				return argsError(c, o, "outbox "+name, "no arguments")
			}
			defer o.Abort.ExitSays(outboxExitSays(name))()
			if name != "list" {
				// flush, drop, compact, retry-dead and move change the outbox: their
				// stdout only reports what they did.
				stdoutReports(o.Stdout)
			}
			e, err := openOutboxEnv(c, o, name, fresh)
			if err != nil {
				return err
			}
			defer e.close()
			if e.store == nil {
				return e.none(c, o, name)
			}
			return fn(c, e)
		}
	}
	sendUsage := "send the bodies stored for this base URL, with this configuration's token (those of other backends stay pending)"
	list, drop, send := &outboxListConfig{}, &outboxDropConfig{}, &outboxSendConfig{}
	return &ucli.Command{
		Name:  "outbox",
		Usage: "list, resend or drop the bodies the backend has not accepted (signatures, terminal callbacks)",
		Description: "Every body `injectkit run` sends is first stored in the outbox (--outbox) and removed\n" +
			"once the backend answered 2xx. Bodies whose retries ran out are pending; bodies the\n" +
			"backend rejected for good (a 4xx other than 401, 403, 407, 408, 409 and 429, a 501 or 505) are dead and\n" +
			"never resent unless retry-dead is asked; a token refused (401, 403) leaves them pending, for a\n" +
			"flush with the right one. A resend uses the token of the configuration: none is stored.\n\n" + outboxExitHelp,
		Subcommands: []*ucli.Command{
			{
				Name:        "list",
				Usage:       "list pending and dead bodies",
				Description: listDescription + "\n\n" + listExitHelp,
				Flags:       outboxFlags(o, list, ""),
				Action:      action("list", list, func(c *ucli.Context, e *outboxEnv) error { return listOutbox(c, o, e) }),
			},
			{
				Name:  "flush",
				Usage: "send now the pending bodies stored for --backend-url, with its token; exit 0 only if all of them were delivered (but those another live process is sending)",
				Description: "EXIT CODES:\n" +
					"   0  every body stored for the backend was delivered (or superseded), but those another live process is\n" +
					"      sending (\"being sent by another process\": that process delivers them, or keeps them pending)\n" +
					"   1  a body was not delivered: it stays pending (injectkit outbox list); or a send to the backend lost\n" +
					"      chunks never stored (another backend's is reported, as its pending bodies are, without exit 1)\n" +
					"   2  invalid usage, or an outbox corrupt, locked or not writable (a full disk: nothing was sent), or a\n" +
					"      --backend-url the outbox holds nothing for (no body, pending or dead) while it holds pending bodies\n" +
					"      of other backends (a mistyped URL: nothing was sent; the error lists them)\n" +
					"   130  interrupted (SIGINT, SIGTERM or SIGHUP): the bodies not delivered stay pending, the one cut short in flight\n" +
					"        saying so (the backend may have received it), one stopped while it waited to be tried again (no request in\n" +
					"        flight) due when its backoff or the Retry-After asked ends, the others as they were\n" +
					"   A stdout that could not be written (a pipe closed early, a full disk) changes none of these, as it\n" +
					"   only reports what was sent: one line on stderr says so (injectkit: stdout not written: …), but for\n" +
					"   a reader that stopped early (| head): nothing is said",
				Flags:  outboxFlags(o, send, sendUsage),
				Action: action("flush", send, func(c *ucli.Context, e *outboxEnv) error { return e.flushCommand(c, o) }),
			},
			{
				Name:        "drop",
				Usage:       "delete a body, pending or dead, without sending it (not one a live process is sending), the record of an incomplete send, or that of a run that ended unfinished (its id: run-N)",
				ArgsUsage:   "<id>",
				Description: dropExitHelp,
				Flags:       outboxFlags(o, drop, ""),
				Action: action("drop", drop, func(c *ucli.Context, e *outboxEnv) error {
					if dropSelected(e.cfg) {
						return dropMany(c, o, e) // every body of a backend, or stored before a date
					}
					id, err := parseID(c, o, true)
					switch {
					case err != nil:
						return err
					case id.run:
						return dropStart(o, e, id) // a run that ended unfinished
					}
					r, err := e.store.Drop(id.n) // refused while a live process sends it
					if errors.Is(err, outbox.ErrNotFound) {
						return dropSend(o, e, id) // or the record of an incomplete send
					}
					if err != nil {
						return idError(id, e.store, err)
					}
					fmt.Fprintf(o.Stdout, "dropped %d (%s)\n", id.n, droppedRecord(r))
					return nil
				}),
			},
			{
				Name:        "compact",
				Usage:       "copy what the outbox holds into a new file that replaces it: the bodies delivered or dropped, readable in its free pages until then, are no longer in it",
				Description: compactExitHelp,
				Flags:       outboxFlags(o, &outboxCompactConfig{}, ""),
				Action:      action("compact", &outboxCompactConfig{}, func(c *ucli.Context, e *outboxEnv) error { return compactOutbox(o, e) }),
			},
			{
				Name:      "retry-dead",
				Usage:     "move a dead body back to pending and send it now",
				ArgsUsage: "<id>",
				Description: "EXIT CODES:\n" +
					"   0  the body was delivered (or superseded)\n" +
					"   1  it was not delivered: pending again, or dead again when the backend rejected it for good\n" +
					"   2  invalid usage, an id not in the dead list, a body of another backend than --backend-url (or none given:\n" +
					"      it stays dead, nothing sent), or an outbox corrupt, locked or not writable (a full disk: nothing was\n" +
					"      sent, the body stays dead)\n" +
					"   130  interrupted (SIGINT, SIGTERM or SIGHUP): the body stays pending, its last error saying the attempt\n" +
					"        was cut short (the backend may have received it), or as it was when none was made",
				Flags:  outboxFlags(o, send, sendUsage),
				Action: action("retry-dead", send, func(c *ucli.Context, e *outboxEnv) error { return retryDead(c, o, e) }),
			},
			moveCommand(o, action),
		},
	}
}
