package openaevtest_test

import (
	"errors"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// declarer records the injector ids it declares a queue for, and fails
// with err when set.
type declarer struct {
	ids []string
	err error
}

func (d *declarer) DeclareQueue(id string) (string, error) {
	d.ids = append(d.ids, id)
	if d.err != nil {
		return "", d.err
	}
	return "prefix_injector_" + id, nil
}

// TestRegistrationDeclaresItsQueue: with a queue declarer, a registration
// bound without a 400 declares its injector's queue first, as 2.4.0's
// handler does, and its reply names the queue declared; a failure to
// declare it is a 500 with nothing stored; a registration Jackson refuses
// (a 400) declares nothing, and one whose contracts fail after (a null
// contract, a 500) declared it all the same.
func TestRegistrationDeclaresItsQueue(t *testing.T) {
	bad := nmapContract(func(c, e map[string]any) { e["contract_platforms"] = []any{"Amiga"} })
	tests := []struct {
		name      string
		err       error
		contracts []map[string]any
		status    int
		declared  bool
		stored    bool
	}{
		{"declared, then stored", nil, []map[string]any{nmapContract(nil)}, 200, true, true},
		{"the broker fails", errors.New("dial: connection refused"), []map[string]any{nmapContract(nil)}, 500, true, false},
		{"refused by Jackson", nil, []map[string]any{bad}, 400, false, false},
		{"a null contract", nil, []map[string]any{nil}, 500, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &declarer{err: tt.err}
			p := openaevtest.NewPlatform(t, token, openaevtest.WithQueueDeclarer(d))
			status, reply := register(t, p, tt.contracts...)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%v)", status, tt.status, reply)
			}
			if got := len(d.ids) > 0; got != tt.declared {
				t.Errorf("queue declared: %v (%v), want %v", got, d.ids, tt.declared)
			}
			if _, stored := p.ContractOutputs(nmapContract(nil)["contract_id"].(string)); stored != tt.stored {
				t.Errorf("contract stored: %v, want %v", stored, tt.stored)
			}
			if tt.status == 200 {
				if listen := reply["listen"]; listen != "prefix_injector_"+d.ids[0] {
					t.Errorf("listen %v, want the queue declared for %s", listen, d.ids[0])
				}
			}
		})
	}
}
