package query

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/internal/printable"
)

// Limits of one Shodan request.
const (
	// maxBodyBytes bounds a response body, decoded as it arrives; a full
	// page is a few MiB.
	maxBodyBytes = 64 << 20
	// maxRetryAfter caps the delay a Retry-After header can ask for.
	maxRetryAfter = 2 * time.Minute
	// defaultMinGap is the least time between the end of one request of a
	// key and the start of the next: Shodan allows a key about one request
	// a second and answers 429 beyond.
	defaultMinGap = time.Second
)

// shodan is the Provider for the Shodan host search API
// (GET {base}/shodan/host/search?key=…&query=…&page=N).
type shodan struct {
	base    *url.URL
	key     string
	client  *http.Client
	timeout time.Duration // per request, body included
	retry   retryPolicy
	log     *zap.Logger
	// pace spaces the key's requests, this run's and those of every run
	// sharing the Executor's Pacer: the next starts minGap after the
	// previous one's answer.
	pace   *keyPace
	minGap time.Duration
	// keyWhere says where the key is given (see keyWhere), for a 401's
	// error; "": query's.
	keyWhere string
}

// retryPolicy says how 429 and 5xx answers are retried.
type retryPolicy struct {
	attempts int           // in all, first try included
	delay    time.Duration // first backoff delay, doubled on each retry
	maxDelay time.Duration // cap of the backoff delay
	timer    httpx.Timer   // nil: real time
}

var _ Provider = (*shodan)(nil)

// Search runs query, fetching pages of 100 matches while it holds fewer
// than limit and the engine's total: it stops after ceil(total/100) pages,
// total as page 1 gives it, as shodan-python's search_cursor does (1.30.1
// on: a later page's total is not read, so an engine whose total grows
// with each page costs no more pages, each a query credit), and on an
// empty page; a page may hold fewer than 100 matches before the last, and
// a banner a later page sends again (results shifted between requests)
// is kept once. A
// first page counting matches and holding none is an error
// (ErrNoMatchesSent), not a search that found nothing. On error it
// returns the matches of the pages fetched so far, and the error names
// the page that failed.
func (s *shodan) Search(ctx context.Context, query string, limit int) (Result, error) {
	res := Result{Matches: []Match{}}
	if s.key == "" {
		return res, fmt.Errorf("%w (set %s)", ErrMissingAPIKey, cmp.Or(s.keyWhere, keyWhere("")))
	}
	if limit <= 0 {
		return res, nil
	}
	pages := 0 // ceil(total/100), from page 1
	seen := map[bannerID]bool{}
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p, err := s.fetch(ctx, query, page)
		if err != nil {
			if ae, ok := errors.AsType[*APIError](err); ok {
				ae.keyWhere = s.keyWhere
			}
			return res, fmt.Errorf("shodan: page %d: %w", page, err)
		}
		if page == 1 {
			res.Total, pages = p.Total, (p.Total+pageSize-1)/pageSize
			if p.Total > 0 && len(p.Matches)+p.Dropped == 0 {
				return res, fmt.Errorf("shodan: page 1: %w", &countOnlyError{total: p.Total, keyWhere: s.keyWhere})
			}
		}
		res.Matches, res.Dropped = appendNew(res.Matches, p.Matches, seen), res.Dropped+p.Dropped
		if len(res.Matches) >= limit {
			res.Matches = res.Matches[:limit]
			return res, nil
		}
		if len(p.Matches)+p.Dropped == 0 || len(res.Matches) >= res.Total || page >= pages {
			return res, nil
		}
	}
}

// bannerID is what tells one Shodan banner from another: its service, when
// it was collected and the host names it was collected for (a web
// server's virtual hosts may each have their own). A banner a later page
// sends again is the same in all of them.
type bannerID struct {
	ip        string
	port      int
	transport string
	timestamp string
	hostnames string
}

