package openaevtest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

func postAs(t *testing.T, url, token, body string) int {
	t.Helper()
	status, err := cmdkit.Post(http.DefaultClient, url, token, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return status
}

// TestStartCallsFromAndStats serves a platform outside a test's lifetime,
// reads its calls incrementally and sums them up.
func TestStartCallsFromAndStats(t *testing.T) {
	p, stop := openaevtest.Start("tok")
	p.AddInject("inj", "contract")
	reception := p.URL + "/api/injects/execution/reception/inj"
	callback := p.URL + "/api/injects/execution/callback/inj"

	if got := postAs(t, reception, "tok", `{"tracking_total_count":1}`); got != 200 {
		t.Fatalf("reception: %d", got)
	}
	first, err := p.CallsFrom(context.Background(), 0)
	if err != nil || len(first) != 1 || first[0].Kind != openaevtest.KindReception {
		t.Fatalf("CallsFrom(0) = %v, %v; want the reception", first, err)
	}
	mark := p.CallCount()
	complete := `{"execution_message":"done","execution_status":"SUCCESS","execution_action":"complete"}`
	postAs(t, callback, "tok", complete)
	postAs(t, callback, "bad", complete)
	postAs(t, callback, "tok", `{"execution_message":"x","execution_status":"NOPE","execution_action":"complete"}`)

	rest, err := p.CallsFrom(context.Background(), mark)
	if err != nil || len(rest) != 3 {
		t.Fatalf("CallsFrom(%d) = %d calls, %v; want 3", mark, len(rest), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.CallsFrom(ctx, mark+3); err == nil {
		t.Error("CallsFrom past the last call with a cancelled context returned no error")
	}

	tests := []struct {
		name string
		got  openaevtest.Stats
		want openaevtest.Stats
	}{
		{"all", p.Stats(), openaevtest.Stats{Calls: 4, Posts: 4, Refused: 1, Processed: 1, Dropped: 1,
			Completions: 1, CompletedInjects: 1}},
		{"from the mark", p.StatsFrom(mark), openaevtest.Stats{Calls: 3, Posts: 3, Refused: 1, Processed: 1, Dropped: 1,
			Completions: 1, CompletedInjects: 1}},
	}
	for _, tt := range tests {
		g := tt.got
		if g.Calls != tt.want.Calls || g.Posts != tt.want.Posts || g.Refused != tt.want.Refused ||
			g.Processed != tt.want.Processed || g.Dropped != tt.want.Dropped ||
			g.Completions != tt.want.Completions || g.CompletedInjects != tt.want.CompletedInjects {
			t.Errorf("%s: stats %+v, want %+v", tt.name, g, tt.want)
		}
		if g.Bytes == 0 || g.FirstDropReason == "" || !strings.Contains(g.FirstRefusal, "401") {
			t.Errorf("%s: bytes %d, first drop %q, first refusal %q", tt.name, g.Bytes, g.FirstDropReason, g.FirstRefusal)
		}
	}

	stop()
	if _, err := http.Post(reception, "application/json", strings.NewReader("{}")); err == nil {
		t.Error("the platform still answers after stop")
	}
}
