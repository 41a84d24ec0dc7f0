package servetest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Connection is a client connection as the broker at Addr lists it
// (rabbitmqctl list_connections name pid client_properties).
type Connection struct {
	// Pid is the connection's Erlang process, what close_connection takes
	// ("<rabbit@host.1605.0>").
	Pid string `json:"-"`
	// Name is the broker's: "<client address> -> <broker address>". The
	// name the client gave is its client property connection_name (what
	// the management UI shows).
	Name string `json:"name"`
	// ClientProperties are the properties the client sent: [key, type,
	// value] triples as rabbitmqctl's JSON formatter writes them; none for
	// a connection still opening, which the formatter lists with the
	// string "none" (another process's, on a shared broker).
	ClientProperties clientProperties `json:"client_properties"`
}

// clientProperties reads rabbitmqctl's client_properties column: the list
// of triples, or the word it prints for a connection whose handshake has
// not given them yet ("none"), read as no properties.
type clientProperties [][]any

func (p *clientProperties) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		*p = nil
		return nil
	}
	return json.Unmarshal(b, (*[][]any)(p))
}

// Property returns the client property key as the broker holds it, "" when
// the client did not send it.
func (c Connection) Property(key string) string {
	for _, p := range c.ClientProperties {
		if len(p) == 3 && fmt.Sprint(p[0]) == key {
			return fmt.Sprint(p[2])
		}
	}
	return ""
}

// Connections lists the client connections of the broker at Addr with
// rabbitmqctl (the test is skipped when it is not installed or cannot
// reach the broker's node, as a user other than the broker's).
func Connections(t testing.TB) []Connection {
	t.Helper()
	Broker(t)
	out, err := ctl("list_connections", "name", "client_properties", "--formatter", "json", "--quiet")
	if err != nil {
		t.Skip(err)
	}
	var conns []Connection
	if err := json.Unmarshal([]byte(out), &conns); err != nil {
		t.Fatalf("rabbitmqctl list_connections: %v: %s", err, out)
	}
	// The JSON formatter writes a pid as Erlang prints it ("#PID<1.2.3>"),
	// which close_connection does not read; the table names its node
	// ("<rabbit@host.2.3>").
	table, err := ctl("list_connections", "name", "pid", "--silent")
	if err != nil {
		t.Skip(err)
	}
	pids := map[string]string{}
	for line := range strings.Lines(table) {
		if name, pid, ok := strings.Cut(strings.TrimRight(line, "\n"), "\t"); ok {
			pids[name] = pid
		}
	}
	for i := range conns {
		conns[i].Pid = pids[conns[i].Name] // "" for one closed meanwhile
	}
	return conns
}

// CloseConnection closes the connection c with reason, as an operator does
// (rabbitmqctl close_connection): the client gets connection.close 320
// CONNECTION_FORCED with the reason. Close only a connection the test
// opened: the broker is shared.
func CloseConnection(t testing.TB, c Connection, reason string) {
	t.Helper()
	if _, err := ctl("close_connection", c.Pid, reason); err != nil {
		t.Fatal(err)
	}
}

// ctl runs rabbitmqctl args… against the broker's node.
func ctl(args ...string) (string, error) {
	bin, err := exec.LookPath("rabbitmqctl")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/rabbitmqctl"); serr != nil {
			return "", fmt.Errorf("rabbitmqctl is not installed: %w", err)
		}
		bin = "/usr/sbin/rabbitmqctl"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("rabbitmqctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
