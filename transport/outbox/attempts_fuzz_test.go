package outbox

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// attemptIDs are the record ids FuzzParseAttempts writes lines of: some
// the start of another's digits, as a line cut short would make them.
var attemptIDs = []uint64{1, 12, 123, 2, 21, 7}

// attemptsFile writes the file of attempts a process writes (noteStart,
// noteAnswer, endAttempts), one line an op: op%3 is the kind (start,
// answer, end), op/3 the record.
func attemptsFile(ops []byte) []byte {
	var b []byte
	at := time.Unix(1_780_000_000, 0)
	for i, op := range ops {
		id := attemptIDs[int(op/3)%len(attemptIDs)]
		switch op % 3 {
		case 0:
			b = appendStart(b, id, at.Add(time.Duration(i)*time.Second))
		case 1:
			b = fmt.Appendf(b, "a %d %d\n", id, 300+int(op)%300)
		case 2:
			b = append(strconv.AppendUint(append(b, "e "...), id, 10), '\n')
		}
	}
	return b
}

// modelAttempts is a second reading of whole lines of attempts: the
// attempts started and not ended, in the order of their first start.
func modelAttempts(ops []byte, pid int) []interruptedAttempt {
	type open struct {
		at       time.Time
		answered int
	}
	at := time.Unix(1_780_000_000, 0)
	started := map[uint64]*open{}
	var order []uint64
	for i, op := range ops {
		id := attemptIDs[int(op/3)%len(attemptIDs)]
		switch op % 3 {
		case 0:
			if started[id] == nil {
				order = append(order, id)
			}
			started[id] = &open{at: at.Add(time.Duration(i) * time.Second)}
		case 1:
			if o := started[id]; o != nil {
				o.answered = 300 + int(op)%300
			}
		case 2:
			delete(started, id)
		}
	}
	var out []interruptedAttempt
	for _, id := range order {
		if o := started[id]; o != nil {
			out = append(out, interruptedAttempt{id: id, pid: pid, at: o.at, answered: o.answered})
			delete(started, id)
		}
	}
	return out
}

// FuzzParseAttempts checks the reading of a file of attempts a killed
// process left: its lines as written read as a second reading does
// (modelAttempts), and the file cut anywhere by a power loss (its last
// line without its newline) reads as its whole lines do: a line cut short
// ("e 12" as "e 1", a start's time cut) is passed over, never read as
// another.
func FuzzParseAttempts(f *testing.F) {
	f.Add([]byte{0, 3, 5}, uint16(52))     // s 1, s 12, e 12 cut to "e 1"
	f.Add([]byte{0, 1, 3, 2}, uint16(200)) // s 1, a 1, s 12, e 1
	f.Add([]byte{6, 6, 9, 8, 7}, uint16(30))
	f.Add([]byte{}, uint16(0))
	f.Fuzz(func(t *testing.T, ops []byte, cut uint16) {
		raw := attemptsFile(ops)
		if got, want := parseAttempts(raw, 9), modelAttempts(ops, 9); !reflect.DeepEqual(got, want) {
			t.Fatalf("parseAttempts(%q) = %+v, want %+v", raw, got, want)
		}
		c := int(cut) % (len(raw) + 1)
		whole := raw[:bytes.LastIndexByte(raw[:c], '\n')+1]
		if got, want := parseAttempts(raw[:c], 9), parseAttempts(whole, 9); !reflect.DeepEqual(got, want) {
			t.Fatalf("parseAttempts(%q), cut after %d bytes, = %+v; its whole lines read %+v", raw[:c], c, got, want)
		}
	})
}
