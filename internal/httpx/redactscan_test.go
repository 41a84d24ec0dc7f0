package httpx

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// oracleScanner is the search the scanner replaced, kept as the oracle it
// is compared with: each form searched for in turn with bytes.Index, a
// form skipped when it is longer than the text's longest run of its
// alphabet (see longestRuns).
// Beyond ASCII case, each fold form is searched for in turn along the
// text's characters.
type oracleScanner struct {
	long, short     [][]byte
	longIn, shortIn []uint8
	fold            []foldForm
}

func newOracleScanner(fs *forms) oracleScanner {
	return oracleScanner{long: fs.long, short: fs.short, longIn: alphabetsOf(fs.long), shortIn: alphabetsOf(fs.short), fold: fs.fold}
}

func (o oracleScanner) foldMatches(hits []foldHit, text string) []foldHit {
	ks := strings.Contains(text, kelvin) || strings.Contains(text, longS)
	for j, f := range o.fold {
		if f.ks && !ks {
			continue
		}
		first, _ := utf8.DecodeRuneInString(f.f)
		for i := 0; i < len(text); {
			r, n := utf8.DecodeRuneInString(text[i:])
			if foldEqual(r, first) {
				if m := foldPrefix(text[i:], f.f); m > 0 {
					hits = append(hits, foldHit{form: int32(j), at: int32(i), end: int32(i + m)})
				}
			}
			i += n
		}
	}
	return hits
}

func (o oracleScanner) matches(hits []formHit, text string) []formHit {
	low := appendLower(nil, text)
	runs := longestRuns(low)
	for i, f := range o.long {
		if len(f) <= runs[o.longIn[i]] {
			hits = oracleIndex(hits, low, f, i)
		}
	}
	for i, f := range o.short {
		if len(f) <= runs[o.shortIn[i]] {
			hits = oracleIndex(hits, low, f, len(o.long)+i)
		}
	}
	return hits
}

// oracleIndex appends every match of f in low, overlapping ones too.
func oracleIndex(hits []formHit, low, f []byte, form int) []formHit {
	for off := 0; ; {
		i := bytes.Index(low[off:], f)
		if i < 0 {
			return hits
		}
		i += off
		off = i + 1
		hits = append(hits, formHit{form: int32(form), at: int32(i)})
	}
}

// oracleRedactor returns a Redactor of secrets that searches with the
// oracle.
func oracleRedactor(secrets ...string) *Redactor {
	r := NewRedactor(secrets...)
	r.scan = newOracleScanner(&r.forms)
	return r
}

// sortedHits returns hits sorted, for comparing two scanners' answers.
func sortedHits(hits []formHit) []formHit {
	slices.SortFunc(hits, func(a, b formHit) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return int(a.form - b.form)
	})
	return hits
}

func TestPairScannerMatchesOracle(t *testing.T) {
	tests := []struct {
		name  string
		forms []string
		text  string
		want  int // hits
	}{
		{"one-byte form at the end", []string{"t"}, "at", 1},
		{"one-byte form alone", []string{"t"}, "t", 1},
		{"one-byte form everywhere", []string{"t"}, "ttt", 3},
		{"overlapping matches of a form", []string{"aa"}, "aaaa", 3},
		{"a form inside another", []string{"abcdef", "cd"}, "xabcdefx", 2},
		{"a form's end starting another", []string{"abcd", "cdef"}, "abcdef", 2},
		{"adjacent forms", []string{"ab", "cd"}, "abcdab", 3},
		{"two forms of one pair", []string{"abx", "aby", "ab"}, "abyabx", 4},
		{"a form longer than the text", []string{"abcdef"}, "abc", 0},
		{"a form cut by the end", []string{"ab"}, "xa", 0},
		{"a NUL after a one-byte form", []string{"t", "t\x00"}, "t\x00", 2},
		{"a NUL form", []string{"\x00"}, "a\x00", 1},
		{"empty text", []string{"t"}, "", 0},
		{"no form", nil, "abc", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := forms{long: asBytes(tt.forms)}
			got := sortedHits(newPairScanner(fs.all(), nil).matches(nil, tt.text))
			want := sortedHits(newOracleScanner(&fs).matches(nil, tt.text))
			if !slices.Equal(got, want) {
				t.Fatalf("forms %q in %q: scanner %v, oracle %v", tt.forms, tt.text, got, want)
			}
			if len(got) != tt.want {
				t.Fatalf("forms %q in %q: %d hits %v, want %d", tt.forms, tt.text, len(got), got, tt.want)
			}
		})
	}
}

