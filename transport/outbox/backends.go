package outbox

import (
	bolt "go.etcd.io/bbolt"
)

// Backends. Once its bodies are delivered, nothing of a backend is left
// in the pending and dead lists: a flush given its URL again (a second
// flush, a cron job's) could not tell it from a mistyped URL. The file
// therefore remembers the base URL of every backend a body was stored
// for (Put) or moved to (Move), without user information, as records
// store it; Backends lists them. A file of an earlier version, which
// did not keep them, knows only the backends it holds records for.

var bucketBackends = []byte("backends")

// noteBackends records base, a base URL as Put stores it, in tx; a URL
// recorded already is not written again.
func noteBackends(tx *bolt.Tx, bases ...string) error {
	var b *bolt.Bucket
	for _, base := range bases {
		if base == "" {
			continue
		}
		if b == nil {
			var err error
			if b, err = tx.CreateBucketIfNotExists(bucketBackends); err != nil {
				return err
			}
		}
		if b.Get([]byte(base)) == nil {
			if err := b.Put([]byte(base), []byte{}); err != nil {
				return err
			}
		}
	}
	return nil
}

// forgetBackends removes the base URLs gone picks from the backends tx
// records.
func forgetBackends(tx *bolt.Tx, gone func(baseURL string) bool) error {
	b := tx.Bucket(bucketBackends)
	if b == nil {
		return nil
	}
	var drop [][]byte
	if err := b.ForEach(func(k, _ []byte) error {
		if gone(string(k)) {
			drop = append(drop, k)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range drop { // once walked: ForEach must not see its bucket change
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Backends returns the base URLs of the backends bodies were stored for
// or moved to (see above), delivered since or not, in byte order.
func (s *Store) Backends() ([]string, error) {
	var out []string
	err := s.do(false, func(tx *bolt.Tx) error {
		out = out[:0] // a read may run its function again
		b := tx.Bucket(bucketBackends)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}
