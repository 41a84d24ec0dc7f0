package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/injectkit/injectkit/transport/outbox"
)

// The ids the outbox commands take, and the errors they exit with.

// outboxID is the id an outbox command was given: the number of a body
// or of a send's record, or, run, of a start ("run-57"); given is the id
// as written, which its errors quote. An id is taken only as list prints
// it: "017" or "run-07" is refused, saying the id it would read, since an
// operator who typed a zero list never printed may have meant another id
// (1017), and drop cannot be undone.
type outboxID struct {
	n     uint64
	run   bool
	given string
}

// parseID reads the one id of c; runs says whether the id of a start
// (run-N) is one (drop's). Its errors quote the words given, redacted as
// argsError's.
func parseID(c *ucli.Context, o Options, runs bool) (outboxID, error) {
	if c.NArg() != 1 {
		return outboxID{}, wordsError(c, o, "want one outbox id, got %q (see: injectkit outbox list)", strings.Join(c.Args().Slice(), " "))
	}
	id := outboxID{given: c.Args().First()}
	if seq, ok := outbox.ParseRunID(id.given); ok && runs {
		id.n, id.run = seq, true
		return id, unlisted(c, o, id, outbox.RunID(seq))
	}
	n, err := strconv.ParseUint(id.given, 10, 64)
	if err != nil || n == 0 {
		return outboxID{}, wordsError(c, o, "invalid id %q: not an outbox id (see: injectkit outbox list)", id.given)
	}
	id.n = n
	return id, unlisted(c, o, id, strconv.FormatUint(n, 10))
}

// checkArgs refuses what outbox command name was given that is judged
// without its outbox (drop's and retry-dead's id, drop's selection, move's
// URLs) before the outbox is opened: a bad id exits 2 naming it at once,
// not after waiting for the lock a running serve holds (then saying the
// outbox is locked, never the id), and writes nothing to the file (a
// first writer counts the attempts of processes that ended). The
// command checks them again as it works, on the same words.
func checkArgs(c *ucli.Context, o Options, name string, cfg outboxCommandConfig) error {
	var err error
	switch name {
	case "drop":
		if dropSelected(cfg) {
			_, err = readDropSelection(c, o, cfg, time.Now())
		} else {
			_, err = parseID(c, o, true)
		}
	case "retry-dead":
		_, err = parseID(c, o, false)
	case "move":
		err = cfg.(*outboxMoveConfig).check()
	}
	return err
}

// unlisted refuses id when it is not written as list prints it, listed
// (leading zeros): the error says which id it would read, for the user to
// give if that is the one meant.
func unlisted(c *ucli.Context, o Options, id outboxID, listed string) error {
	if id.given == listed {
		return nil
	}
	return wordsError(c, o, "invalid id %q: not an id as outbox list prints it (ids have no leading zero): "+
		"give %s if that is the one meant (see: injectkit outbox list)", id.given, listed)
}

func idError(id outboxID, s *outbox.Store, err error) error {
	switch {
	case errors.Is(err, outbox.ErrNotFound):
		return usageErr("invalid id %q: %v in outbox %s", id.given, err, s.Path())
	case errors.Is(err, outbox.ErrCorrupt), errors.Is(err, outbox.ErrLocked), errors.Is(err, outbox.ErrBusy),
		errors.Is(err, outbox.ErrNotDead), errors.Is(err, outbox.ErrCorruptEntry), errors.Is(err, outbox.ErrNewerFormat),
		errors.Is(err, outbox.ErrAmbiguous):
		return &ExitError{Code: ExitUsage, Err: err}
	case outbox.NotWritable(err):
		// The outbox unusable, as a flush's on a full disk: exit 2, as
		// the README's exit codes say of an outbox not writable.
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("%w; nothing dropped: %s stays as it was (%s, then drop it again)", err, id.given, roomFix(err))}
	}
	return &ExitError{Code: ExitDelivery, Err: err}
}
