package openaev_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
)

// InjectState reads the inject's contract from the same GET as its
// status: the stand-in's answer (the platform's Inject entity, its
// inject_injector_contract the whole InjectorContract), and raw answers
// of other shapes, which read as not saying rather than as an error.
func TestInjectStateContract(t *testing.T) {
	e := newEnv(t)
	e.platform.AddInject("with", openaev.ContractID("noop"))
	e.platform.AddInject("without", "")
	for id, want := range map[string]string{"with": openaev.ContractID("noop"), "without": ""} {
		in, err := e.client.InjectState(context.Background(), id)
		if err != nil || in.Status != "QUEUING" || in.ContractID != want {
			t.Errorf("%s: state %+v, %v; want QUEUING and contract %q", id, in, err, want)
		}
	}

	const c = "5b5f5ad8-7f0b-5c3e-9d6b-111111111111"
	tests := []struct {
		name, body, want string
	}{
		{"2.4.0: the contract entity", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_type":"injectkit",` +
			`"inject_injector_contract":{"injector_contract_id":"` + c + `","injector_contract_injectors":["inj"],"injector_contract_injector_type":"injectkit"}}`, c},
		{"no such field (an older platform)", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"}}`, ""},
		{"null", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_injector_contract":null}`, ""},
		{"an id", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_injector_contract":"` + c + `"}`, c},
		{"another shape", `{"inject_id":"i-1","inject_status":{"status_name":"PENDING"},"inject_injector_contract":[1]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := testkit.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/injects/i-1" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			})
			client, err := openaev.NewClient(openaev.Config{URL: be.URL, Token: testToken})
			if err != nil {
				t.Fatal(err)
			}
			in, err := client.InjectState(context.Background(), "i-1")
			if err != nil || in.Status != "PENDING" || in.ContractID != tt.want {
				t.Errorf("state %+v, %v; want PENDING and contract %q", in, err, tt.want)
			}
		})
	}
}

// CheckContract refuses an inject whose contract is not the injector's,
// naming the injector whose contract it is when one of names has it, and
// lets through one that names no contract.
func TestCheckContract(t *testing.T) {
	names := []string{"nmap", "noop", "query"}
	other := "00000000-0000-4000-8000-000000000000"
	tests := []struct {
		name, contract, injector string
		owner                    string // "" with refused: none of names'
		refused                  bool
	}{
		{"its own", openaev.ContractID("query"), "query", "", false},
		{"its own, in upper case", strings.ToUpper(openaev.ContractID("query")), "query", "", false},
		{"not said", "", "query", "", false},
		{"no injector known", openaev.ContractID("nmap"), "", "", false},
		{"another injector's", openaev.ContractID("nmap"), "query", "nmap", true},
		{"no injector's of names", other, "query", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := openaev.CheckContract(openaev.InjectState{ContractID: tt.contract}, "i-1", tt.injector, names)
			var cm *openaev.ContractMismatchError
			switch {
			case !tt.refused && err != nil:
				t.Errorf("refused: %v", err)
			case tt.refused && (!errors.As(err, &cm) || cm.Owner != tt.owner || cm.Contract != tt.contract || cm.Injector != tt.injector):
				t.Errorf("error %#v, want a mismatch of %s owned by %q", err, tt.contract, tt.owner)
			case tt.refused && !strings.Contains(err.Error(), "would not store "+tt.injector+"'s findings"):
				t.Errorf("error %q does not say why", err)
			}
		})
	}
}
