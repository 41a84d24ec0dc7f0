package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// newServer starts a recording backend answering steps in order, then 200
// "done" to any further request.
func newServer(t *testing.T, steps ...testkit.Reply) *testkit.Backend {
	t.Helper()
	be := testkit.NewScriptedBackend(t, steps...)
	be.SetReply(testkit.Reply{Body: "done"})
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
