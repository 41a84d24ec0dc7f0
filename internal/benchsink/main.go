// Command benchsink is the loopback backend of the W1 benchmark: it answers
// 200 to every POST, counts requests and bytes, and prints the totals as one
// JSON line to stdout on GET /stats or when it stops (SIGTERM/SIGINT).
//
//	benchsink -addr 127.0.0.1:0 -addr-file /tmp/sink.addr
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/injectkit/injectkit/internal/cmdkit"
)

type stats struct {
	Posts int64 `json:"posts"`
	Bytes int64 `json:"bytes"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	addrFile := flag.String("addr-file", "", "write the bound address to this file")
	flag.Parse()

	if err := cmdkit.CheckLoopback(*addr); err != nil {
		fmt.Fprintf(os.Stderr, "benchsink: listen on loopback only: -addr %q: %v\n", *addr, err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsink:", err)
		os.Exit(1)
	}
	if *addrFile != "" {
		if err := cmdkit.WriteFile(*addrFile, ln.Addr().String()); err != nil {
			fmt.Fprintln(os.Stderr, "benchsink:", err)
			os.Exit(1)
		}
	}
	var posts, bytes atomic.Int64
	snapshot := func() stats { return stats{posts.Load(), bytes.Load()} }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(snapshot())
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		posts.Store(0)
		bytes.Store(0)
	})
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		posts.Add(1)
		bytes.Add(n)
		w.WriteHeader(http.StatusOK)
	})
	srv := &http.Server{Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "benchsink:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(snapshot())
}
