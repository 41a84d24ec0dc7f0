package outbox

import bolt "go.etcd.io/bbolt"

// writeForeignBolt writes a bbolt file that is not an outbox.
func writeForeignBolt(path string) error {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("users"))
		if err != nil {
			return err
		}
		return b.Put([]byte("alice"), []byte("1"))
	})
}
