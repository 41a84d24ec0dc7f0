package cli

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
)

// TestSortEnv checks how the unknown INJECTKIT_ variables of an
// environment are sorted: those of a Kubernetes service link or a Docker
// link left out, likely slips of a known name refused with it, any other
// only warned of.
func TestSortEnv(t *testing.T) {
	r := framework.NewRegistry()
	r.Register("noop", func() framework.Executor { return noop.New() })
	r.Register("query", func() framework.Executor { return query.New() })
	known := knownEnv(NewApp(Options{Registry: r}), newInjectorSet(r).manifests())
	k8s := []string{"INJECTKIT_SERVICE_HOST", "INJECTKIT_SERVICE_PORT", "INJECTKIT_SERVICE_PORT_METRICS", "INJECTKIT_PORT",
		"INJECTKIT_PORT_9464_TCP", "INJECTKIT_PORT_9464_TCP_PROTO", "INJECTKIT_PORT_9464_TCP_PORT", "INJECTKIT_PORT_9464_TCP_ADDR"}
	tests := []struct {
		name         string
		env          []string
		slips, stray []string
	}{
		{"kubernetes service injectkit", k8s, nil, nil},
		{"kubernetes service injectkit-metrics", []string{"INJECTKIT_METRICS_SERVICE_HOST", "INJECTKIT_METRICS_SERVICE_PORT",
			"INJECTKIT_METRICS_SERVICE_PORT_HTTP", "INJECTKIT_METRICS_PORT", "INJECTKIT_METRICS_PORT_9464_UDP_ADDR"}, nil, nil},
		{"docker link injectkit", []string{"INJECTKIT_NAME", "INJECTKIT_PORT", "INJECTKIT_PORT_9464_TCP", "INJECTKIT_PORT_9464_TCP_ADDR",
			"INJECTKIT_ENV_INJECTKIT_TOKEN"}, nil, nil},
		{"port variables without their service's", []string{"INJECTKIT_PORT", "INJECTKIT_PORT_9464_TCP", "INJECTKIT_LISTEN_PORT"},
			nil, []string{"INJECTKIT_LISTEN_PORT", "INJECTKIT_PORT", "INJECTKIT_PORT_9464_TCP"}},
		{"a service's other port shapes", append([]string{"INJECTKIT_PORT_X_TCP", "INJECTKIT_PORT_9464_TCP_HOST"}, k8s...),
			nil, []string{"INJECTKIT_PORT_9464_TCP_HOST", "INJECTKIT_PORT_X_TCP"}},
		{"a Dockerfile's", []string{"INJECTKIT_VERSION", "INJECTKIT_HOME"}, nil, []string{"INJECTKIT_HOME", "INJECTKIT_VERSION"}},
		{"no slip by a word", []string{"INJECTKIT_ZZZ_QQQ", "INJECTKIT_OPENAEV_TOKEN", "INJECTKIT_APP_LOG_LEVEL"},
			nil, []string{"INJECTKIT_APP_LOG_LEVEL", "INJECTKIT_OPENAEV_TOKEN", "INJECTKIT_ZZZ_QQQ"}},
		{"slips", []string{"INJECTKIT_BACKEND_ULR", "INJECTKIT_TOKN", "INJECTKIT_OUTBOKS", "INJECTKIT_TIMOUT"}, []string{
			"INJECTKIT_BACKEND_ULR (did you mean INJECTKIT_BACKEND_URL?)", "INJECTKIT_OUTBOKS (did you mean INJECTKIT_OUTBOX?)",
			"INJECTKIT_TIMOUT (did you mean INJECTKIT_TIMEOUT?)", "INJECTKIT_TOKN (did you mean INJECTKIT_TOKEN?)"}, nil},
		{"a word left out", []string{"INJECTKIT_SHODAN_KEY"}, []string{"INJECTKIT_SHODAN_KEY (did you mean INJECTKIT_SHODAN_API_KEY?)"}, nil},
		{"the prefix in another case", []string{"injectkit_backend_url", "INJECTKIT_token", "Injectkit_Tokn", "injectkit_home"},
			[]string{"INJECTKIT_token (did you mean INJECTKIT_TOKEN?)", "Injectkit_Tokn (did you mean INJECTKIT_TOKEN?)",
				"injectkit_backend_url (did you mean INJECTKIT_BACKEND_URL?)"}, []string{"injectkit_home"}},
		{"a link's names in lower case", []string{"injectkit_service_host", "injectkit_port"}, nil,
			[]string{"injectkit_port", "injectkit_service_host"}},
		{"known", []string{"INJECTKIT_TOKEN", "INJECTKIT_SHODAN_API_KEY", "INJECTKIT_WORKERS"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range tt.env {
				if !hasEnvPrefix(name) {
					t.Fatalf("%s: no prefix", name)
				}
			}
			slips, stray := sortEnv(tt.env, known, nil)
			if !slices.Equal(slips, tt.slips) || !slices.Equal(stray, tt.stray) {
				t.Errorf("slips %q, stray %q; want %q, %q", slips, stray, tt.slips, tt.stray)
			}
		})
	}
}

// TestSlipOfIsTight checks that a name unlike every known one but by the
// edit distance of a short word is no slip: INJECTKIT_PORT is not
// INJECTKIT_PARAM, INJECTKIT_HOME not INJECTKIT_PHASE.
func TestSlipOfIsTight(t *testing.T) {
	known := []string{"INJECTKIT_PARAM", "INJECTKIT_PHASE", "INJECTKIT_OPENAEV_VERSION", "INJECTKIT_TARGET"}
	for _, name := range []string{"INJECTKIT_PORT", "INJECTKIT_HOME", "INJECTKIT_VERSION", "INJECTKIT_NAME", "INJECTKIT_"} {
		if k := slipOf(name, known); k != "" {
			t.Errorf("slipOf(%s) = %s, want none", name, k)
		}
	}
	if k := slipOf("INJECTKIT_TARGETS", known); k != "INJECTKIT_TARGET" {
		t.Errorf("slipOf(INJECTKIT_TARGETS) = %q, want INJECTKIT_TARGET", k)
	}
}
