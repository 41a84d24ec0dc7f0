package outbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/internal/httpx"
)

// The README's account of the callback client's HTTP behaviour gives the
// numbers of internal/httpx and of this package: a constant changed
// fails this test until the README says the same.
func TestReadmeCallbackHTTP(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const head = "#### Callback HTTP: attempts, waits, and what each answer does"
	_, sec, ok := strings.Cut(string(md), head)
	if !ok {
		t.Fatalf("README.md has no section %q", head)
	}
	sec, _, _ = strings.Cut(sec, "\n#")          // to the next heading
	sec = strings.Join(strings.Fields(sec), " ") // line breaks as spaces
	backoff := httpx.Exponential(httpx.DefaultDelay, 0)
	var waits []string
	total := time.Duration(httpx.DefaultAttempts) * httpx.DefaultTimeout
	for n := 1; n < httpx.DefaultAttempts; n++ {
		waits = append(waits, secs(backoff(n)))
		total += backoff(n)
	}
	want := []string{
		fmt.Sprintf("**Attempts**: %d per body (1 try and %d retries)", httpx.DefaultAttempts, httpx.DefaultAttempts-1),
		"**Waits**: " + strings.Join(waits, ", ") + " between them",
		"capped at " + secs(httpx.DefaultMaxRetryAfter),
		fmt.Sprintf(`"asked 3600s, waiting %s"`, httpx.DefaultMaxRetryAfter.String()),
		// A Retry-After asking for no wait waits the first backoff step.
		"A `Retry-After` of 0, or a date not in the future, asks for no wait of its own: the backoff step applies, never a retry at once",
		fmt.Sprintf(`"asked 0s, waiting %s"`, backoff(1).String()),
		"**Timeout**: " + secs(httpx.DefaultTimeout) + " per attempt",
		"`no answer within " + httpx.DefaultTimeout.String() + "`",
		fmt.Sprintf("%d × %s + %s = %d min %d s", httpx.DefaultAttempts, secs(httpx.DefaultTimeout),
			strings.Join(waits, " + "), int(total.Minutes()), int(total.Seconds())%60),
		fmt.Sprintf("waits %d min (the longest backoff)", int(MaxBackoff.Minutes())),
		fmt.Sprintf("due %s after its last failed request, the wait doubling with each failed request up to %d min", secs(MinBackoff), int(MaxBackoff.Minutes())),
		fmt.Sprintf("a body whose %d attempts all failed is due %s later", httpx.DefaultAttempts, secs(Backoff(httpx.DefaultAttempts, 0))),
	}
	for _, w := range want {
		if !strings.Contains(sec, w) {
			t.Errorf("README.md %q does not say %q", head, w)
		}
	}
}

// secs writes d as the README does: "30 s".
func secs(d time.Duration) string { return fmt.Sprintf("%d s", int(d.Seconds())) }

// The README's table of answers is the callback profile's, whose bodies
// serve never sends: a 301 or 308's wait is said as what outbox list shows,
// not as serve's.
func TestReadmeMovedWaitIsNotServes(t *testing.T) {
	md, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(md), "\n") {
		if !strings.HasPrefix(line, "| 3xx |") {
			continue
		}
		if strings.Contains(line, "`serve`") || !strings.Contains(line, "`outbox list` shows") {
			t.Errorf("README.md's 3xx row speaks of serve, or not of outbox list: %s", line)
		}
		return
	}
	t.Fatal("README.md has no 3xx row")
}
