// Package outboxtest makes, for the tests of the outbox's users, the
// on-disk states an earlier version of injectkit leaves in an outbox file,
// which the outbox's own API never writes.
package outboxtest

import (
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SentByOlderVersion marks the outbox at path injectkit-outbox/1 and makes
// its pending bodies ones that process pid, of an earlier version (its
// claims name no owner start nor owner format), is sending, its lease an
// hour long. The file must not be open in this process.
func SentByOlderVersion(t testing.TB, path string, pid int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("injectkit-outbox/1")); err != nil {
			return err
		}
		b := tx.Bucket([]byte("pending"))
		leased := map[string][]byte{}
		err := b.ForEach(func(k, v []byte) error {
			var r map[string]any
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			delete(r, "owner_start")
			delete(r, "owner_format")
			r["owner"], r["lease_until"] = pid, time.Now().Add(time.Hour)
			raw, err := json.Marshal(r)
			leased[string(k)] = raw
			return err
		})
		for k, raw := range leased {
			if err := b.Put([]byte(k), raw); err != nil {
				return err
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
