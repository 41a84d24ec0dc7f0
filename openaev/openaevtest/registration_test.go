package openaevtest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestDomainsStored: a domain's blank color is refused only for a name not
// stored yet (DomainService.upserts looks names up first): the preset
// domains and every name a successful registration saved, an earlier
// contract of the same registration included, are taken as they are.
func TestDomainsStored(t *testing.T) {
	domain := func(name, color string) func(c, e map[string]any) {
		return func(c, e map[string]any) {
			e["contract_domains"] = []any{map[string]any{"domain_name": name, "domain_color": color}}
		}
	}
	withID := func(id string, mutate func(c, e map[string]any)) map[string]any {
		ct := nmapContract(mutate)
		ct["contract_id"] = id
		return ct
	}
	tests := []struct {
		name   string
		before [][]map[string]any // registrations made first, whatever they answer
		now    []map[string]any
		want   int
	}{
		{"preset name, empty color", nil, []map[string]any{withID("a", domain("Network", ""))}, 200},
		{"preset name, blank color", nil, []map[string]any{withID("a", domain("To classify", " \t"))}, 200},
		{"preset name in another case", nil, []map[string]any{withID("a", domain("network", ""))}, 500},
		{"new name, empty color", nil, []map[string]any{withID("a", domain("Recon", ""))}, 500},
		// domains.domain_name and domain_color are varchar(255), in characters.
		{"new name of 256 characters", nil, []map[string]any{withID("a", domain(strings.Repeat("r", 256), "#123456"))}, 500},
		{"new color of 256 characters", nil, []map[string]any{withID("a", domain("Recon", strings.Repeat("#", 256)))}, 500},
		{"new name of 255 two-byte characters", nil, []map[string]any{withID("a", domain(strings.Repeat("é", 255), "#123456"))}, 200},
		{"new name stored by an earlier registration", [][]map[string]any{{withID("a", domain("Recon", "#123456"))}},
			[]map[string]any{withID("b", domain("Recon", ""))}, 200},
		{"new name saved by an earlier contract of the same registration", nil,
			[]map[string]any{withID("a", domain("Recon", "#123456")), withID("b", domain("Recon", ""))}, 200},
		{"new name only in a registration that failed", [][]map[string]any{{withID("a", domain("Recon", "#123456")), withID("", nil)}},
			[]map[string]any{withID("b", domain("Recon", ""))}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
			for _, r := range tt.before {
				register(t, p, r...)
			}
			if st, reply := register(t, p, tt.now...); st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
		})
	}
}

// TestRegistrationBindsFirst: Jackson binds the whole input before the
// handler runs, so a value it refuses in any contract is a 400, even after
// a contract the handler would fail on (a 500).
func TestRegistrationBindsFirst(t *testing.T) {
	bad := nmapContract(func(c, e map[string]any) { e["contract_platforms"] = []any{"Amiga"} })
	bad["contract_id"] = "bad"
	blankID := nmapContract(nil)
	blankID["contract_id"] = " "
	newDomain := nmapContract(func(c, e map[string]any) {
		e["contract_domains"] = []any{map[string]any{"domain_name": "Recon", "domain_color": ""}}
	})
	tests := []struct {
		name      string
		contracts []map[string]any
		want      int
	}{
		{"blank id, then a value Jackson refuses", []map[string]any{blankID, bad}, 400},
		{"new domain with a blank color, then a value Jackson refuses", []map[string]any{newDomain, bad}, 400},
		{"null contract, then a value Jackson refuses", []map[string]any{nil, bad}, 400},
		{"blank id alone", []map[string]any{blankID}, 500},
		{"null contract alone", []map[string]any{nil}, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(openaevtest.Version24))
			if st, reply := register(t, p, tt.contracts...); st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
		})
	}
}

