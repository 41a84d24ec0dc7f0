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

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"run", "run", 0}, {"rn", "run", 1}, {"nmpa", "nmap", 1}, {"vesrion", "version", 1},
		{"", "abc", 3}, {"kitten", "sitting", 3}, {"ca", "abc", 3}, {"héllo", "hello", 1},
		{"parma", "param", 1}, {"pram", "param", 1}, {"dco", "doc", 1}, {"Run", "run", 1},
	} {
		if got, back := Distance(tt.a, tt.b), Distance(tt.b, tt.a); got != tt.want || back != tt.want {
			t.Errorf("Distance(%q, %q) = %d, %d backwards; want %d", tt.a, tt.b, got, back, tt.want)
		}
	}
}
