package builtin_test

import (
	"encoding/json"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/signatures"
)

// TestParamRangesAreStated: every bound a reference injector enforces on
// a param is the one its manifest states (what `injectkit injectors NAME`
// prints): an int's Min and Max, refused past either end with "must be
// between Min and Max"; a duration's greatest in its doc ("at most 10m").
// Each param is probed with values past any bound, and each refusal is
// held against what the manifest says.
func TestParamRangesAreStated(t *testing.T) {
	atMost := regexp.MustCompile(`at most (\S+?)[;,)]?(?: |$)`)
	for _, ex := range []interface {
		framework.Executor
		framework.Manifester
	}{noop.New(), nmap.New(), query.New(), cloudscan.New()} {
		m := ex.Manifest()
		for _, p := range m.Params {
			var probes []any
			switch p.Type {
			case framework.ParamInt:
				probes = []any{json.Number("-1000000"), json.Number("-1"), json.Number("0"), json.Number("1000000")}
			case framework.ParamDuration:
				probes = []any{"0s", "2000000h"}
			default:
				continue
			}
			t.Run(m.Name+"."+p.Name, func(t *testing.T) {
				for _, v := range probes {
					_, err := framework.DecodeParams(ex, map[string]any{p.Name: v})
					var ve *signatures.ValidationError
					if err == nil {
						continue
					}
					if !errors.As(err, &ve) || ve.Field != "params."+p.Name {
						t.Fatalf("%s=%v: %v, want a refusal of %s", p.Name, v, err, p.Name)
					}
					switch p.Type {
					case framework.ParamInt:
						if p.Min == "" || p.Max == "" {
							t.Errorf("%s=%v refused (%s), yet the manifest states no range", p.Name, v, ve.Reason)
						} else if want := "must be between " + p.Min + " and " + p.Max; ve.Reason != want {
							t.Errorf("%s=%v: %q, want %q (the manifest's range)", p.Name, v, ve.Reason, want)
						}
					case framework.ParamDuration:
						refused, stated := atMost.FindStringSubmatch(ve.Reason), atMost.FindStringSubmatch(p.Doc)
						if refused == nil {
							continue // 0s: "more than 0s", said by the doc too when refused
						}
						if stated == nil {
							t.Errorf("%s=%v refused (%s), yet its doc %q states no greatest", p.Name, v, ve.Reason, p.Doc)
							continue
						}
						r, err1 := time.ParseDuration(refused[1])
						s, err2 := time.ParseDuration(stated[1])
						if err1 != nil || err2 != nil || r != s {
							t.Errorf("%s: refused past %s, the doc says at most %s", p.Name, refused[1], stated[1])
						}
					}
				}
			})
		}
	}
}