// TestRegistrationBoundAsJackson: the registration input is bound as
// Jackson binds it (checked against Jackson with the platform's input
// classes): a String field given a number keeps the number's text as
// written (a numeric injector_id names the queue), contract_platforms
// takes an index on 2.4.0, contract_attack_patterns_external_ids is a
// List<String> whose null the handler fails on, and a null domain binds,
// then fails DomainService.upserts unless the injector has payloads.
func TestRegistrationBoundAsJackson(t *testing.T) {
	const content = `"contract_content":"{\"outputs\":[]}"`
	input := func(id, entry string) string {
		return `{"injector_id":` + id + `,"injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":"c1",` + content + entry + `}]}`
	}
	tests := []struct {
		name    string
		version openaevtest.Version
		input   string
		want    int
		queue   string // the reply's listen, when 200
	}{
		{"injector_id a string", openaevtest.Version24, input(`"inj"`, ""), 200, "openaev_injector_inj"},
		{"injector_id a fraction as written", openaevtest.Version24, input(`1.50`, ""), 200, "openaev_injector_1.50"},
		{"injector_id an exponent as written", openaevtest.Version24, input(`1E2`, ""), 200, "openaev_injector_1E2"},
		{"injector_id an integer", openaevtest.Version24, input(`12345678901234567890123`, ""), 200, "openaev_injector_12345678901234567890123"},
		{"injector_id true", openaevtest.Version24, input(`true`, ""), 200, "openaev_injector_true"},
		{"injector_id an object", openaevtest.Version24, input(`{}`, ""), 400, ""},
		{"injector_id null", openaevtest.Version24, input(`null`, ""), 400, ""},
		{"contract_id a number as written", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_contracts":[{"contract_id":1.50,` + content + `}]}`, 200, "openaev_injector_i"},
		{"platform index", openaevtest.Version24, input(`"i"`, `,"contract_platforms":[1]`), 200, "openaev_injector_i"},
		{"platform index as a string", openaevtest.Version24, input(`"i"`, `,"contract_platforms":["7"]`), 200, "openaev_injector_i"},
		{"platform name trimmed", openaevtest.Version24, input(`"i"`, `,"contract_platforms":[" Linux"]`), 200, "openaev_injector_i"},
		{"platform index out of range", openaevtest.Version24, input(`"i"`, `,"contract_platforms":[8]`), 400, ""},
		{"platform index as a string out of range", openaevtest.Version24, input(`"i"`, `,"contract_platforms":["8"]`), 400, ""},
		{"platform negative index", openaevtest.Version24, input(`"i"`, `,"contract_platforms":[-1]`), 400, ""},
		{"platform fraction", openaevtest.Version24, input(`"i"`, `,"contract_platforms":[1.0]`), 400, ""},
		{"platform empty", openaevtest.Version24, input(`"i"`, `,"contract_platforms":[""]`), 400, ""},
		{"platform true", openaevtest.Version24, input(`"i"`, `,"contract_platforms":[true]`), 400, ""},
		{"platform a string, not a list", openaevtest.Version24, input(`"i"`, `,"contract_platforms":"Linux"`), 400, ""},
		{"platforms null", openaevtest.Version24, input(`"i"`, `,"contract_platforms":null`), 200, "openaev_injector_i"},
		// Current's enum order was not read: the stand-in refuses an index.
		{"platform index on Current", openaevtest.Current, input(`"i"`, `,"contract_platforms":[1]`), 400, ""},
		{"attack patterns null", openaevtest.Version24, input(`"i"`, `,"contract_attack_patterns_external_ids":null`), 500, ""},
		{"attack patterns scalars and null", openaevtest.Version24, input(`"i"`, `,"contract_attack_patterns_external_ids":["T1046",1.50,true,null]`), 200, "openaev_injector_i"},
		{"attack patterns a string", openaevtest.Version24, input(`"i"`, `,"contract_attack_patterns_external_ids":"T1046"`), 400, ""},
		{"attack patterns holding an object", openaevtest.Version24, input(`"i"`, `,"contract_attack_patterns_external_ids":[{}]`), 400, ""},
		{"a null domain", openaevtest.Version24, input(`"i"`, `,"contract_domains":[null]`), 500, ""},
		{"a null domain after a stored one", openaevtest.Version24, input(`"i"`, `,"contract_domains":[{"domain_name":"Network"},null]`), 500, ""},
		{"a null domain, the injector with payloads", openaevtest.Version24,
			`{"injector_id":"i","injector_name":"n","injector_type":"t","injector_payloads":true,"injector_contracts":[{"contract_id":"c1",` + content + `,"contract_domains":[null]}]}`, 200, "openaev_injector_i"},
		{"domains a string", openaevtest.Version24, input(`"i"`, `,"contract_domains":"Network"`), 400, ""},
		// InjectorContractInput's labels (Map<String,String>), manual and
		// is_atomic_testing (boolean); InjectorCreateInput's category
		// (String), custom contracts and payloads (Boolean), executor
		// commands (Map<String,String>).
		{"labels strings and scalars", openaevtest.Version24, input(`"i"`, `,"contract_labels":{"en":"x","fr":5,"de":null}`), 200, "openaev_injector_i"},
		{"labels null", openaevtest.Version24, input(`"i"`, `,"contract_labels":null`), 200, "openaev_injector_i"},
		{"labels a list", openaevtest.Version24, input(`"i"`, `,"contract_labels":["x"]`), 400, ""},
		{"labels a string", openaevtest.Version24, input(`"i"`, `,"contract_labels":"x"`), 400, ""},
		{"a label an object", openaevtest.Version24, input(`"i"`, `,"contract_labels":{"en":{"a":1}}`), 400, ""},
		{"manual as text", openaevtest.Version24, input(`"i"`, `,"contract_manual":"TRUE","is_atomic_testing":"false"`), 200, "openaev_injector_i"},
		{"manual 1", openaevtest.Version24, input(`"i"`, `,"contract_manual":1`), 200, "openaev_injector_i"},
		{"manual yes", openaevtest.Version24, input(`"i"`, `,"contract_manual":"yes"`), 400, ""},
		{"atomic testing a list", openaevtest.Version24, input(`"i"`, `,"is_atomic_testing":[true]`), 400, ""},
		{"category an object", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_category":{"a":1},"injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 400, ""},
		{"payloads maybe", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_payloads":"maybe","injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 400, ""},
		{"custom contracts a list", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_custom_contracts":[1],"injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 400, ""},
		{"executor commands a list", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_executor_commands":["a"],"injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 400, ""},
		{"executor clear commands holding an object", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_executor_clear_commands":{"linux":{"a":1}},"injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 400, ""},
		// Both are Booleans bound null (JSON null, or a text Jackson
		// coerces to null), which the handler unboxes into the Injector
		// entity's boolean setters: a NullPointerException, a 500, on a
		// new injector and on an update alike (InjectorService.java:224, 227,
		// 263, 267; Injector.java:57, 71), after the queue is declared (:202).
		{"custom contracts null", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_custom_contracts":null,"injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 500, ""},
		{"payloads null", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_payloads":null,"injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 500, ""},
		{"payloads an empty text", openaevtest.Current, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_payloads":" ","injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 500, ""},
		{"category and commands bound", openaevtest.Version24, `{"injector_id":"i","injector_name":"n","injector_type":"t","injector_category":"c","injector_custom_contracts":false,"injector_executor_commands":{"linux":"x"},"injector_contracts":[{"contract_id":"c1",` + content + `}]}`, 200, "openaev_injector_i"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token, openaevtest.WithVersion(tt.version))
			body, ct := multipartBody(t, tt.input, "application/json", nil, "")
			st, reply := post(t, p, "/api/injectors", token, ct, body)
			if st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
			if st == 200 && reply["listen"] != tt.queue {
				t.Errorf("queue %v, want %q", reply["listen"], tt.queue)
			}
		})
	}
}

