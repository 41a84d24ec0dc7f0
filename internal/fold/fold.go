// Package fold owns the one rule by which a name the user spelled (a
// config key, an inject's content key, a param, an injector's name)
// matches the one declared, whatever its spelling: Name; the one
// measure of how near a misspelled name is to a declared one: Distance;
// and the one choice of the declared name to suggest for it: Closest.
// Package framework matches a manifest's settings by Name
// (Manifest.Setting), and the command line a config file's keys; both
// tell a near miss by Distance (a params struct's tag key, a mistyped
// command, flag, injector or environment variable), and suggest one by
// Closest (a command, flag, config key or injector, a param, an inject
// file's field, an enumerated value: a profile, an expectation type).
package fold

import (
	"strings"
	"unicode"
)

// Name folds a setting's name for comparison: lower case, without
// the separators '-', '_', '.' and space, so that a name in any spelling
// (kebab, snake, dotted, camelCase, spaced) folds to the same. It is the
// one rule by which a host matches a name the user spelled otherwise (a
// config key, an injector's name) to the one declared.
func Name(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// Distance is the optimal string alignment distance of a and b, letter
// by letter (runes): the insertions, deletions, substitutions and
// transpositions of two adjacent letters that turn one into the other
// ("nmpa" is 1 from "nmap", "parma" 1 from "param"). It compares the
// letters as they are: a caller that ignores case lowers both.
func Distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	// d[i][j] is the distance of x[:i] and y[:j]; three rows suffice.
	prev2, prev, cur := make([]int, len(y)+1), make([]int, len(y)+1), make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}

// Closest returns the candidate nearest to typed, to suggest ("did you
// mean …?"): the one at the least Distance, letter case ignored, if that
// is small for the word's length (1 up to 3 letters, 2 up to 6, else 3),
// else the only candidate typed is a prefix of (at least 2 letters
// typed). Ties go to the first candidate; typed itself is none. "" when
// none is close.
func Closest(typed string, candidates []string) string {
	if typed == "" {
		return ""
	}
	limit := 3
	switch n := len([]rune(typed)); {
	case n <= 3:
		limit = 1
	case n <= 6:
		limit = 2
	}
	best, bestD := "", limit+1
	var prefixed []string
	for _, c := range candidates {
		if c == typed {
			continue
		}
		if d := Distance(strings.ToLower(typed), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
		if len(typed) >= 2 && strings.HasPrefix(c, typed) {
			prefixed = append(prefixed, c)
		}
	}
	if best == "" && len(prefixed) == 1 {
		best = prefixed[0]
	}
	return best
}
