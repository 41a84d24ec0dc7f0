package cloudscan

import (
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// resentLocked reports whether r is an SDK's resend of a call the
// stand-in already answered with success: the SDK sends every attempt of
// one call with the same invocation id. s.mu is held.
func (s *standIn) resentLocked(r *http.Request) bool {
	status := s.answered[r.Header.Get("Amz-Sdk-Invocation-Id")]
	return status > 0 && status < 400
}

// statusWriter keeps the status a handler answered with, 0 until it
// writes, and gives it to onStatus when it is first written.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onStatus func(int)
}

func (w *statusWriter) WriteHeader(code int) {
	w.setStatus(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) setStatus(code int) {
	if w.status == 0 {
		w.status = code
		w.onStatus(code)
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	w.setStatus(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// The stand-in counts an SDK's resend of an attempt it answered with
// success once (the client lost the answer), and a retry of a throttled
// attempt twice (the executor's retryer did its job).
func TestStandInCountsResendsOnce(t *testing.T) {
	st := newStandIn(t, nil, filepath.Join("testdata", "fixtures"))
	post := func(invocation string) int {
		return postEC2(t, st.URL(), "Action=DescribeSecurityGroups&MaxResults=1000&Version=2016-11-15", invocation)
	}
	const event = "ec2.amazonaws.com:DescribeSecurityGroups"
	if got := post("call-1"); got != http.StatusOK {
		t.Fatalf("first attempt answered %d", got)
	}
	post("call-1") // the same call sent again after a success
	if got, all := st.count(event), len(st.calls()); got != 1 || all != 2 {
		t.Errorf("count %d of %d requests, want the resend left out: 1 of 2", got, all)
	}
	post("call-2")
	if got := st.count(event); got != 2 {
		t.Errorf("count %d after another call, want 2", got)
	}
}

// An SDK's resend of a page request the stand-in answered with success
// (the same invocation id) is not the page asked for again; another call
// with the page's token is.
func TestStandInRefollowedLeavesOutResends(t *testing.T) {
	for _, tt := range []struct {
		name        string
		invocations []string // of the requests for the second page
		want        []string
	}{
		{"one call", []string{"call-2"}, nil},
		{"one call resent", []string{"call-2", "call-2"}, nil},
		{"two calls", []string{"call-2", "call-3"}, []string{"ec2/DescribeSecurityGroups|again"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStandIn(t, nil, filepath.Join("testdata", "cases", "repeated_token_ec2", "fixtures"))
			pages := append([]string{"call-1"}, tt.invocations...)
			for i, inv := range pages {
				form := "Action=DescribeSecurityGroups&MaxResults=1000&Version=2016-11-15"
				if i > 0 {
					form += "&NextToken=again"
				}
				if code := postEC2(t, st.URL(), form, inv); code != http.StatusOK {
					t.Fatalf("request %d (%s) answered %d", i+1, inv, code)
				}
			}
			if got := st.refollowed(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("refollowed %q, want %q", got, tt.want)
			}
		})
	}
}

// postEC2 posts an EC2 query form to the stand-in at url as the SDK would,
// with the invocation id the SDK gives each call (kept on its resends), and
// returns the answer's status.
func postEC2(t *testing.T, url, form, invocation string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Amz-Sdk-Invocation-Id", invocation)
	code, _ := sendSigned(t, req, "ec2", "eu-west-1")
	return code
}
