package httpx

// The oracle's skip (see oracleScanner), from the search pairScanner
// replaced. Most forms of a secret are written in a small alphabet: its
// hex, base32 and base64 (and the secret itself, often letters, digits
// and a dash). Such a form matches only inside a run of the text's
// characters of its alphabet at least as long as itself, and an ordinary
// log line holds no long run of base32 or hex: the longest run of each
// alphabet, measured in one pass over the text, let the search skip those
// forms without searching for them.

// The alphabets forms are sorted into, lowercased as the forms are: hex,
// base32 (standard and extended hex), base64 (standard and URL). A form
// belongs to the first that holds all its bytes; one that none holds is
// always searched.
var alphabets = [...]string{
	"0123456789abcdef",
	"abcdefghijklmnopqrstuvwxyz234567=",
	"0123456789abcdefghijklmnopqrstuv=",
	"abcdefghijklmnopqrstuvwxyz0123456789+/=",
	"abcdefghijklmnopqrstuvwxyz0123456789-_=",
}

// inAlphabet has bit i set for each byte of alphabets[i].
var inAlphabet = func() (t [256]uint8) {
	for i, a := range alphabets {
		for j := 0; j < len(a); j++ {
			t[a[j]] |= 1 << i
		}
	}
	return t
}()

// noAlphabet is what alphabetOf returns for a form no alphabet holds.
const noAlphabet = len(alphabets)

// alphabetOf returns the index of the first alphabet that holds every
// byte of f, noAlphabet when none does.
func alphabetOf(f []byte) int {
	all := uint8(1<<len(alphabets) - 1)
	for _, c := range f {
		all &= inAlphabet[c]
	}
	for i := range alphabets {
		if all&(1<<i) != 0 {
			return i
		}
	}
	return noAlphabet
}

// alphabetsOf returns alphabetOf of each of forms.
func alphabetsOf(forms [][]byte) []uint8 {
	out := make([]uint8, len(forms))
	for i, f := range forms {
		out[i] = uint8(alphabetOf(f))
	}
	return out
}

// runs are the lengths of the longest runs of a text's bytes in each
// alphabet, and, at noAlphabet, the text's length: a form no alphabet
// holds may match anywhere.
type runs [len(alphabets) + 1]int

// longestRuns returns the runs of low, a text lowercased in ASCII.
func longestRuns(low []byte) runs {
	var longest, cur runs
	for _, c := range low {
		in := inAlphabet[c]
		for i := range alphabets {
			if in&(1<<i) == 0 {
				cur[i] = 0
				continue
			}
			cur[i]++
			longest[i] = max(longest[i], cur[i])
		}
	}
	longest[noAlphabet] = len(low)
	return longest
}
