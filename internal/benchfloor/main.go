// Command benchfloor is the floor of the W1 benchmark: it does only what no
// pipeline can avoid. It encodes the same final bodies W1 sends (N network
// targets, DETECTION and PREVENTION groups, the same source addresses,
// times and status) straight into bytes, packs them with the transport's
// chunker under the same size limit, and POSTs them one by one to the sink.
//
//	benchfloor -n 100000 -backend http://127.0.0.1:PORT
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

func main() {
	n := flag.Int("n", 10000, "number of targets")
	backend := flag.String("backend", "", "sink base URL (loopback)")
	maxSize := flag.Int("max-payload-size", transport.DefaultMaxPayloadSize, "largest body in bytes")
	injectID := flag.String("inject-id", "inject-bench-001", "inject id")
	dump := flag.Bool("dump", false, "print the bodies to stdout instead of POSTing them")
	flag.Parse()
	if *dump {
		*backend = ""
	}
	if err := run(*n, *backend, *maxSize, *injectID); err != nil {
		fmt.Fprintln(os.Stderr, "benchfloor:", err)
		os.Exit(1)
	}
}

func run(n int, backend string, maxSize int, injectID string) error {
	src := signatures.NewManager().ResolveSourceIP() // CONTAINER_IP, as W1
	now := time.Now().UTC().Format(signatures.TimeFormat)

	// The values every target shares, pre-encoded once.
	var head, tail []byte
	head = appendValue(head, "source_ipv4", src.IPv4, true)
	if src.IPv6 != "" {
		head = appendValue(head, "source_ipv6", src.IPv6, false)
	}
	tail = appendValue(tail, "start_time", now, false)
	tail = appendValue(tail, "end_time", now, false)
	tail = appendValue(tail, "execution_status", "success", false)

	targets := make([][]byte, n)
	arena := make([]byte, 0, n*(2*(len(head)+len(tail)+120)+60))
	for i := 1; i <= n; i++ {
		start := len(arena)
		ip := []byte("10.")
		ip = strconv.AppendInt(ip, int64(i>>16&255), 10)
		ip = append(ip, '.')
		ip = strconv.AppendInt(ip, int64(i>>8&255), 10)
		ip = append(ip, '.')
		ip = strconv.AppendInt(ip, int64(i&255), 10)
		arena = append(arena, `{"signature_target":{},"signature_values":[`...)
		for g, et := range []string{"DETECTION", "PREVENTION"} {
			if g > 0 {
				arena = append(arena, ',')
			}
			arena = append(arena, `{"expectation_type":"`...)
			arena = append(arena, et...)
			arena = append(arena, `","values":[`...)
			arena = append(arena, head...)
			arena = appendValue(arena, "target_ipv4", string(ip), false)
			arena = append(arena, tail...)
			arena = append(arena, "]}"...)
		}
		arena = append(arena, "]}"...)
		targets[i-1] = arena[start:len(arena):len(arena)]
	}

	c, err := transport.NewChunker("execution_complete", maxSize)
	if err != nil {
		return err
	}
	plan, err := c.Plan(func(yield func(int) bool) {
		for _, t := range targets {
			if !yield(len(t)) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	url := backend + "/api/injects/" + injectID + "/callback"
	client := &http.Client{Timeout: 30 * time.Second}
	body := make([]byte, 0, maxSize)
	next := 0
	for i := 0; i < plan.Chunks(); i++ {
		k := plan.Count(i)
		if body, err = c.AppendBody(body[:0], plan, i, targets[next:next+k]); err != nil {
			return err
		}
		next += k
		if backend == "" {
			fmt.Printf("%s\n", body)
			continue
		}
		if err := cmdkit.PostOK(client, url, "", body); err != nil {
			return fmt.Errorf("chunk %d: %w", i, err)
		}
	}
	return nil
}

// appendValue appends one {"signature_type":…,"signature_value":…} object,
// preceded by a comma unless first.
func appendValue(dst []byte, typ, val string, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"signature_type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, `","signature_value":"`...)
	dst = append(dst, val...)
	return append(dst, `"}`...)
}
