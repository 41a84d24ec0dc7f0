package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/injectkit/injectkit/transport/transporttest/recorder"
)

// newServer starts a recording backend answering steps in order, then 200
// "done" to any further request.
func newServer(t *testing.T, steps ...recorder.Reply) *recorder.Backend {
	t.Helper()
	be := recorder.NewScripted(t, steps...)
	be.SetReply(recorder.Reply{Body: "done"})
	return be
}

// cutReply starts a server, closed with the test, that answers every
// request with a 200 promising 1000 bytes, sends start only and closes
// the connection: a body cut short.
func cutReply(t *testing.T, start string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + start)
		buf.Flush()
		conn.Close()
	}))
	t.Cleanup(srv.Close)
	return srv
}

// heldBody starts a server, closed with the test, that answers every
// request with a 200 promising 100 bytes, sends the first 10 and then
// holds the rest until the test ends: a body still being read.
func heldBody(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("0123456789"))
		w.(http.Flusher).Flush()
		<-release
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before srv.Close
	return srv
}
