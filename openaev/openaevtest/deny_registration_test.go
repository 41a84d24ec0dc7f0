package openaevtest_test

import (
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestDenyRegistration: a token whose user lacks CREATE on INJECTOR is
// refused a registration, 403 with Spring Boot's error JSON, once its
// input is bound and validated (a blank injector_id is still a 400); an
// admin token is not refused.
func TestDenyRegistration(t *testing.T) {
	for _, tt := range []struct {
		name  string
		input string
		admin bool
		want  int
	}{
		{"valid input", registrationInput(nmapContract(nil)), false, 403},
		{"blank injector_id", `{"injector_id":" ","injector_name":"n","injector_type":"t","injector_contracts":[]}`, false, 400},
		{"admin token", registrationInput(nmapContract(nil)), true, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var opts []openaevtest.Option
			if tt.admin {
				opts = append(opts, openaevtest.WithAdminToken())
			}
			p := openaevtest.NewPlatform(t, token, opts...)
			p.DenyRegistration()
			body, ct := multipartBody(t, tt.input, "application/json", nil, "")
			st, reply := post(t, p, "/api/injectors", token, ct, body)
			if st != tt.want {
				t.Fatalf("status %d, want %d (%v)", st, tt.want, reply)
			}
			if st == 403 && (reply["error"] != "Forbidden" || reply["path"] != "/api/injectors" || reply["message"] != nil) {
				t.Errorf("403 body %v, want Spring Boot's error JSON", reply)
			}
		})
	}
}