// appendNew appends to ms the matches of page whose banner no earlier
// page sent, then marks the page's banners seen: results that change
// between the requests of one query (new banners ahead, a total
// shrinking) shift banners from a page onto the next, which would send
// one twice. A page's own banners are all kept.
func appendNew(ms, page []Match, seen map[bannerID]bool) []Match {
	ids := make([]bannerID, len(page))
	for i, m := range page {
		ids[i] = bannerID{m.IP, m.Port, m.Transport, m.Timestamp, strings.Join(m.Hostnames, "\x00")}
		if !seen[ids[i]] {
			ms = append(ms, m)
		}
	}
	for _, id := range ids {
		seen[id] = true
	}
	return ms
}

// fetch gets one page, retrying 429 and 5xx answers (see poster).
func (s *shodan) fetch(ctx context.Context, query string, page int) (searchPage, error) {
	u := searchURL(s.base, s.key, query, page)
	shown := redactURL(u)
	done, err := s.pace.wait(ctx, s.minGap, s.log)
	if err != nil {
		if page == 1 {
			return searchPage{}, &notSentError{err: err}
		}
		return searchPage{}, err
	}
	defer func() {
		if done != nil {
			done()
		}
	}()
	s.log.Debug("shodan request", zap.String("url", shown), zap.Int("page", page))
	var p searchPage
	// Whether an attempt got a connection to send the query on (as the
	// poster counts one that may have reached the server), or an answer.
	var connected, answered atomic.Bool
	tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }})
	_, err = s.poster().Do(tctx, httpx.Request{Op: "shodan search", Method: http.MethodGet, URL: u.String(), Shown: shown,
		Header: http.Header{"Accept": {"application/json"}, "User-Agent": {"injectkit-query"}},
		Fields: []zap.Field{zap.String("url", shown), zap.Int("page", page)},
		// A retry's wait frees the key for the other runs sharing it
		// unless the engine spoke of the key's rate (see keyFreed); the
		// retry takes the key's turn again, paced as any request.
		Retrying: func(he *httpx.HTTPError) {
			if keyFreed(he) {
				done()
				done = nil
			}
		},
		Before: func(ctx context.Context, _, _ int) (err error) {
			if done == nil {
				done, err = s.pace.wait(ctx, s.minGap, s.log)
			}
			return err
		},
		Decode: func(status int, body io.Reader) (err error) {
			answered.Store(true)
			p, err = s.readAnswer(status, body)
			return err
		}})
	if err != nil {
		he, ok := errors.AsType[*httpx.HTTPError](err)
		ie, cut := errors.AsType[*httpx.InterruptedError](err)
		answered := answered.Load() || ok && he.Status != 0 || cut && (ie.Last != nil || ie.Connected)
		err = s.requestError(ctx, err)
		if page == 1 && !connected.Load() && !answered {
			return searchPage{}, &notSentError{err: err}
		}
		return searchPage{}, err
	}
	return p, nil
}

// keyFreed reports whether the wait before retrying he, a retryable
// answer, gives the key's turn to the other runs sharing the key (serve's
// workers): a server error (a 500, a proxy's 502 or 504, a 503 asking no
// wait) says nothing of the key, and its backoff (1 s, 2 s, 4 s) would
// stall every other inject of the key while the rate asks one second; a
// 429 is the key's rate spent (another process searching with it, say),
// and a Retry-After the engine's wait, which the others would meet too:
// the turn is held through them.
func keyFreed(he *httpx.HTTPError) bool {
	return he.Status != http.StatusTooManyRequests && he.RetryAfter <= 0
}

// notSentError is the error of a query whose first page never reached
// the engine: cut (deadline, cancellation) while it waited for its turn,
// or every attempt of its request failed before it got a connection (a
// connection refused, a name that does not resolve, a TLS handshake or a
// proxy's CONNECT refused, the deadline meanwhile). It reads as the
// error it holds.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// readAnswer decodes a 2xx answer as it arrives: a page for a 200, and for
// another 2xx an error answer, whose message is read by httpx's reader of
// an error answer, as a non-2xx answer's is (a read error is the poster's
// to report: an unreadable reply). A 200's "error" text goes through the
// same reader: redacted, then cut to its 4 KiB.
func (s *shodan) readAnswer(status int, body io.Reader) (searchPage, error) {
	if status == http.StatusOK {
		p, err := parseSearchPage(status, body)
		if ae, ok := errors.AsType[*APIError](err); ok {
			ae.Message = s.engineText(httpx.ReadErrorBody(strings.NewReader(ae.Message), s.key))
		}
		return p, err
	}
	return searchPage{}, newAPIError(status, s.errorText(httpx.ReadErrorBody(body, s.key)), 0)
}

