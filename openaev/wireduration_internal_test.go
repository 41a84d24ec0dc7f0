package openaev

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/runtime"
)

// A terminal callback says how long its run lasted in milliseconds, the
// unit OpenAEV 2.4.0 reads execution_duration in (plusMillis on the
// agent's start trace): a run of 1234.6 ms sends 1235 (it sent 1, in
// seconds).
func TestCompleteDurationInMilliseconds(t *testing.T) {
	log, _ := testkit.Logger()
	p := NewProfile(nil, nil, log)
	start := time.Date(2026, 12, 8, 2, 0, 0, 0, time.UTC)
	r := &runtime.Report{InjectID: "i", Injector: "x", Status: framework.StatusSuccess,
		Started: start, Finished: start.Add(1234600 * time.Microsecond)}
	for _, v := range []PlatformVersion{{Raw: "2.4.0"}, {Raw: "3.260821.0"}} {
		pl, err := p.plan(t.Context(), r, &framework.Manifest{Name: "x"}, v)
		if err != nil {
			t.Fatal(err)
		}
		body, err := json.Marshal(pl.complete)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), `"execution_duration":1235`) {
			t.Errorf("%s: complete %s, want 1235 ms", v.Raw, body)
		}
	}
}

// execution_duration is in milliseconds, rounded, within the Java int the
// platform binds it to (a larger number is refused, 400), never negative.
func TestWireDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want int
	}{
		{0, 0},
		{499 * time.Microsecond, 0},
		{500 * time.Microsecond, 1},
		{1234600 * time.Microsecond, 1235},
		{10 * time.Minute, 600000},
		{-time.Second, 0},
		{24 * 24 * time.Hour, 2073600000},
		{25 * 24 * time.Hour, math.MaxInt32},
		{math.MaxInt64, math.MaxInt32},
	} {
		if got := wireDuration(tt.d); got != tt.want {
			t.Errorf("wireDuration(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}
