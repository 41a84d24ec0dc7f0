package cli_test

import "testing"

// Several targets written as one (two on a targets file's line, "a,b" or
// "a b" given to one --target, one inject file entry) were refused as a
// host name holding a space or a comma, nothing saying that each target
// goes on its own: the refusal now says how many it holds and how to give
// them, in the words of where they were written. Exit 2, nothing run.
func TestSeveralTargetsWrittenAsOne(t *testing.T) {
	tests := []refusal{
		{"targets file line", nil, []string{"--targets-file", "FILE:127.0.0.1 127.0.0.2\n"},
			`:1: invalid target "127.0.0.1 127.0.0.2": host name may hold only letters, digits, hyphens and dots, not the character ` +
				`U+0020 ' ' at byte 9; it holds 2 targets: write one a line`},
		{"targets file commas", nil, []string{"--targets-file", "FILE:localhost,127.0.0.0/31,::1\n"},
			`it holds 3 targets: write one a line`},
		{"--target", nil, []string{"--target", "127.0.0.1,127.0.0.2"},
			`invalid --target "127.0.0.1,127.0.0.2": host name may hold only letters, digits, hyphens and dots, not the character ` +
				`U+002C ',' at byte 9; it holds 2 targets: give each with its own --target`},
		{"env", map[string]string{"INJECTKIT_TARGET": "127.0.0.1 127.0.0.2"}, nil,
			`(env INJECTKIT_TARGET): host name may hold only letters, digits, hyphens and dots, not the character U+0020 ' ' at byte 9; ` +
				`it holds 2 targets: give each as an item of its own`},
		{"inject file", nil, []string{"--inject-file", "FILE:" + `{"injector": "noop", "targets": [{"value": "127.0.0.1, localhost"}]}`},
			`it holds 2 targets: give each an entry of its own in targets`},
	}
	for i, tt := range tests {
		for j, a := range tt.args {
			if len(a) > 5 && a[:5] == "FILE:" {
				tests[i].args[j] = writeFile(t, "f.txt", a[5:])
			}
		}
	}
	wantRefused(t, registry(), nil, []string{"noop"}, "", tests)
	// A piece that is no target itself: no such advice.
	wantRefused(t, registry(), nil, []string{"noop"}, "it holds", []refusal{
		{"not all targets", nil, []string{"--target", "127.0.0.1 a;b"}, "invalid --target"},
	})
}
