package hook

import (
	"errors"
	"testing"
)

func TestCall(t *testing.T) {
	plain := errors.New("refused")
	tests := []struct {
		name string
		f    func() error
		want string // the error's text, "" for none
	}{
		{"returns nil", func() error { return nil }, ""},
		{"returns its error", func() error { return plain }, "refused"},
		{"panics", func() error { panic("boom") }, "injector nmap: Configure panicked: boom"},
		{"an unnamed panic gets the name", func() error { return &PanicError{Method: "NewParams", Value: "x"} },
			"injector nmap: NewParams panicked: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Call("nmap", "Configure", tt.f)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Call = %v, want nil", err)
			case tt.want != "" && (err == nil || err.Error() != tt.want):
				t.Fatalf("Call = %v, want %q", err, tt.want)
			}
		})
	}
	var pe *PanicError
	if err := Call("nmap", "Close", func() error { panic("x") }); !errors.As(err, &pe) || len(pe.Stack) == 0 {
		t.Errorf("a panic is %#v, want a *PanicError with its stack", err)
	}
	if got := (&PanicError{Method: "Validate", Value: 1}).Error(); got != "Validate panicked: 1" {
		t.Errorf("without an injector: %q", got)
	}
}
