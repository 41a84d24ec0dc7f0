package outbox

import "testing"

func TestParseProcStat(t *testing.T) {
	tail := " 1 2 3 4 5 4194304 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21\n"
	tests := []struct {
		name, raw string
		want      procStat
		ok        bool
	}{
		{"sleeping", "42 (injectkit) S" + tail, procStat{state: 'S', flags: 4194304, start: 987654}, true},
		{"zombie", "42 (injectkit) Z" + tail, procStat{state: 'Z', flags: 4194304, start: 987654}, true},
		{"name with spaces and parentheses", "42 (a) b (c)) R" + tail, procStat{state: 'R', flags: 4194304, start: 987654}, true},
		{"exiting", "42 (injectkit) R 1 2 3 4 5 4194308 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21", procStat{state: 'R', flags: 4194308, start: 987654}, true},
		{"bad flags", "42 (x) S 1 2 3 4 5 -4 7 8 9 10 11 12 13 14 15 16 17 18 987654 20", procStat{}, false},
		{"no name", "42 injectkit S" + tail, procStat{}, false},
		{"too short", "42 (x) S 1 2 3", procStat{}, false},
		{"long state", "42 (x) SS" + tail, procStat{}, false},
		{"bad start", "42 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 -5 20", procStat{}, false},
		{"empty", "", procStat{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.raw))
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseProcStat = %+v, %v; want %+v (ok %t)", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestProcStatGone(t *testing.T) {
	for state, want := range map[byte]bool{'R': false, 'S': false, 'D': false, 'T': false, 'Z': true, 'X': true, 'x': true} {
		if got := (procStat{state: state}).gone(); got != want {
			t.Errorf("state %c: gone %t, want %t", state, got, want)
		}
	}
}

// A process killed closes its sockets in its exit, before it is a zombie:
// the broker then delivers its messages again, and the daemon that takes
// one (the inject's result stored) forgets the starts whose process is
// gone. One still exiting (PF_EXITING: running, or in uninterruptible
// sleep, as it tears down) is gone: it was counted alive, and its start
// stayed in the outbox for ever as a run that ended unfinished, though
// the run had stored its result.
func TestExitingProcessIsGone(t *testing.T) {
	for _, raw := range []string{
		"42 (injectkit) R 1 2 3 4 5 4194308 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21",
		"42 (injectkit) D 1 2 3 4 5 4 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21",
	} {
		st, err := parseProcStat([]byte(raw))
		if err != nil || !st.gone() {
			t.Errorf("%q: gone %t (%v), want a process in its exit gone", raw, st.gone(), err)
		}
	}
	st, err := parseProcStat([]byte("42 (injectkit) S 1 2 3 4 5 4194304 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21"))
	if err != nil || st.gone() {
		t.Errorf("a running process without PF_EXITING: gone %t (%v), want alive", st.gone(), err)
	}
}

// FuzzParseProcStat: no content of a stat file makes the parser panic, and
// what it accepts has a one-letter state.
func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("42 (injectkit) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 987654 20 21\n"))
	f.Add([]byte("1 ()) Z 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, err := parseProcStat(raw)
		switch {
		case err != nil && st != (procStat{}):
			t.Fatalf("error %v with %+v", err, st)
		case err == nil && (st.state == ' ' || st.state == '\t' || st.state == '\n'):
			t.Fatalf("state %q accepted", st.state)
		}
	})
}
