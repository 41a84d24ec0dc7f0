package framework_test

import (
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// TestEnumCheck checks that an EnumCheck answers as CheckEnums does, for
// described params and for a struct ParamsSpec rejects, and that a check
// parses no tag: it allocates nothing.
func TestEnumCheck(t *testing.T) {
	scan := framework.NewEnumCheck[scanParams]()
	// Its enum holds a value it does not list, but its float64 has no
	// param: the struct is not described, and nothing is checked.
	type undescribedParams struct {
		Mode string `json:"mode" param:"enum=a|b"`
		F    float64
	}
	undescribed := framework.NewEnumCheck[undescribedParams]()
	bad := &undescribedParams{Mode: "z"}
	tests := []struct {
		name  string
		check func() error
		want  error // CheckEnums' answer
		field string
	}{
		{"valid", func() error { return scan.Check(defaultScan()) }, framework.CheckEnums(defaultScan()), ""},
		{"bad value", func() error { return scan.Check(&scanParams{Mode: "medium"}) }, framework.CheckEnums(&scanParams{Mode: "medium"}), "mode"},
		{"empty value", func() error { return scan.Check(&scanParams{}) }, framework.CheckEnums(&scanParams{}), "mode"},
		{"nil", func() error { return scan.Check(nil) }, framework.CheckEnums((*scanParams)(nil)), ""},
		{"not described", func() error { return undescribed.Check(bad) }, framework.CheckEnums(bad), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check()
			if (err == nil) != (tt.want == nil) || (err != nil && err.Error() != tt.want.Error()) {
				t.Fatalf("Check = %v, CheckEnums = %v", err, tt.want)
			}
			if (err != nil) != (tt.field != "") {
				t.Fatalf("Check = %v, want an error only on %q", err, tt.field)
			}
			if err == nil {
				if n := testing.AllocsPerRun(100, func() { _ = tt.check() }); n != 0 {
					t.Errorf("a check allocated %.0f times, want 0 (its tags parsed once, by NewEnumCheck)", n)
				}
			}
		})
	}
}
