package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// TestTargetsFileListSizedAtMostItsBound checks that the list made for
// the lines a targets file counts ahead holds at most maxPresized bytes:
// sized to the count alone, 16 MiB of one host name's lines made a list
// of 512 MB for the one target kept.
func TestTargetsFileListSizedAtMostItsBound(t *testing.T) {
	limit := maxPresized / int(unsafe.Sizeof(framework.Target{}))
	path := targetsFile(t, strings.Repeat("a\n", limit+1000))
	l := newTargetList(1, true)
	l.source(fromFlags, "--target")
	lines := 0
	err := readTargetsFile(context.Background(), l, path, "", func(v string, o origin) error {
		if lines++; lines > 1 {
			return nil // each a duplicate of the first: dropped
		}
		return l.add(runtime.TargetSpec{Value: v}, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	if lines != limit+1000 || cap(l.typed) > limit+1 {
		t.Errorf("%d lines read, list capacity %d; want %d, at most %d", lines, cap(l.typed), limit+1000, limit+1)
	}
}

// TestInjectFileListSizedAtMostItsBound checks that the list of an
// inject file's targets is made for its count of entries, at most
// maxPresized bytes of them: sized to the count alone, an inject file of
// 22 million {} made a list of 5 GB with --profile openaev, which keeps
// each as written (1.4 GB typed), for the one target kept.
func TestInjectFileListSizedAtMostItsBound(t *testing.T) {
	specLimit := maxPresized / int(unsafe.Sizeof(runtime.TargetSpec{}))
	var distinct strings.Builder
	for i := range 1000 {
		if i > 0 {
			distinct.WriteByte(',')
		}
		fmt.Fprintf(&distinct, `{"value":"10.0.%d.%d"}`, i>>8, i&255)
	}
	tests := []struct {
		name     string
		lenient  bool
		targets  string
		wantKept int
		wantCap  int // at most
	}{
		{"sized once", false, distinct.String(), 1000, 1000},
		{"kept as written", true, `{"value":"10.0.0.1"}` + strings.Repeat(",{}", specLimit+1000), 2, specLimit + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(`{"injector":"noop","targets":[` + tt.targets + `]}`)
			_, specs, err := runtime.DecodeInjectFile("x.json", data)
			if err != nil {
				t.Fatal(err)
			}
			cfg := runConfig{InjectFile: "x.json", MaxTargets: 65536}
			if tt.lenient {
				cfg.Profile = ProfileOpenAEV
			}
			l, err := injectFileTargets(cfg, specs)
			if err != nil {
				t.Fatal(err)
			}
			if got := max(cap(l.typed), cap(l.specs)); got > tt.wantCap || l.len() != tt.wantKept {
				t.Errorf("%d targets kept, list capacity %d; want %d, at most %d", l.len(), got, tt.wantKept, tt.wantCap)
			}
		})
	}
}
