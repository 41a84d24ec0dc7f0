package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/avast/retry-go/v4"
	"go.uber.org/zap"
)

// Limits of one Shodan request.
const (
	// maxBodyBytes bounds a response body; a full page is a few MiB.
	maxBodyBytes = 64 << 20
	// maxRetryAfter caps the delay a Retry-After header can ask for.
	maxRetryAfter = 2 * time.Minute
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
}

// retryPolicy says how 429 and 5xx answers are retried.
type retryPolicy struct {
	attempts uint          // in all, first try included
	delay    time.Duration // first backoff delay, doubled on each retry
	maxDelay time.Duration // cap of the backoff delay
	timer    retry.Timer   // nil: real time
}

var _ Provider = (*shodan)(nil)

// Search runs query, fetching pages of 100 matches until it holds limit
// matches, the engine has no more, or a page comes back short. On error it
// returns the matches of the pages fetched so far.
func (s *shodan) Search(ctx context.Context, query string, limit int) (Result, error) {
	res := Result{Matches: []Match{}}
	if s.key == "" {
		return res, ErrMissingAPIKey
	}
	if limit <= 0 {
		return res, nil
	}
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		p, err := s.fetch(ctx, query, page)
		if err != nil {
			return res, fmt.Errorf("shodan: page %d: %w", page, err)
		}
		res.Total = p.Total
		res.Matches = append(res.Matches, p.Matches...)
		if len(res.Matches) >= limit {
			res.Matches = res.Matches[:limit]
			return res, nil
		}
		if len(p.Matches) < pageSize || len(res.Matches) >= p.Total {
			return res, nil
		}
	}
}

// fetch gets one page, retrying 429 and 5xx answers.
func (s *shodan) fetch(ctx context.Context, query string, page int) (searchPage, error) {
	u := searchURL(s.base, s.key, query, page)
	shown := redactURL(u)
	attempt := 0
	p, err := retry.DoWithData(
		func() (searchPage, error) {
			attempt++
			s.log.Debug("shodan request", zap.String("url", shown), zap.Int("page", page), zap.Int("attempt", attempt))
			return s.do(ctx, u)
		},
		retry.Context(ctx),
		retry.Attempts(max(s.retry.attempts, 1)),
		retry.LastErrorOnly(true),
		retry.RetryIf(retryable),
		retry.DelayType(s.retry.delayFor),
		retry.WithTimer(s.retry.timerOrReal()),
		retry.OnRetry(func(n uint, err error) {
			s.log.Info("shodan request retried", zap.String("url", shown), zap.Int("page", page),
				zap.Uint("retry", n+1), zap.String("reason", err.Error()))
		}),
	)
	if err != nil {
		return searchPage{}, redactError(err, s.key)
	}
	return p, nil
}

// do sends one request and decodes its answer.
func (s *shodan) do(ctx context.Context, u *url.URL) (searchPage, error) {
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return searchPage{}, redactError(err, s.key)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "injectkit-query")
	resp, err := s.client.Do(req)
	if err != nil {
		return searchPage{}, s.transportError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return searchPage{}, s.transportError(ctx, err)
	}
	if len(body) > maxBodyBytes {
		return searchPage{}, fmt.Errorf("response larger than %d bytes", maxBodyBytes)
	}
	if resp.StatusCode != http.StatusOK {
		msg := redactString(errorBody(body), s.key)
		return searchPage{}, newAPIError(resp.StatusCode, msg, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	p, err := parseSearchPage(resp.StatusCode, body)
	return p, redactError(err, s.key)
}

// transportError classifies a failed round trip: the caller's cancellation
// is returned as it is, the per-request deadline as ErrRequestTimeout, and
// anything else with its URL redacted.
func (s *shodan) transportError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w after %s", ErrRequestTimeout, s.timeout)
	}
	return redactError(err, s.key)
}

// delayFor is the wait before retry n: the engine's Retry-After when it sent
// one (capped at maxRetryAfter), else an exponential backoff with jitter.
func (p retryPolicy) delayFor(n uint, err error, _ *retry.Config) time.Duration {
	var ae *APIError
	if errors.As(err, &ae) && ae.RetryAfter > 0 {
		return min(ae.RetryAfter, maxRetryAfter)
	}
	if p.delay <= 0 {
		return 0
	}
	d := p.delay << min(n-1, 20)
	if p.maxDelay > 0 && d > p.maxDelay {
		d = p.maxDelay
	}
	return d + rand.N(d/4+1)
}

func (p retryPolicy) timerOrReal() retry.Timer {
	if p.timer != nil {
		return p.timer
	}
	return realTimer{}
}

type realTimer struct{}

func (realTimer) After(d time.Duration) <-chan time.Time { return time.After(d) }

// parseRetryAfter reads a Retry-After header: a number of seconds or an
// HTTP date. It returns 0 when the header is absent or malformed.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
