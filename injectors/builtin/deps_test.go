package builtin_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The injectors compile against the author's contract only: no delivery
// stack (transport, outbox, bbolt), no runtime or wire profile, no broker
// and no retry library, as docs/architecture.md says.
func TestInjectorsDependOnTheContractOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/injectkit/injectkit/injectors/...").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{
		"github.com/injectkit/injectkit/transport",
		"github.com/injectkit/injectkit/runtime",
		"github.com/injectkit/injectkit/openaev",
		"github.com/injectkit/injectkit/serve",
		"github.com/injectkit/injectkit/cli",
		"go.etcd.io/bbolt",
		"github.com/avast/retry-go",
		"github.com/rabbitmq/amqp091-go",
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps listed nothing")
	}
	for _, d := range deps {
		for _, f := range forbidden {
			if d == f || strings.HasPrefix(d, f+"/") {
				t.Errorf("an injector depends on %s", d)
			}
		}
	}
}