// TestRedactorMatchesOracle redacts random texts holding forms of random
// secrets (overlapping secrets, one inside another, forms side by side,
// in other cases, escaped, cut short) with the Redactor and with one
// searching as the oracle does: the texts must come out alike.
func TestRedactorMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 237))
	sets, texts := 150, 12
	if testing.Short() {
		sets = 30
	}
	redacted := 0
	for range sets {
		secrets := randomSecrets(rng)
		r, o := NewRedactor(secrets...), oracleRedactor(secrets...)
		for range texts {
			text := randomText(rng, secrets)
			got, want := r.Redact(text), o.Redact(text)
			if got != want {
				t.Fatalf("secrets %q, text %q:\nscanner %q\noracle  %q", secrets, text, got, want)
			}
			if got != text {
				redacted++
			}
		}
	}
	// The texts hold forms of the secrets: most must have been redacted,
	// or the comparison compared nothing.
	if redacted < sets*texts/2 {
		t.Fatalf("only %d of %d texts redacted", redacted, sets*texts)
	}
}

// FuzzRedactorMatchesOracle compares the Redactor with the oracle on any
// text and secret.
func FuzzRedactorMatchesOracle(f *testing.F) {
	f.Add("Bearer t, key=t&x=1", "t")
	f.Add(`{"auth":"tok-Zq81\"\u003c\u0026\u003e\\x y"}`, `tok-Zq81"<&>\x y`)
	f.Add("x=standin%252Dtoken&y=standin&#37;2Dtoken …standin-to…", "standin-token")
	f.Add("ZEc5clpXNHRjMlZqY21WME1USXo9PQ== nekot-nidnats", "standin-token")
	f.Add("KÉ ké \u212aey-12345678", "key-12345678")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if got, want := NewRedactor(secret).Redact(text), oracleRedactor(secret).Redact(text); got != want {
			t.Fatalf("secret %q, text %q:\nscanner %q\noracle  %q", secret, text, got, want)
		}
	})
}

// secretBytes are what random secrets are made of: a few letters, so that
// secrets and their forms overlap, escapes' characters, and non-ASCII
// ones (é folds to É, K to k).
var secretBytes = []string{"a", "b", "A", "k", "s", "0", "9", "-", "%", "&", "\\", "\"", "/", "+", " ", "=", "é", "\u212a"}

// randomSecrets returns one to three secrets, short and long, some inside
// or overlapping another.
func randomSecrets(rng *rand.Rand) []string {
	var out []string
	for range 1 + rng.IntN(3) {
		var s string
		switch n := len(out); {
		case n > 0 && rng.IntN(3) == 0: // inside another
			o := out[rng.IntN(n)]
			i := rng.IntN(len(o))
			s = o[i : i+1+rng.IntN(len(o)-i)]
		case n > 0 && rng.IntN(3) == 0: // starting with another's end
			o := out[rng.IntN(n)]
			s = o[len(o)/2:] + randomWord(rng, secretBytes, 1+rng.IntN(12))
		default:
			lengths := []int{1, 3, ShortSecret - 1, ShortSecret, 12, 24}
			s = randomWord(rng, secretBytes, lengths[rng.IntN(len(lengths))])
		}
		out = append(out, s)
	}
	return out
}

func randomWord(rng *rand.Rand, from []string, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(from[rng.IntN(len(from))])
	}
	return b.String()
}

