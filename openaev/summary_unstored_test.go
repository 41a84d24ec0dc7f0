package openaev_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// A run whose terminal callback is not SUCCESS (a timeout, a failure)
// sends its rows, and OpenAEV 2.4.0 makes no finding of them
// (InjectorExecutionProcessingHandler.processContext): its message counts
// them and says they are not stored, where a success's, whose rows are
// stored, says nothing of the kind. The current line stores the rows of
// every complete, whatever its status (openaevtest's rule 5): its
// message never says they are not stored.
func TestCompleteMessageSaysUnstoredFindings(t *testing.T) {
	for _, tt := range []struct {
		version  openaevtest.Version
		status   framework.ExecutionStatus
		wire     string
		findings int // rows the platform stores
	}{
		{openaevtest.Version24, framework.StatusTimeout, openaev.StatusTimeout, 0},
		{openaevtest.Version24, framework.StatusFailed, openaev.StatusError, 0},
		{openaevtest.Version24, framework.StatusSuccess, openaev.StatusSuccess, 2},
		{openaevtest.Current, framework.StatusTimeout, openaev.StatusTimeout, 2},
		{openaevtest.Current, framework.StatusFailed, openaev.StatusError, 2},
		{openaevtest.Current, framework.StatusSuccess, openaev.StatusSuccess, 2},
	} {
		t.Run(fmt.Sprintf("%v/%s", tt.version, tt.status), func(t *testing.T) {
			e := newEnvOn(t, []openaevtest.Option{openaevtest.WithVersion(tt.version)})
			e.register(t) // the contract's outputs: the platform's findings
			e.nmap.open["127.0.0.1"] = []int{18142}
			e.nmap.status = tt.status
			body := e.message(t, "inj-u", "nmap", map[string]any{"target_selector": "manual", "targets": "127.0.0.1"}, nil, nil)
			if err := e.proc.Process(context.Background(), body); err != nil {
				t.Fatal(err)
			}
			term, ok := e.platform.Terminal("inj-u")
			msg := fmt.Sprint(term.Body["execution_message"])
			if !ok || term.Body["execution_status"] != tt.wire || !strings.Contains(msg, "(scan_results: 1, ports: 1") {
				t.Fatalf("terminal %v %q, want %s counting the rows", term.Body["execution_status"], msg, tt.wire)
			}
			if n := len(e.platform.StoredFindings("inj-u")); n != tt.findings {
				t.Errorf("%d findings stored, want %d", n, tt.findings)
			}
			if said := strings.Contains(msg, "; "+openaev.NotStoredFindings+")"); said != (tt.findings == 0) {
				t.Errorf("message %q: says the rows are not stored: %v, stored: %d", msg, said, tt.findings)
			}
		})
	}
}
