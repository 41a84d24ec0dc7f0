package cli_test

import (
	"strings"
	"testing"
)

// A --openaev-message file's errors name the file, and the line and column
// of what is wrong when the message writes it, as an inject file's errors
// do (not a byte offset), a value of the wrong JSON type too; an inject
// id written empty is said to be empty, one written null null, not
// missing. The platform's INVALID_USAGE message, which knows no file,
// keeps the byte.
func TestMessageFileErrorsNameLineAndColumn(t *testing.T) {
	tests := []struct {
		name, file, body, want string
		printed                bool // the platform is told (the message names its inject)
	}{
		{"cut short", "cut.json", "{\"injection\":", "cut.json:1:14: invalid message: malformed message: not valid JSON: unexpected end of JSON input", false},
		{"bad character on line 3", "bad.json", "{\"injection\": {\n  \"inject_id\": \"i-1\",\n  \"inject_content\": {'a': 1}}}",
			"bad.json:3:22: invalid message for inject i-1: malformed message: not valid JSON: invalid character '\\'' looking for beginning of object key string", true},
		{"inject id twice", "twice.json", "{\"injection\": {\n\"inject_id\": \"a\",\n\"inject_id\": \"b\"}}",
			"twice.json:3:1: invalid message: malformed message: key injection.inject_id given twice: the platform writes each key once", false},
		{"content key twice", "key.json", "{\"injection\": {\"inject_id\": \"i-1\",\n \"inject_content\": {\"a\": 1,\n   \"A\": 2}}}",
			"key.json:3:4: invalid message for inject i-1: malformed message: key injection.inject_content.A given twice", true},
		{"empty inject id", "empty.json", "{\"injection\": {\n  \"inject_id\": \"\"}}", "empty.json:2:16: invalid message: injection.inject_id is empty", false},
		{"blank inject id", "blank.json", "{\"injection\": {\"inject_id\": \" \"}}",
			"blank.json:1:29: invalid message: injection.inject_id is blank (white space alone)", false},
		{"inject id not ASCII", "id.json", "{\"injection\": {\n  \"inject_id\": \"inj-\\u00e9\"}}",
			`id.json:2:16: invalid message: invalid injection.inject_id "inj-é": holds the non-ASCII character U+00E9 at byte 4`, false},
		{"no inject id", "none.json", `{"injection": {}}`, "none.json: invalid message: injection.inject_id is missing", false},
		{"inject id a number", "num.json", "{\"injection\":\n {\"inject_id\": 5}}",
			"num.json:2:16: invalid message: malformed message: injection.inject_id: a number, want a string", false},
		{"inject id null", "null.json", "{\"injection\":\n {\"inject_id\": null}}",
			"null.json:2:16: invalid message: injection.inject_id is null, want a string", false},
		{"content a number", "content.json", "{\"injection\":\n {\"inject_id\": \"i-1\", \"inject_content\": 5}}",
			"content.json:2:41: invalid message for inject i-1: malformed message: injection.inject_content: a number, want an object", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.body)
			r := run(t, registry(), nil, "run", "noop", "--openaev-message", path, "--log-level", "error")
			if want := "injectkit: openaev message " + path[:len(path)-len(tt.file)] + tt.want; r.code != 2 || !strings.Contains(r.stderr, want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 2 and %q", r.code, r.stderr, want)
			}
			if strings.Contains(r.stderr, "at byte") && !strings.Contains(tt.want, "at byte") {
				t.Errorf("stderr names a byte offset:\n%s", r.stderr)
			}
			if told := strings.Contains(r.stdout, "INVALID_USAGE"); told != tt.printed {
				t.Errorf("INVALID_USAGE printed: %v, want %v:\n%s", told, tt.printed, r.stdout)
			}
			if tt.printed && !strings.Contains(r.stdout, "(at byte ") {
				t.Errorf("the INVALID_USAGE message names no byte:\n%s", r.stdout)
			}
		})
	}
}
