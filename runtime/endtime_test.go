package runtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// end_time is the executor's return, not the end of the host-wide source
// address lookup the run waits for after it (the machine's host name
// looked up from a name server that does not answer, `hostname -i`): that
// wait pushed end_time past the tool's end by as long, t227's finding
// (nmap on 127.0.0.1 done in 0.3 s, end_time 10 s later). As in
// TestRunDurationLeavesOutTheRouteLookup, the lookup here ends only once
// the run has read the clock after its last progress snapshot, and moves
// the clock, the runtime's and the signatures', on by an hour.
func TestRunEndTimeLeavesOutTheRouteLookup(t *testing.T) {
	clock, res, progress := lookupAfterLastSnapshot()
	rt, _ := newRuntime(t, &sender{sends: true}, &recorder{}, runtime.WithClock(clock),
		runtime.WithProgress(progress, time.Hour),
		runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(res), signatures.WithClock(clock))))
	rep, err := rt.Run(context.Background(), runtime.Request{Injector: "fake", Targets: []runtime.TargetSpec{{Value: "127.0.0.1"}}})
	if err != nil {
		t.Fatal(err)
	}
	v := values(t, rep, 0)
	start, err1 := time.Parse(signatures.TimeFormat, v[signatures.FieldStartTime].(string))
	end, err2 := time.Parse(signatures.TimeFormat, v[signatures.FieldEndTime].(string))
	if err1 != nil || err2 != nil {
		t.Fatalf("start_time %v, end_time %v: %v %v", v[signatures.FieldStartTime], v[signatures.FieldEndTime], err1, err2)
	}
	if d := end.Sub(start); d < 0 || d >= time.Hour {
		t.Errorf("end_time %s is %v after start_time %s, want the executor's return, without the address lookup's hour", end, d, start)
	}
}
