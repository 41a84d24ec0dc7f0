// Package outboxtest makes, for the tests of the outbox and of its users,
// the on-disk states an earlier version of injectkit (or a damaged disk)
// leaves in an outbox file, which the outbox's own API never writes.
package outboxtest

import (
	"encoding/json"
	"errors"
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
	Update(t, path, func(tx *bolt.Tx) error {
		if err := tx.Bucket([]byte("meta")).Put([]byte("format"), []byte("injectkit-outbox/1")); err != nil {
			return err
		}
		return EditAll(tx.Bucket([]byte("pending")), func(v []byte) ([]byte, error) {
			var r map[string]any
			if err := json.Unmarshal(v, &r); err != nil {
				return nil, err
			}
			delete(r, "owner_start")
			delete(r, "owner_format")
			r["owner"], r["lease_until"] = pid, time.Now().Add(time.Hour)
			return json.Marshal(r)
		})
	})
}

// Update runs f in one write transaction on the bbolt file at path, which
// no store holds open; the test fails on any error.
func Update(t testing.TB, path string, f func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(db.Update(f), db.Close()); err != nil {
		t.Fatal(err)
	}
}

// View runs f in one read-only transaction on the bbolt file at path,
// which no store holds open; the test fails on any error.
func View(t testing.TB, path string, f func(*bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(db.View(f), db.Close()); err != nil {
		t.Fatal(err)
	}
}

// EditAll replaces each value of b with what edit returns for it.
func EditAll(b *bolt.Bucket, edit func(v []byte) ([]byte, error)) error {
	edited := map[string][]byte{}
	err := b.ForEach(func(k, v []byte) error {
		raw, err := edit(v)
		edited[string(k)] = raw
		return err
	})
	if err != nil {
		return err
	}
	for k, raw := range edited {
		if err := b.Put([]byte(k), raw); err != nil {
			return err
		}
	}
	return nil
}
