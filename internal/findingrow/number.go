package findingrow

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// NumberText is the text of the node Jackson reads the JSON number n
// into, as JsonNode.asText gives it (2.4.0: Jackson 2.19, its default
// JsonNodeFactory, USE_BIG_DECIMAL_FOR_FLOATS off): an integer (digits
// after an optional minus) is an IntNode, LongNode or BigIntegerNode,
// its value's digits ("-0" is "0"); any other number (a point or an
// exponent) is a DoubleNode, Java's Double.toString of it (JavaDouble:
// 1e2 is "100.0", 1.0 "1.0", 1e-7 "1.0E-7", 1e400 "Infinity").
func NumberText(n json.Number) string {
	s := string(n)
	if digits := strings.TrimPrefix(s, "-"); digits != "" && strings.Trim(digits, "0123456789") == "" {
		i, _ := new(big.Int).SetString(s, 10)
		return i.String()
	}
	f, _ := strconv.ParseFloat(s, 64) // ±Inf past the range, as Java's parseDouble
	return JavaDouble(f)
}

// JavaDouble is Java's Double.toString (JDK 19 and later; 2.4.0 runs on
// Java 21): "Infinity", "-Infinity", "0.0", "-0.0"; for 10^-3 ≤ |f| < 10^7
// a plain decimal, else computerized scientific notation d.dddE±n; the
// shortest digits that read back as f, at least two when one alone would
// do and two are closer (4.9E-324, not 5E-324), and at least one digit
// after the point (100.0, 1.0E7).
func JavaDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0 && math.Signbit(f):
		return "-0.0"
	case f == 0:
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	if mant, _, _ := strings.Cut(e, "e"); len(strings.Trim(mant, "-.")) == 1 {
		if two := strconv.FormatFloat(f, 'e', 1, 64); parsesTo(two, f) {
			e = two
		}
	}
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		digits := strings.ReplaceAll(strings.TrimPrefix(mant, "-"), ".", "")
		sign := mant[:len(mant)-len(strings.TrimPrefix(mant, "-"))]
		var s string
		if x < 0 {
			s = "0." + strings.Repeat("0", -x-1) + digits
		} else {
			digits += strings.Repeat("0", max(0, x+1-len(digits)))
			s = digits[:x+1] + "." + digits[x+1:]
		}
		s = strings.TrimRight(s, "0")
		if strings.HasSuffix(s, ".") {
			s += "0"
		}
		return sign + s
	}
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	return mant + "E" + strconv.Itoa(x)
}

func parsesTo(s string, f float64) bool {
	g, err := strconv.ParseFloat(s, 64)
	return err == nil && g == f
}
