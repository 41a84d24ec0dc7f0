package servetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/serve"
)

// A Node is a RabbitMQ node of a test's own, beside the shared broker at
// Addr: its own node name, AMQP and distribution ports, database, logs and
// Erlang cookie, all under the test's temporary directory, and no plugin.
// Stopping or restarting it disturbs no other test.
//
// It runs the scripts the Debian wrapper /usr/sbin/rabbitmq-server calls
// (/usr/lib/rabbitmq/bin/…), not the wrapper itself: called by root, the
// wrapper switches to the rabbitmq user with su, sends the output to
// /var/log/rabbitmq and changes directory to /var/lib/rabbitmq. The scripts
// run as the caller, root included, and take every path from the
// environment.
type Node struct {
	// Name is the Erlang node name, <prefix>-<pid>-<n>@localhost.
	Name string
	// Port is the AMQP port on 127.0.0.1; DistPort the Erlang
	// distribution port (loopback only).
	Port, DistPort int
	// TLSPort is the AMQPS port on 127.0.0.1 of a node started WithTLS,
	// else 0.
	TLSPort int

	dir  string
	ctl  string
	env  []string
	cmd  *exec.Cmd
	done chan struct{} // closed when the node's process has exited
}

// NodeStartTimeout bounds how long StartNode waits for a node to accept
// AMQP clients (a first boot takes a few seconds, longer on a loaded host).
const NodeStartTimeout = 120 * time.Second

var nodeSeq struct {
	sync.Mutex
	n int
}

// StartNode starts a RabbitMQ node named <prefix>-<pid>-<n>@localhost and
// waits until it accepts AMQP clients (guest/guest, vhost "/"). The node is
// stopped (rabbitmqctl stop) when the test ends. The test is skipped when
// the RabbitMQ scripts are not installed.
func StartNode(t testing.TB, prefix string, opts ...NodeOption) *Node {
	t.Helper()
	server, ctl, err := nodeScripts()
	if err != nil {
		t.Skipf("cannot start a RabbitMQ node: %v", err)
	}
	var cfg nodeConfig
	for _, o := range opts {
		o(&cfg)
	}
	var errs []error
	for range 3 { // a port picked free may be taken before the node binds it
		n, err := startNode(t, prefix, server, ctl, cfg)
		if err == nil {
			return n
		}
		errs = append(errs, err)
		t.Logf("RabbitMQ node did not start: %v", err)
	}
	t.Fatalf("no RabbitMQ node could be started: %v", errors.Join(errs...))
	return nil
}

// nodeScripts finds rabbitmq-server and rabbitmqctl that run as the caller.
func nodeScripts() (server, ctl string, err error) {
	dirs := []string{"/usr/lib/rabbitmq/bin"}
	versioned, _ := filepath.Glob("/usr/lib/rabbitmq/lib/rabbitmq_server-*/sbin")
	dirs = append(dirs, versioned...)
	if p, err := exec.LookPath("rabbitmq-server"); err == nil {
		if b, err := os.ReadFile(p); err == nil && !bytes.Contains(b, []byte("su rabbitmq")) {
			dirs = append(dirs, filepath.Dir(p)) // not the Debian wrapper
		}
	}
	for _, d := range dirs {
		s, c := filepath.Join(d, "rabbitmq-server"), filepath.Join(d, "rabbitmqctl")
		if isExec(s) && isExec(c) {
			return s, c, nil
		}
	}
	return "", "", errors.New("rabbitmq-server is not installed (apt-get install rabbitmq-server)")
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// freePort returns a port free on loopback, below the ephemeral range (an
// outgoing connection cannot take it before the node binds it), away from
// the ports RabbitMQ uses by default: 5672 and 25672 (the shared node),
// 4369 (epmd), 15672 (management) and 35672–35682 (where rabbitmqctl's own
// Erlang node listens).
func freePort(avoid ...int) (int, error) {
	lo, hi := 20000, 32767
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v-1 < hi && v-1 > lo+1000 {
				hi = v - 1
			}
		}
	}
	for range 200 {
		p := lo + rand.IntN(hi-lo)
		bad := p == 25672 || p == 15672 || p >= 35672 && p <= 35682
		for _, a := range avoid {
			bad = bad || p == a
		}
		if bad {
			continue
		}
		ln, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		ln.Close()
		return p, nil
	}
	return 0, errors.New("no free port found")
}

