package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// The binaries the program-name tests build: injectkit itself (Name
// unset) and a third-party binary built with cli.Run.
var programs = []struct{ name, want string }{
	{"", "injectkit"},
	{"myinj", "myinj"},
}

// Each binary keeps its own default outbox, named after it: a body one
// stores is never listed (or flushed) by the other, and its help says
// where the outbox is.
func TestProgramNameOutboxDefault(t *testing.T) {
	be := newSwitchable(t, 503)
	state := t.TempDir()
	env := map[string]string{"XDG_STATE_HOME": state}
	for _, p := range programs {
		o := cli.Options{Registry: registry(), Name: p.name}
		r := runWith(t, o, env, "run", "noop", "--inject-id", "inj-"+p.want, "--target", "127.0.0.1",
			"--backend-url", be.URL, "--token", "x", "--log-level", "error")
		want := filepath.Join(state, p.want, "outbox.db")
		if r.code != cli.ExitDelivery || !strings.Contains(r.stderr, p.want+": delivery failed; 1 signature body stored in outbox "+want+" ") {
			t.Errorf("%s run: exit %d, want 1 and the outbox %s:\n%s", p.want, r.code, want, r.stderr)
		}
		for _, cmd := range [][]string{{"run", "--help"}, {"outbox", "list", "--help"}, {"outbox", "flush", "--help"}} {
			h := runWith(t, o, env, cmd...)
			if !strings.Contains(h.stdout, "$XDG_STATE_HOME/"+p.want+"/outbox.db, else ~/.local/state/"+p.want+"/outbox.db") {
				t.Errorf("%s %s: the help does not name its default outbox:\n%s", p.want, strings.Join(cmd, " "), h.stdout)
			}
		}
	}
	for _, p := range programs {
		r := runWith(t, cli.Options{Registry: registry(), Name: p.name}, env, "outbox", "list")
		for _, q := range programs {
			if listed := strings.Contains(r.stdout, "inj-"+q.want); listed != (p == q) {
				t.Errorf("%s outbox list lists the body of %s: %t, want %t\n%s", p.want, q.want, listed, p == q, r.stdout+r.stderr)
			}
		}
	}
}

// serve registers a binary under its own name and type by default, and
// its help says so.
func TestProgramNameServeDefaults(t *testing.T) {
	for _, p := range programs {
		t.Run(p.want, func(t *testing.T) {
			o := cli.Options{Registry: serveRegistry(), Name: p.name}
			if h := runWith(t, o, nil, "serve", "--help"); strings.Count(h.stdout, "(default: "+p.want+")") != 2 {
				t.Errorf("serve --help: want --injector-name and --injector-type to default to %s:\n%s", p.want, h.stdout)
			}
			pl := openaevtest.NewPlatform(t, serveToken)
			pl.FailRegistration(403, 1000)
			d := serveOptions(t, o, nil, "--openaev-url", pl.URL, "--token", serveToken, "--injector-id", injectorID,
				"--listen-addr", "")
			if err := pl.WaitFor(context.Background(), func() bool { return len(pl.Registrations()) > 0 }); err != nil {
				t.Fatal(err)
			}
			d.Stop(t)
			reg := pl.Registrations()[0].Body
			if reg["injector_name"] != p.want || reg["injector_type"] != p.want {
				t.Errorf("registered as name %v type %v, want %s for both", reg["injector_name"], reg["injector_type"], p.want)
			}
		})
	}
}