// fillerBytes are what surrounds the forms in a random text: word and
// non-word characters, escapes, a cut mark.
var fillerBytes = []string{"a", "x", "Z", "0", " ", ".", "\"", "\\", "%", "&", ";", "#", "=", "é", "…", "\n"}

// randomText returns filler and forms of secrets, side by side or apart.
func randomText(rng *rand.Rand, secrets []string) string {
	var b strings.Builder
	for range 1 + rng.IntN(5) {
		if rng.IntN(3) == 0 {
			b.WriteString(randomWord(rng, fillerBytes, rng.IntN(6)))
		}
		b.WriteString(randomForm(rng, secrets[rng.IntN(len(secrets))]))
	}
	return b.String()
}

// randomForm returns secret in one of the forms a text may hold it in.
func randomForm(rng *rand.Rand, secret string) string {
	forms := secretForms(secret)
	switch rng.IntN(9) {
	case 0:
		return forms[rng.IntN(len(forms))]
	case 1: // in another case
		if rng.IntN(2) == 0 {
			return strings.ToUpper(secret)
		}
		return strings.ToLower(forms[rng.IntN(len(forms))])
	case 2: // inside the base64 or base32 of a longer text
		inner := "Bearer " + secret + `"}`[:rng.IntN(3)]
		if rng.IntN(2) == 0 {
			return base64.StdEncoding.EncodeToString([]byte(inner))
		}
		return strings.ToLower(base32.StdEncoding.EncodeToString([]byte(inner)))
	case 3: // quoted once or twice
		q := strconv.Quote(`{"k":` + strconv.Quote(secret) + `}`)
		if rng.IntN(2) == 0 {
			q = strconv.Quote(q)
		}
		return q
	case 4: // encoded twice
		return url.QueryEscape(url.QueryEscape(secret))
	case 5: // cut short
		return secret[:rng.IntN(len(secret)+1)] + cutMark
	case 6:
		return hex.EncodeToString([]byte(secret))
	case 7:
		return fmt.Sprintf("&#%d;%s", secret[0], secret[1:])
	}
	return secret
}

func TestFoldIndexMatchesOracle(t *testing.T) {
	tests := []struct {
		name, text string
		forms      []foldForm
		want       int // hits
	}{
		{"another case beyond ASCII", "KÉ ké Ké", []foldForm{{f: "ké"}}, 3},
		{"the Kelvin sign for k", "\u212aey kEY", []foldForm{{f: "key", ks: true}}, 2},
		{"k or s without K or ſ in the text", "key é", []foldForm{{f: "key", ks: true}}, 0},
		{"the long s for s", "\u017fecret", []foldForm{{f: "secret", ks: true}}, 1},
		{"a form starting with K", "kx \u212ax Kx", []foldForm{{f: "\u212ax"}}, 3},
		{"an invalid byte", "a\xffé \xffÉ", []foldForm{{f: "\xffé"}}, 2},
		{"U+FFFD", "\ufffdé \xffé", []foldForm{{f: "\ufffdé"}}, 1},
		{"overlapping forms", "ééé", []foldForm{{f: "éé"}, {f: "é"}}, 5},
		{"a form cut by the end", "xé", []foldForm{{f: "éx"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newFoldIndex(tt.forms).foldMatches(nil, tt.text)
			want := oracleScanner{fold: tt.forms}.foldMatches(nil, tt.text)
			for _, hs := range [][]foldHit{got, want} {
				slices.SortFunc(hs, func(a, b foldHit) int { return int(a.at-b.at)*64 + int(a.form-b.form) })
			}
			if !slices.Equal(got, want) {
				t.Fatalf("forms %+v in %q: index %v, oracle %v", tt.forms, tt.text, got, want)
			}
			if len(got) != tt.want {
				t.Fatalf("forms %+v in %q: %d hits %v, want %d", tt.forms, tt.text, len(got), got, tt.want)
			}
		})
	}
}
