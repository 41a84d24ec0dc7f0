package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// The second loopback server, -stats-url-file's: what the platform holds,
// and the publication of an inject's message.

// serveStats serves GET /stats (the stats from call base on), GET
// /injects (the ids of the injects the platform knows), GET
// /injects/{id} (what it holds for one, openaevtest.Held; 404 for an
// inject it does not know) and GET /contracts/{id} (what it stores of a
// registered contract, openaevtest.StoredContract) on a loopback port, and writes its URL to
// file. Those routes only read; POST /injects/{id}/publish puts the
// platform's message for an inject on the broker b (publishRoute), and
// POST /injects/{id}/message answers it without a broker (messageRoute),
// the agents of an asset group's endpoints read from groups. POST /token
// renews the platform's token (renewRoute).
func serveStats(p *openaevtest.Platform, base int, file string, b *broker, groups map[string][]map[string]any) (stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, p.StatsFrom(base)) })
	mux.HandleFunc("GET /injects", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, p.Injects()) })
	mux.HandleFunc("GET /injects/{id}", byID("inject", p.Held))
	mux.HandleFunc("GET /contracts/{id}", byID("contract", p.Contract))
	mux.HandleFunc("POST /injects/{id}/publish", publishRoute(p, b, groups))
	mux.HandleFunc("POST /injects/{id}/message", messageRoute(p, groups))
	mux.HandleFunc("POST /token", renewRoute(p))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	if err := cmdkit.WriteFile(file, "http://"+ln.Addr().String()); err != nil {
		srv.Close()
		return nil, err
	}
	return func() { srv.Close() }, nil
}

// byID answers what find gives for the path's {id}, a 404 naming the
// kind when it gives none.
func byID[T any](kind string, find func(id string) (T, bool)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := find(r.PathValue("id"))
		if !ok {
			http.Error(w, "no "+kind+" "+strconv.Quote(r.PathValue("id")), http.StatusNotFound)
			return
		}
		writeJSON(w, v)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// renewRoute answers POST /token: the platform's token becomes the body,
// as a user's renewal of it does (openaevtest.Platform.RenewToken): the
// one before authenticates nobody from then on. A body blank or holding
// anything but printable ASCII (a header's token) is a 400, nothing
// changed.
func renewRoute(p *openaevtest.Platform) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4096))
		v := strings.TrimSpace(string(b))
		if err != nil || v == "" || strings.IndexFunc(v, func(c rune) bool { return c <= ' ' || c > '~' }) >= 0 {
			http.Error(w, "body: the new token, printable ASCII without spaces", http.StatusBadRequest)
			return
		}
		p.RenewToken(v)
		w.WriteHeader(http.StatusNoContent)
	}
}