// errorText returns the "error" text of an error answer's body, read by
// httpx.ReadErrorBody, checked again once decoded (Redactor.ServerText):
// the key split over lines travels in JSON as "\n" escapes, which the
// check of the raw body cannot see as line breaks.
func (s *shodan) errorText(body string) string {
	return s.engineText(errorBody([]byte(body)))
}

// engineText returns the engine's message as the injector shows it (in a
// target's error, its query_error signature, the platform's terminal
// message): redacted (Redactor.ServerText), its control and format
// characters and line and paragraph separators escaped (escapeUnprintable),
// then checked again, the escapes being new text.
func (s *shodan) engineText(msg string) string {
	red := httpx.NewRedactor(s.key)
	return red.ServerText(escapeUnprintable(red.ServerText(msg)))
}

// escapeUnprintable returns s with each control character (C0, DEL, C1:
// an ANSI escape, a line break), format character (a bidi override,
// U+200B), line or paragraph separator and invalid UTF-8 byte written as
// Go writes it in a quoted string (\x1b, \r\n, \u202e, \xff): what the
// engine said, shown, where written as it is it would recolour a
// terminal, make what an analyst reads differ from what was sent, or
// split a log line. Printable text, in any script, is kept as it is.
func escapeUnprintable(s string) string {
	return printable.Escape(s, unprintable)
}

// unprintable reports whether r is shown escaped in what the engine said.
func unprintable(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// poster returns the retrying poster of one request: 429 and 5xx answers
// are retried, after the engine's Retry-After (capped at maxRetryAfter)
// or the policy's backoff, and never sooner than minGap after the answer
// retried: a retry is a request of the key, paced as the others (the
// request holds the key's turn through a 429's wait or a Retry-After's,
// and gives it to the other runs of the key through a server error's
// backoff: keyFreed); a network error or a timeout
// is not retried. Retries are logged at WARN, the API key redacted.
func (s *shodan) poster() *httpx.Poster {
	return &httpx.Poster{Client: s.client, Attempts: max(s.retry.attempts, 1), Backoff: s.retry.backoff,
		MaxRetryAfter: maxRetryAfter, MinWait: s.minGap, Timeout: s.timeout, Retryable: retryable, Secrets: []string{s.key},
		MaxReply: maxBodyBytes, Log: s.log, Timer: s.retry.timer}
}

// requestError classifies a failed request: the caller's cancellation is
// returned as it is, an error answer as an *APIError (wrapped with what
// the engine asked when its Retry-After outlasts the deadline), the per-request
// deadline as ErrRequestTimeout, and any other failure with its URL and
// text redacted.
func (s *shodan) requestError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	var he *httpx.HTTPError
	switch {
	case !errors.As(err, &he):
		return redactError(err, s.key)
	case he.Err == nil:
		ae := newAPIError(he.Status, s.errorText(he.Body), he.RetryAfter)
		if le, ok := errors.AsType[*httpx.LateRetryError](err); ok {
			// The engine's wait outlasts the inject: not slept into its
			// deadline, said with what would let the query through.
			ae.late = true
			return fmt.Errorf("%w; %s (give the inject a timeout past that wait, or run it again once the wait has passed)",
				ae, strings.Replace(le.Reason(), "the server", "the engine", 1))
		}
		return ae
	case errors.Is(he.Err, context.DeadlineExceeded):
		return fmt.Errorf("%w after %s", ErrRequestTimeout, s.timeout)
	}
	return he.Err // its URL and text already redacted by the poster
}

// backoff is the wait before retry n when the engine asked for none: an
// exponential backoff from delay, capped at maxDelay, plus up to a quarter
// of it at random.
func (p retryPolicy) backoff(n int) time.Duration {
	if p.delay <= 0 {
		return 0
	}
	d := httpx.Exponential(p.delay, p.maxDelay)(n)
	return d + rand.N(d/4+1)
}
