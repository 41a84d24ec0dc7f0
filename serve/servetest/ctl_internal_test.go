package servetest

import (
	"encoding/json"
	"testing"
)

// A connection still opening (another process's, on a shared broker) is
// listed with client_properties "none": the list is read all the same,
// that connection with no properties, the others with theirs.
func TestConnectionsReadAConnectionStillOpening(t *testing.T) {
	out := `[{"name":"127.0.0.1:1 -> 127.0.0.1:5672","client_properties":"none"},
{"name":"127.0.0.1:2 -> 127.0.0.1:5672","client_properties":[["connection_name","longstr","injectkit-noop on h pid 1"]]}]`
	var conns []Connection
	if err := json.Unmarshal([]byte(out), &conns); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 2 || conns[0].Property("connection_name") != "" ||
		conns[1].Property("connection_name") != "injectkit-noop on h pid 1" {
		t.Errorf("connections = %+v", conns)
	}
}
