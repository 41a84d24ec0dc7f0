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

func TestClosest(t *testing.T) {
	cmds := []string{"run", "validate", "serve", "injectors", "outbox", "version", "completion"}
	for _, tt := range []struct {
		typed string
		cands []string
		want  string
	}{
		{"rn", cmds, "run"}, {"srve", cmds, "serve"}, {"injector", cmds, "injectors"}, {"comp", cmds, "completion"},
		{"RUN", cmds, "run"}, {"run", cmds, ""}, {"x", cmds, ""}, {"frobnicate", cmds, ""}, {"", cmds, ""},
		{"v", cmds, ""}, // too short to be a prefix
		{"ve", cmds, "version"},
		{"nmpa", []string{"cloudscan", "nmap", "noop", "query"}, "nmap"},
		{"backend", []string{"backend-url", "token"}, "backend-url"},
		{"outbox-m", []string{"outbox", "outbox-max-bytes"}, "outbox"}, // nearest wins over a prefix
	} {
		if got := Closest(tt.typed, tt.cands); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}
