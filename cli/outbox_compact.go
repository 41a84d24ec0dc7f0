package cli

import "fmt"

// compactOutbox is `outbox compact`: the outbox copied now into a new file
// that replaces it (outbox.Store.Compact), whatever its free space, so
// that the bodies delivered or dropped, which bbolt's freed pages keep
// readable, are no longer in the file; one line says how its size
// changed. A run compacts the file on its own only when most of it is
// free (see the README's outbox section).
func compactOutbox(o Options, e *outboxEnv) error {
	before, after, err := e.store.Compact()
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Stdout, "outbox %s: compacted, %s → %s\n", e.store.Path(), humanBytes(before), humanBytes(after))
	return nil
}
