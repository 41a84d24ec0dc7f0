package cli

import (
	"fmt"

	"github.com/injectkit/injectkit/transport/outbox"
)

// What outbox list says of the corrupt records it lists
// (outbox.Record.Corrupt): nothing in them can be sent, and drop removes
// them.

// corruptShown returns r as list shows it: a record whose fields disagree
// on where its body goes (outbox.Record.RouteDamaged), found so by no
// flush yet, with why as its last error, as a flush will record it (the
// backend's last answer, which it showed, says nothing of it), and as an
// unreadable record's shows why it cannot be read.
func corruptShown(r outbox.Record) outbox.Record {
	if err := r.RouteDamaged(); err != nil && !(r.State == outbox.Dead && r.DeadReason == outbox.ReasonCorrupt) {
		r.LastError = "corrupt record: " + err.Error()
	}
	return r
}

// corruptCount counts the corrupt records a listing wrote, and the id of
// its first.
type corruptCount struct {
	n     int
	first uint64
}

// add counts r if it is corrupt; c may be nil.
func (c *corruptCount) add(r outbox.Record) {
	if c == nil || !r.Corrupt() {
		return
	}
	if c.n == 0 {
		c.first = r.ID
	}
	c.n++
}

// say writes, after the table of the outbox at path, what its corrupt
// records are and the command that removes them; nothing when it listed
// none.
func (c *corruptCount) say(o Options, path string) {
	switch {
	case c == nil || c.n == 0:
	case c.n == 1:
		// Not begun by a number, as the rows are by their id.
		fmt.Fprintf(o.Stdout, "corrupt, never sent: 1 record (damaged on disk: nothing in it can be sent, no flush sends it); "+
			"remove it with: %s outbox drop --outbox %s %d\n", o.name(), shellWord(path), c.first)
	default:
		fmt.Fprintf(o.Stdout, "corrupt, never sent: %d records (damaged on disk: nothing in them can be sent, no flush sends them); "+
			"remove each with: %s outbox drop --outbox %s ID (the first: %d)\n", c.n, o.name(), shellWord(path), c.first)
	}
}
