package cloudscan

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// pager is an AWS SDK paginator of pages P whose service's options are O.
type pager[P, O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*O)) (P, error)
}

// RepeatedTokenError reports a listing whose answer handed back a page
// token it had already given: the SDK paginators would ask for the same
// pages for ever. The pages read before it are kept; the listing is
// incomplete.
type RepeatedTokenError struct {
	// Pages is the number of pages read, the one that repeated the token
	// included.
	Pages int
}

func (e *RepeatedTokenError) Error() string {
	return fmt.Sprintf("the answer repeated a page token already given (page %d): listing stopped, results incomplete", e.Pages)
}

// eachPage gives each page of p to f, in order, and returns the error of
// the first page it could not read (f has had the pages before it). next
// returns the token a page gives for the next one, as the paginator reads
// it. A token given twice ends the listing with a *RepeatedTokenError once
// f has had that page: a listing that would never end. The paginators are
// built with StopOnDuplicateToken, which catches a token repeated by the
// very next page only; eachPage catches any.
func eachPage[P, O any](ctx context.Context, p pager[P, O], next func(P) *string, f func(P)) error {
	given := map[string]bool{}
	for n := 1; p.HasMorePages(); n++ {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		f(page)
		if token := aws.ToString(next(page)); token != "" {
			if given[token] {
				return &RepeatedTokenError{Pages: n}
			}
			given[token] = true
		}
	}
	return nil
}

// uniqueBy returns s without the elements whose key an earlier one has: a
// page read twice lists its resources twice. An empty key is kept.
func uniqueBy[T any](s []T, key func(T) string) []T {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		k := key(v)
		if k != "" && seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}
