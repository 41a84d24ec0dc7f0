package callback

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
)

// leastFit, which follows the refusals' rooms, finds the size a search up
// from the refused limit finds (transport.LeastFit from limit+1, as it
// searched before), for every limit that refuses a target: one target or
// several, alike or each a little larger than the one before (more
// refusals than leastFit follows), attributed or not, with one to three
// expectation types; and in fewer plans.
func TestLeastFitIsTheSearchFromTheLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	host := func(n int) string { return strings.Repeat("h", n) + ".example" }
	tests := []struct {
		name    string
		targets func() []runtime.TargetSpec
	}{
		{"one address", func() []runtime.TargetSpec { return []runtime.TargetSpec{{Value: "10.0.0.1"}} }},
		{"one long host name", func() []runtime.TargetSpec { return []runtime.TargetSpec{{Value: host(60)}} }},
		{"two alike", func() []runtime.TargetSpec { return []runtime.TargetSpec{{Value: host(30)}, {Value: host(30)}} }},
		{"each larger", func() []runtime.TargetSpec {
			var s []runtime.TargetSpec
			for i := range 8 {
				s = append(s, runtime.TargetSpec{Value: host(4 + 5*i)})
			}
			return s
		}},
		{"each smaller, attributed", func() []runtime.TargetSpec {
			var s []runtime.TargetSpec
			for i := range 6 {
				s = append(s, runtime.TargetSpec{Value: host(60 - 9*i), Asset: strings.Repeat("a", 36)})
			}
			return s
		}},
		{"drawn at random", func() []runtime.TargetSpec {
			s := make([]runtime.TargetSpec, 1+rng.IntN(5))
			for i := range s {
				s[i] = runtime.TargetSpec{Value: fmt.Sprintf("10.0.%d.%d", rng.IntN(256), rng.IntN(256))}
				if rng.IntN(2) == 0 {
					s[i] = runtime.TargetSpec{Value: host(1 + rng.IntN(60)), Agent: strings.Repeat("g", rng.IntN(40))}
				}
			}
			return s
		}},
	}
	types := []string{"DETECTION", "PREVENTION", "VULNERABILITY"}
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{} })
	// The machine's source addresses would change the sizes, and the
	// counts of plans compared below.
	rt := runtime.New(reg, runtime.WithSignatures(signatures.NewManager(signatures.WithResolver(signatures.Resolver{
		Getenv:         func(string) string { return "192.168.100.200" },
		InterfaceAddrs: func() ([]netip.Addr, error) { return []netip.Addr{netip.MustParseAddr("2001:db8::1")}, nil },
	}))))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refused, before, after int
			for n := 1; n <= len(types); n++ {
				p, err := rt.Validate(context.Background(), runtime.Request{InjectID: "inj-1", Injector: "fake",
					ExpectationTypes: types[:n], Targets: tt.targets()})
				if err != nil {
					t.Fatal(err)
				}
				plan := leastPlan(p)
				for limit := 150; ; limit += 1 + rng.IntN(32) {
					err := plan(limit)
					var tl *transport.TargetTooLargeError
					if err == nil {
						break
					}
					if !errors.As(err, &tl) {
						continue // below the smallest body: refused before any target
					}
					refused++
					want := transport.LeastFit(limit+1, maxFit, func(size int) bool { before++; return plan(size) == nil })
					got := leastFit(tl, func(size int) error { after++; return plan(size) })
					if got != want {
						t.Fatalf("%d types, limit %d (%+v): leastFit = %d, the search from the limit %d", n, limit, *tl, got, want)
					}
				}
			}
			if refused == 0 {
				t.Fatal("no limit refused a target")
			}
			if after >= before {
				t.Errorf("%d refused limits: leastFit planned %d times, the search from the limit %d", refused, after, before)
			}
			t.Logf("%d refused limits: %d plans, from the limit %d", refused, after, before)
		})
	}
}

// leastFit returns the least size that plans, whatever the refusals say
// the next size is: the answer, below it, above it (then it searches
// down), far above, a byte past the size refused each time (more refusals
// than it follows), below the sizes already refused, nothing (Room 0), or
// an error that is no refusal of a target; the answer just above the
// limit, at maxFit, or past it (0).
func TestLeastFitWhateverTheRefusalsSay(t *testing.T) {
	const limit = 500
	errOther := errors.New("not a target too large")
	nexts := []struct {
		name string
		next func(size, need int) int // -1: Room 0; -2: errOther
		most int                      // plans at most when some size plans; 0: not counted
	}{
		{"the answer", func(_, need int) int { return need }, 2},
		{"just below it", func(_, need int) int { return need - 1 }, 2},
		{"below it", func(_, need int) int { return need - 7 }, 0},
		{"above it", func(_, need int) int { return need + 5 }, 0},
		{"far above it", func(_, need int) int { return need + 1<<20 }, 0},
		{"a byte on", func(size, _ int) int { return size + 1 }, 0},
		{"behind", func(size, _ int) int { return size - 10 }, 0},
		{"no room", func(int, int) int { return -1 }, 0},
		{"another error", func(int, int) int { return -2 }, 0},
	}
	needs := []int{limit + 1, limit + 2, limit + 3, limit + 40, limit + 1000, 1 << 24, maxFit - 1, maxFit, maxFit + 1}
	for _, nx := range nexts {
		for _, need := range needs {
			t.Run(fmt.Sprintf("%s, need %d", nx.name, need), func(t *testing.T) {
				plan := func(size int) error {
					if size >= need {
						return nil
					}
					switch g := nx.next(size, need); g {
					case -1:
						return &transport.TargetTooLargeError{Max: size, Size: 10}
					case -2:
						return errOther
					default: // Max + Size - Room is g
						return &transport.TargetTooLargeError{Max: size, Size: g - size + 100, Room: 100}
					}
				}
				var tl *transport.TargetTooLargeError
				if !errors.As(plan(limit), &tl) {
					tl = &transport.TargetTooLargeError{Max: limit, Size: 10} // refused by another error at the limit
				}
				want := 0
				if need <= maxFit {
					want = need
				}
				plans := 0
				got := leastFit(tl, func(size int) error {
					plans++
					if size <= limit || size > maxFit {
						t.Fatalf("planned with %d, outside %d..%d", size, limit+1, maxFit)
					}
					return plan(size)
				})
				if got != want {
					t.Errorf("leastFit = %d, want %d", got, want)
				}
				if nx.most > 0 && want > 0 && plans > nx.most {
					t.Errorf("%d plans, want at most %d", plans, nx.most)
				}
			})
		}
	}
}
