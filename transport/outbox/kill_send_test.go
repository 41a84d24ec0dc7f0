package outbox_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/outbox"
)

// killedProfile sends n bodies of size bytes, as the callback profile's
// chunks of a large result; its backend takes each body it is posted,
// saying "took N" on stdout, but the post number killAt, which says
// "posting" and never returns: the parent kills the process then.
type killedProfile struct {
	n, size, killAt int
	posts           int
}

func (p *killedProfile) Bodies(context.Context, *runtime.Report) (outbox.Bodies, error) {
	return outbox.Bodies{N: p.n, Size: int64(p.n * p.size), Seq: func(yield func(outbox.Entry) bool) {
		for i := range p.n {
			body := bytes.Repeat([]byte{byte('a' + i%26)}, p.size)
			copy(body, strconv.Itoa(i)) // each body its own
			if !yield(outbox.Entry{InjectID: "killed", Phase: "p", ChunkIndex: i, TotalChunks: p.n,
				BaseURL: "http://127.0.0.1:1", Body: body}) {
				return
			}
		}
	}}, nil
}

func (p *killedProfile) PostBody(_ context.Context, _ string, chunk int, _ []byte) error {
	p.posts++
	if p.posts == p.killAt {
		fmt.Println("posting")
		_, _ = io.Copy(io.Discard, os.Stdin) // on the wire: the parent kills the process now
	}
	fmt.Println("took", chunk)
	return nil
}

// TestHelperDeliverKilled is the child process of TestSendKilledMidDelivery:
// OUTBOX_KILLSEND_CHILD is "<outbox>|<n>|<size>|<killAt>".
func TestHelperDeliverKilled(t *testing.T) {
	arg := os.Getenv("OUTBOX_KILLSEND_CHILD")
	if arg == "" {
		t.Skip("helper process")
	}
	f := strings.Split(arg, "|")
	n, _ := strconv.Atoi(f[1])
	size, _ := strconv.Atoi(f[2])
	killAt, _ := strconv.Atoi(f[3])
	s, err := outbox.Open(f[0], outbox.Options{Shared: true, Timeout: outbox.DefaultTimeout})
	if err != nil {
		os.Exit(3)
	}
	_ = (&outbox.Deliverer{Profile: &killedProfile{n: n, size: size, killAt: killAt}, Store: s}).Deliver(context.Background(), nil)
	os.Exit(4) // never reached: killed during a post
}

// A run killed (SIGKILL) during the POST of one of its bodies loses
// none: every chunk the backend did not take is pending in the outbox,
// for a flush, and no send is incomplete. A send stored in more than one
// transaction (past 1 MiB of bodies, or 512 bodies) posted its first
// bodies as soon as their transaction committed, the next ones stored
// only as the posts kept up: a kill at its first POST left only the first
// chunk of six, or of 600, stored, the others lost for good (a 10 000-target
// run of the CLI, five bodies of 1 MiB, killed at its first POST: four
// chunks lost, `outbox flush` saying "1 send lost chunks never stored").
func TestSendKilledMidDelivery(t *testing.T) {
	for _, tt := range []struct {
		name            string
		n, size, killAt int
	}{
		{"one body", 1, 1 << 10, 1},
		{"six bodies in one transaction", 6, 1 << 10, 1},
		{"six bodies of 600 KB, first post", 6, 600 << 10, 1},
		{"six bodies of 600 KB, fourth post", 6, 600 << 10, 4},
		{"600 bodies of 1 KB, first post", 600, 1 << 10, 1},
		{"600 bodies of 1 KB, 513th post", 600, 1 << 10, 513},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "outbox.db")
			cmd, out := outbox.StartChild(t, "TestHelperDeliverKilled",
				fmt.Sprintf("OUTBOX_KILLSEND_CHILD=%s|%d|%d|%d", path, tt.n, tt.size, tt.killAt))
			var took []int
			sc := bufio.NewScanner(out)
			for sc.Scan() && sc.Text() != "posting" {
				if c, ok := strings.CutPrefix(sc.Text(), "took "); ok {
					i, _ := strconv.Atoi(c)
					took = append(took, i)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			s, err := outbox.Open(path, outbox.Options{Shared: true, Timeout: outbox.DefaultTimeout})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if in, err := s.Incomplete(); len(in) != 0 || err != nil {
				t.Errorf("incomplete sends %+v (%v), want none: chunks lost", in, err)
			}
			pending := pendingChunks(t, s)
			if len(took) != tt.killAt-1 {
				t.Fatalf("the backend took %d bodies before the kill, want %d", len(took), tt.killAt-1)
			}
			for i := range tt.n {
				if !slices.Contains(pending, i) && !slices.Contains(took, i) {
					t.Errorf("chunk %d neither taken by the backend nor pending in the outbox (%d of %d pending)", i, len(pending), tt.n)
					break
				}
			}
		})
	}
}
