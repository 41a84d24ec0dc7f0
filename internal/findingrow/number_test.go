package findingrow

import (
	"encoding/json"
	"testing"
)

// TestNumberText: a JSON number renders as the text of the node Jackson
// reads it into; the doubles' texts are Java's own Double.toString (JDK
// 25, whose algorithm is JDK 19's and 21's: 1e23 is "1.0E23", where JDK
// 17 gave "9.999999999999999E22"), printed by
// System.out.println(Double.toString(Double.parseDouble(in))).
func TestNumberText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// Integers: IntNode, LongNode, BigIntegerNode, their digits.
		{"0", "0"}, {"-0", "0"}, {"22", "22"}, {"-7", "-7"},
		{"18446744073709551615", "18446744073709551615"},
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		// Doubles: Double.toString.
		{"1.0", "1.0"}, {"100.0", "100.0"}, {"1e2", "100.0"}, {"1E2", "100.0"}, {"1e0", "1.0"},
		{"1.0e-7", "1.0E-7"}, {"1.234e10", "1.234E10"}, {"0.001", "0.001"}, {"0.0009999", "9.999E-4"},
		{"1e7", "1.0E7"}, {"-1e7", "-1.0E7"}, {"9999999.0", "9999999.0"}, {"9999999.999", "9999999.999"},
		{"-0.0", "-0.0"}, {"0.0", "0.0"}, {"1.5", "1.5"}, {"1.50", "1.5"}, {"-2.5e-3", "-0.0025"},
		{"123456789.0", "1.23456789E8"}, {"1e21", "1.0E21"}, {"1e22", "1.0E22"}, {"1e23", "1.0E23"},
		{"1e-5", "1.0E-5"}, {"4.9e-324", "4.9E-324"}, {"5e-324", "4.9E-324"},
		{"1.7976931348623157e308", "1.7976931348623157E308"}, {"2.2250738585072014E-308", "2.2250738585072014E-308"},
		{"1e400", "Infinity"}, {"-1e400", "-Infinity"}, {"0.1", "0.1"}, {"2e-3", "0.002"}, {"3.14159", "3.14159"},
		{"12345.678", "12345.678"}, {"1.0000000000000002", "1.0000000000000002"},
		{"9007199254740993.0", "9.007199254740992E15"}, {"0.30000000000000004", "0.30000000000000004"},
	} {
		if got := NumberText(json.Number(tt.in)); got != tt.want {
			t.Errorf("NumberText(%s) = %q, want %q (Java)", tt.in, got, tt.want)
		}
	}
}
