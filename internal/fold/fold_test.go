package fold

import "testing"

func TestName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"endpoint_url", "endpointurl"},
		{"endpoint-url", "endpointurl"},
		{"Endpoint.URL", "endpointurl"},
		{"endpointUrl", "endpointurl"},
		{"endpoint url", "endpointurl"},
		{"API_Key2", "apikey2"},
		{"", ""},
	} {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
