package httpx

import (
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// newServer starts a recording backend answering steps in order, then 200
// "done" to any further request.
func newServer(t *testing.T, steps ...testkit.Reply) *testkit.Backend {
	t.Helper()
	be := testkit.NewScriptedBackend(t, steps...)
	be.SetReply(testkit.Reply{Body: "done"})
	return be
}