func startNode(t testing.TB, prefix, server, ctl string, cfg nodeConfig) (*Node, error) {
	nodeSeq.Lock()
	nodeSeq.n++
	seq := nodeSeq.n
	nodeSeq.Unlock()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dist, err := freePort(port)
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	n := &Node{Name: fmt.Sprintf("%s-%d-%d@localhost", prefix, os.Getpid(), seq), Port: port, DistPort: dist,
		dir: dir, ctl: ctl, done: make(chan struct{})}
	conf := fmt.Sprintf("listeners.tcp.1 = 127.0.0.1:%d\nloopback_users.guest = true\n", port)
	if cfg.tls != nil {
		if n.TLSPort, err = freePort(port, dist); err != nil {
			return nil, err
		}
		conf += cfg.tls.conf(n.TLSPort)
	}
	home := filepath.Join(dir, "home")
	for _, d := range []string{home, filepath.Join(dir, "mnesia"), filepath.Join(dir, "log")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	// The cookie the node and rabbitmqctl share ($HOME/.erlang.cookie).
	files := map[string]string{
		filepath.Join(home, ".erlang.cookie"):   strings.ToUpper(randomHex(16)),
		filepath.Join(dir, "rabbitmq.conf"):     conf,
		filepath.Join(dir, "enabled_plugins"):   "[].\n",
		filepath.Join(dir, "rabbitmq-env.conf"): "", // not /etc/rabbitmq/rabbitmq-env.conf
	}
	if cfg.consumerTimeout > 0 {
		files[filepath.Join(dir, "advanced.config")] = cfg.advanced()
	}
	for p, s := range files {
		if err := os.WriteFile(p, []byte(s), 0o400); err != nil {
			return nil, err
		}
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RABBITMQ_") && !strings.HasPrefix(kv, "ERL_") && !strings.HasPrefix(kv, "HOME=") {
			n.env = append(n.env, kv)
		}
	}
	n.env = append(n.env,
		"HOME="+home,
		"RABBITMQ_NODENAME="+n.Name,
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		"RABBITMQ_NODE_PORT="+strconv.Itoa(port),
		"RABBITMQ_DIST_PORT="+strconv.Itoa(dist),
		"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(dir, "rabbitmq-env.conf"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq.conf"),
		"RABBITMQ_ADVANCED_CONFIG_FILE="+filepath.Join(dir, "advanced.config"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "node.pid"),
	)
	out, err := os.Create(filepath.Join(dir, "console.log"))
	if err != nil {
		return nil, err
	}
	n.cmd = exec.Command(server)
	n.cmd.Dir, n.cmd.Env, n.cmd.Stdout, n.cmd.Stderr = dir, n.env, out, out
	n.cmd.SysProcAttr = ownGroup() // for a last-resort kill of the node and its helpers
	// A test binary that dies without its cleanups (a go test -timeout)
	// stops the node too: rabbitmq-server stops the VM on SIGTERM.
	if err := testkit.StartBound(n.cmd, syscall.SIGTERM, func(error) {
		out.Close()
		close(n.done)
	}); err != nil {
		out.Close()
		return nil, fmt.Errorf("%s: %w", server, err)
	}
	t.Cleanup(func() { n.stop(t) })

	deadline := time.Now().Add(NodeStartTimeout)
	for {
		err := n.ping()
		if err == nil {
			t.Logf("RabbitMQ node %s: AMQP on 127.0.0.1:%d, AMQPS on %d, distribution on %d, in %s", n.Name, port, n.TLSPort, dist, dir)
			return n, nil
		}
		select {
		case <-n.done:
			return nil, fmt.Errorf("node %s exited while starting: %s", n.Name, n.ConsoleTail(15))
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.stop(t)
			return nil, fmt.Errorf("node %s not accepting AMQP after %s: %v; console: %s", n.Name, NodeStartTimeout, err, n.ConsoleTail(15))
		}
	}
}

// URL is the node's AMQP URL for guest.
func (n *Node) URL() string { return fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", n.Port) }

// Broker is the node with the guest account, as a registration names it.
func (n *Node) Broker() serve.Broker {
	return serve.Broker{Host: "127.0.0.1", Port: n.Port, VHost: "/", User: "guest", Pass: "guest"}
}

func (n *Node) ping() error {
	conn, err := amqp.DialConfig(n.URL(), amqp.Config{Dial: amqp.DefaultDial(2 * time.Second)})
	if err != nil {
		return err
	}
	return conn.Close()
}

// Ctl runs rabbitmqctl -n <node> args… and returns its combined output.
func (n *Node) Ctl(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.ctl, append([]string{"-n", n.Name}, args...)...)
	cmd.Dir, cmd.Env = n.dir, n.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("rabbitmqctl -n %s %s: %w: %s", n.Name, strings.Join(args, " "),
			err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// StopApp stops the RabbitMQ application (rabbitmqctl stop_app): every
// connection is closed and the node refuses clients until StartApp. Durable
// queues and persistent messages survive.
func (n *Node) StopApp() error {
	_, err := n.Ctl(90*time.Second, "stop_app")
	return err
}

// StartApp starts the application again (rabbitmqctl start_app) and waits
// until the node accepts AMQP clients. A start that fails (the node then
// holds half-started applications) is undone with stop_app and tried again.
func (n *Node) StartApp() error {
	var errs []error
	for attempt := range 4 {
		if attempt > 0 {
			_, _ = n.Ctl(90*time.Second, "stop_app")
			time.Sleep(time.Second)
		}
		_, err := n.Ctl(90*time.Second, "start_app")
		if err == nil {
			return n.waitReady(60 * time.Second)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (n *Node) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := n.ping()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node %s not accepting AMQP %s after start_app: %w", n.Name, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop stops the node (rabbitmqctl stop), and kills its process group if it
// has not exited 30 s later.
func (n *Node) stop(t testing.TB) {
	select {
	case <-n.done:
		return
	default:
	}
	if _, err := n.Ctl(60*time.Second, "stop"); err != nil {
		t.Logf("stop RabbitMQ node: %v", err)
	}
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		t.Logf("RabbitMQ node %s still running 30s after rabbitmqctl stop: killing it and its process group %d", n.Name, n.cmd.Process.Pid)
		killGroup(n.cmd.Process)
		<-n.done
	}
}

// ConsoleTail returns the last lines the node printed.
func (n *Node) ConsoleTail(lines int) string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "console.log"))
	s := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(s) > lines {
		s = s[len(s)-lines:]
	}
	return strings.Join(s, "\n")
}