// TestRegistrationInputSize: Tomcat counts the input part, a part without
// a filename, as a form parameter against maxPostSize (Spring Boot's 2 MB
// default): its name, '=', its content and a separator; one byte more is
// a 413, nothing stored. A file part (the icon) does not count.
func TestRegistrationInputSize(t *testing.T) {
	const most = openaevtest.MaxFormPostSize - len("input") - 2
	input := registrationInput(nmapContract(nil))
	tests := []struct {
		name string
		size int
		icon []byte
		want int
	}{
		{"at the limit", most, nil, http.StatusOK},
		{"one byte over", most + 1, nil, http.StatusRequestEntityTooLarge},
		{"at the limit, with an icon file of 1 MiB", most, make([]byte, 1<<20), http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openaevtest.NewPlatform(t, token)
			padded := input + strings.Repeat(" ", tt.size-len(input)) // Jackson reads the first value
			body, ct := multipartBody(t, padded, "application/json", tt.icon, "image/png")
			st, reply := post(t, p, "/api/injectors", token, ct, body)
			if st != tt.want {
				t.Fatalf("status %d (%v), want %d", st, reply, tt.want)
			}
			_, registered := p.ContractOutputs("0b7f3674-ac5d-4b95-b749-6665e74a211f")
			if registered != (tt.want == http.StatusOK) {
				t.Errorf("contract registered: %v", registered)
			}
		})
	}
}
