package transport

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/bodies")

// TestGoldenBodies walks testdata/bodies/<case>/: input.json holds the
// inject id, phase, optional max_payload_size and payload; bodies.jsonl the
// bodies Bodies returns, one per line, or error.txt the error it returns.
func TestGoldenBodies(t *testing.T) {
	testkit.Cases(t, filepath.Join("testdata", "bodies", "*"), func(t *testing.T, dir string) {
		var in struct {
			InjectID       string             `json:"inject_id"`
			Phase          string             `json:"phase"`
			MaxPayloadSize int                `json:"max_payload_size"`
			Payload        signatures.Payload `json:"payload"`
		}
		testkit.ReadJSON(t, filepath.Join(dir, "input.json"), &in)
		bodies, err := Bodies(in.InjectID, in.Phase, in.Payload, in.MaxPayloadSize)
		var got []byte
		for _, b := range bodies {
			if !json.Valid(b) {
				t.Errorf("invalid JSON body: %s", b)
			}
			if in.MaxPayloadSize > 0 && len(b) > in.MaxPayloadSize {
				t.Errorf("body of %d bytes over %d", len(b), in.MaxPayloadSize)
			}
			got = append(append(got, b...), '\n')
		}
		testkit.GoldenOutcome(t, dir, map[string][]byte{"bodies.jsonl": got}, err, *update)
	})
}
