package query

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/injectors/query/shodantest"
)

// TestShodanRefusesAnObjectThatIsNoSearchPage: Shodan answers every
// search with an object holding its "total" and its "matches" (an empty
// list when nothing matches: developer.shodan.io/api, "Search Shodan";
// api-evangelist/shodan's search result schema requires both). A 200
// JSON object without them is no answer of Shodan's (a proxy's or a
// gateway's status page, `{}`): read as a page, it would be a search that
// matched nothing, a success whose signature says the targets have no
// CVE. It is an error of its page instead, on page 1 as on a later one
// (the pages before it kept).
func TestShodanRefusesAnObjectThatIsNoSearchPage(t *testing.T) {
	bodies := []struct{ name, body, wantErr string }{
		{"empty object", `{}`, "no total"},
		{"a status page", `{"status": "maintenance", "message": "back soon"}`, "no total"},
		{"matches without a total", `{"matches": []}`, "no total"},
		{"a null total", `{"matches": [], "total": null}`, "no total"},
		{"a total without matches", `{"total": 0}`, "no matches list"},
	}
	for _, b := range bodies {
		for _, page := range []int{1, 2} {
			t.Run(b.name+"/page "+string(rune('0'+page)), func(t *testing.T) {
				srv := newStandIn(t)
				var replies []shodantest.Reply
				if page == 2 {
					replies = append(replies, pageOf(t, 0, 100, 250))
				}
				srv.Enqueue(append(replies, shodantest.Reply{Body: b.body})...)
				s, _ := newShodan(t, srv, nil, nil)
				res, err := s.Search(context.Background(), "apache", 300)
				want := "page " + string(rune('0'+page)) + ": decode search response: " + b.wantErr
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Search error = %v, want it to hold %q", err, want)
				}
				if got := len(res.Matches); got != 100*(page-1) {
					t.Errorf("matches = %d, want the %d of the pages before", got, 100*(page-1))
				}
			})
		}
	}
}
