package main

import "testing"

// TestCountsPerInject: each count shared over the injects, with two
// decimals; a count the system does not give (-1) is n/a.
func TestCountsPerInject(t *testing.T) {
	tests := []struct {
		c    counts
		n    int
		want string
	}{
		{counts{syscw: 30000, wbytes: 2000 * 17 * 1024, minflt: 7000, ctxsw: 28000}, 2000,
			"syscw/inject=15.00 wKiB/inject=17.00 faults/inject=3.50 ctxsw/inject=14.00"},
		{counts{syscw: 1, wbytes: 512, minflt: 0, ctxsw: 3}, 4,
			"syscw/inject=0.25 wKiB/inject=0.12 faults/inject=0.00 ctxsw/inject=0.75"},
		{counts{syscw: -1, wbytes: -1, minflt: 10, ctxsw: 10}, 10,
			"syscw/inject=n/a wKiB/inject=n/a faults/inject=1.00 ctxsw/inject=1.00"},
	}
	for _, tt := range tests {
		if got := tt.c.perInject(tt.n); got != tt.want {
			t.Errorf("%+v.perInject(%d) = %q, want %q", tt.c, tt.n, got, tt.want)
		}
	}
}
