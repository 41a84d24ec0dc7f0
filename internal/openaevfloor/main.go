// Command openaevfloor is the floor of the W1 benchmark through the openaev
// profile (make bench-w1 PROFILE=openaev): it does only what no pipeline
// can avoid. For one noop inject on N asset-backed targets of a platform of
// the current line it encodes the bodies the profile sends (reception, the
// INFO trace, one INFO trace per target naming its asset, the "complete"
// callback with the summary and the first expectation signatures, then
// "data" callbacks with the rest, each body at most -max-payload-size
// bytes, packed as the profile packs them, a note in the terminal
// callback's message on the targets that fit in no body) and POSTs them
// one by one, in the profile's order, to the platform stand-in. The bodies
// are a dry run's byte for byte but for the times, execution_duration
// (0) and the digits of the run mark ending the "complete"'s message
// (" [run 00000000]", as long as the profile's): -dump prints them as
// `injectkit run --openaev-message` without a backend prints its
// requests, which scripts/bench-w1-openaev.sh and
// TestFloorBodiesAreTheProfiles compare. The floor POSTs as many bytes as
// W1 does.
//
// -write-message writes the platform message the W1 side runs instead: the
// inject with its N assets (asset-i, agent agent-i, address 10.x.y.z,
// host name bench-i.test), short enough that 100 000 of them fit in the
// 16 MiB a platform message may take.
//
//	openaevfloor -n 100000 -url http://127.0.0.1:PORT -token standin-token
//	openaevfloor -n 100000 -write-message msg.json
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/signatures"
)

func main() {
	n := flag.Int("n", 10000, "number of targets (assets)")
	url := flag.String("url", "", "the platform's base URL (loopback)")
	token := flag.String("token", "standin-token", "the platform's bearer token")
	injectID := flag.String("inject-id", "bench-openaev-001", "inject id")
	maxSize := flag.Int("max-payload-size", 5<<20, "largest terminal body in bytes (the openaev profile's default)")
	dump := flag.Bool("dump", false, "print the requests to stdout instead of POSTing them")
	message := flag.String("write-message", "", "write the platform message with the N assets to this file and exit")
	flag.Parse()
	var err error
	switch {
	case *n < 1:
		err = errors.New("-n must be at least 1")
	case *message != "":
		err = writeMessage(*message, *n, *injectID)
	case *dump:
		w := bufio.NewWriterSize(os.Stdout, 1<<20)
		if err = run(*n, *maxSize, *injectID, dumpTo(w)); err == nil {
			err = w.Flush()
		}
	case *url == "":
		err = errors.New("-url, -dump or -write-message is required")
	default:
		err = run(*n, *maxSize, *injectID, poster(*url, *token))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openaevfloor:", err)
		os.Exit(1)
	}
}

// send delivers one body to a platform path.
type send func(path string, body []byte) error

// run encodes and sends the inject's bodies in the profile's order.
func run(n, maxSize int, injectID string, post send) error {
	src := signatures.NewManager().ResolveSourceIP() // CONTAINER_IP, as W1
	now := time.Now().UTC().Format(signatures.TimeFormat)
	e := newEncoder(n, maxSize, src.IPv4, src.IPv6, now, now)
	reception := "/api/injects/execution/reception/" + injectID
	callback := "/api/injects/execution/callback/" + injectID
	if err := post(reception, []byte(`{"tracking_total_count":1}`)); err != nil {
		return err
	}
	if err := post(callback, e.traceBody()); err != nil {
		return err
	}
	buf := make([]byte, 0, 256)
	for i := 1; i <= n; i++ {
		buf = appendTargetTrace(buf[:0], targetOf(i))
		if err := post(callback, buf); err != nil {
			return err
		}
	}
	counts, dropped, err := e.plan()
	if err != nil {
		return err
	}
	buf = make([]byte, 0, maxSize)
	next := 1
	for b, k := range counts {
		buf = e.appendOpen(buf[:0], b, len(counts))
		for j := range k {
			for len(dropped) > 0 && dropped[0] == next { // in no body
				dropped, next = dropped[1:], next+1
			}
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = e.appendTarget(buf, targetOf(next))
			next++
		}
		buf = e.appendClose(buf, b)
		if len(buf) > maxSize {
			return fmt.Errorf("body %d: %d bytes, more than %d", b, len(buf), maxSize)
		}
		if err := post(callback, buf); err != nil {
			return err
		}
	}
	return nil
}

// poster POSTs each body to the platform at base, reusing one connection.
func poster(base, token string) send {
	client := &http.Client{Timeout: 5 * time.Minute}
	return func(path string, body []byte) error {
		if err := cmdkit.PostOK(client, base+path, token, body); err != nil {
			return fmt.Errorf("POST %s: %w", path, err)
		}
		return nil
	}
}

// dumpTo prints each request as one JSON line, as a dry run does.
func dumpTo(w io.Writer) send {
	return func(path string, body []byte) error {
		_, err := fmt.Fprintf(w, `{"method":"POST","path":"%s","body":%s}`+"\n", path, body)
		return err
	}
}

// writeMessage writes the platform message of the W1 side: the noop inject
// on its n assets, each with an agent and one address.
func writeMessage(name string, n int, injectID string) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	head, _ := json.Marshal(map[string]any{"inject_id": injectID, "inject_title": "W1 through the openaev profile",
		"inject_injector_contract": map[string]any{"injector_contract_id": openaev.ContractID(injector)},
		"inject_content": map[string]any{"target_selector": "assets",
			"expectations": []map[string]any{{"expectation_type": "DETECTION"}, {"expectation_type": "PREVENTION"}}}})
	fmt.Fprintf(w, `{"injection":%s,"assets":[`, head)
	for i := 1; i <= n; i++ {
		if i > 1 {
			w.WriteByte(',')
		}
		t := targetOf(i)
		fmt.Fprintf(w, `{"asset_id":%q,"asset_name":"bench-%d","asset_hostname":"bench-%d.test","asset_ips":[%q],"asset_agents":[{"agent_id":%q}]}`,
			t.asset, i, i, t.ip, t.agent)
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
