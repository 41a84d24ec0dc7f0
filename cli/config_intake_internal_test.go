package cli

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// A config file a security engineer gets wrong is refused as it is read,
// exit 2, with one line naming the file, the line and what is wrong: the
// bytes the YAML decoder refuses as text, with their column; a YAML
// feature injectkit does not read; a key written at the wrong level or as
// its environment variable's name, with the key to write. Never a value.
func TestConfigFileMistakesNamed(t *testing.T) {
	ms := []framework.Manifest{{Name: "query", Settings: []framework.Setting{
		{Key: "shodan_api_key", Env: "INJECTKIT_SHODAN_API_KEY", Secret: true}, {Key: "shodan_base_url", Env: "INJECTKIT_SHODAN_BASE_URL"}}}}
	types := commandConfigTypes()
	known, lists, secret := keysOf(types...), listKeysOf(types...), secretKeysOf(types...)
	for _, tt := range []struct {
		name  string
		file  string
		want  []string // in the error; FILE is the file's path
		never []string // nowhere in the error
	}{
		{name: "Latin-1 comment", file: "# caf\xe9\ntimeout: 1m\n",
			want: []string{"config file FILE:1: the byte 0xE9 (column 6) is not UTF-8: save the file as UTF-8"}},
		{name: "binary byte in a value", file: "timeout: 1m\ninject_id: ab\xff\xfe\n",
			want: []string{"config file FILE:2: the byte 0xFF (column 14) is not UTF-8"}},
		{name: "non-UTF-8 in a token", file: "token: s3cr3t\xc0\n",
			want: []string{"config file FILE:1: the byte 0xC0 (column 14) is not UTF-8"}, never: []string{"s3cr3t"}},
		{name: "NUL byte", file: "timeout: 1m\n\ninject_id: a\x00b\n",
			want: []string{"config file FILE:3: the control character U+0000 (column 13) is not allowed in YAML"}},
		{name: "escape after a multi-byte character", file: "inject_id: \u00e9\x1b\n",
			want: []string{"config file FILE:1: the control character U+001B (column 13)"}},
		{name: "merge key", file: "base: &b\n  timeout: 30s\n<<: *b\n",
			want: []string{"config file FILE:3: a YAML merge key (<<) is not read here: write each setting as a key of its own"}},
		{name: "merge key of a flow mapping, secret inside", file: "timeout: 1m\n<<: {token: s3cr3t, insecure: yes}\n",
			want: []string{"config file FILE:2: a YAML merge key (<<)"}, never: []string{"s3cr3t"}},
		{name: "merge key in an injector's settings", file: "query:\n  <<: {shodan_base_url: http://127.0.0.1:1}\n",
			want: []string{"config file FILE:2: a YAML merge key (<<)"}},
		{name: "a setting's environment variable as its key", file: "INJECTKIT_TIMEOUT: 1m\n",
			want:  []string{"config file FILE:1: unknown key INJECTKIT_TIMEOUT (an environment variable's name: the config file's key is timeout)"},
			never: []string{"is it a YAML config file"}},
		{name: "an injector's secret setting's environment variable as its key", file: "timeout: 1m\nINJECTKIT_SHODAN_API_KEY: s3cr3t\n",
			want:  []string{"config file FILE:2: unknown key INJECTKIT_SHODAN_API_KEY (an environment variable's name: the config file's key is query.shodan_api_key)"},
			never: []string{"s3cr3t", "is it a YAML config file"}},
		{name: "an environment file's line", file: "INJECTKIT_BACKEND_URL=http://127.0.0.1:1\n",
			want: []string{"config file FILE:1: want a mapping of keys (key: value), not plain text"}},
		{name: "an unknown variable's name is not shown", file: "INJECTKIT_NOPE: x\n",
			want: []string{"config file FILE:1: a key that is no setting name (not shown)"}, never: []string{"NOPE"}},
		{name: "settings nested under their prefix", file: "timeout: 1m\nlog:\n  level: debug\n  format: json\n",
			want: []string{"config file FILE:2: unknown key log (settings are not nested: write log_level, log_format at the top level)"}},
		{name: "settings nested under a command", file: "run:\n  timeout: 1m\n  target: [127.0.0.1]\n  nope: 1\n  query:\n    shodan_api_key: s3cr3t\n",
			want:  []string{"config file FILE:1: unknown key run (settings are not nested: write timeout, target, query at the top level)"},
			never: []string{"s3cr3t", "nope"}},
		{name: "settings nested under serve, more than three", file: "serve:\n  workers: 2\n  delivery_slots: 1\n  listen_addr: ''\n  heartbeat_interval: 40s\n",
			want: []string{"unknown key serve (settings are not nested: write workers, delivery_slots, listen_addr and 1 more at the top level)"}},
		{name: "a backend block", file: "backend:\n  url: http://127.0.0.1:1\n  token: s3cr3t\n",
			want:  []string{"config file FILE:1: unknown key backend (settings are not nested: write backend_url, token at the top level)"},
			never: []string{"s3cr3t"}},
		{name: "a nested mapping of no setting keeps the nearest key", file: "timout:\n  a: 1\n",
			want: []string{"config file FILE:1: unknown key timout (did you mean timeout?)"}},
		{name: "DEL", file: "timeout: 1m\x7f\n", want: []string{"config file FILE:1: the control character U+007F (column 12)"}},
		// UTF-32 (iconv -t UTF-32): the decoder read its mark as UTF-16's
		// and its text as NULs ("yaml: control characters are not
		// allowed", no line, column nor encoding).
		{name: "UTF-32LE", file: "\xff\xfe\x00\x00t\x00\x00\x00:\x00\x00\x00",
			want: []string{"config file FILE:1: UTF-32LE text (byte order mark FF FE 00 00): save the file as UTF-8 (or UTF-16 with a byte order mark), the encodings YAML reads"}},
		{name: "UTF-32BE", file: "\x00\x00\xfe\xff\x00\x00\x00t",
			want: []string{"config file FILE:1: UTF-32BE text (byte order mark 00 00 FE FF): save the file as UTF-8"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := readConfigFile(t.Context(), path, "", known, lists, secret, ms)
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != ExitUsage {
				t.Fatalf("err = %v, want a usage error", err)
			}
			for _, s := range tt.want {
				if s = strings.ReplaceAll(s, "FILE", path); !strings.Contains(err.Error(), s) {
					t.Errorf("error %q\ndoes not say %q", err, s)
				}
			}
			for _, s := range tt.never {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q shows %q", err, s)
				}
			}
		})
	}
}

// The text a YAML file may hold is still read: UTF-8 with or without its
// byte order mark, UTF-16 with one, tabs inside values, CRLF line ends and
// characters beyond the BMP.
func TestConfigFileTextTaken(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE}
	for _, r := range "inject_id: a1\n" {
		utf16 = append(utf16, byte(r), 0)
	}
	for _, tt := range []struct {
		name string
		file string
	}{
		{"UTF-8 BOM", "\xef\xbb\xbfinject_id: a1\n"},
		{"UTF-16 BOM", string(utf16)},
		{"CRLF", "inject_id: a1\r\n"},
		{"tab in a quoted value, emoji in a comment", "inject_id: \"a1\"\t# \U0001F600 \u00e9\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			cf, err := readConfigFile(t.Context(), path, "", keysOf(reflect.TypeFor[runConfig]()), nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := cf.values["inject_id"].vals; !reflect.DeepEqual(got, []string{"a1"}) {
				t.Errorf("inject_id = %q, want a1", got)
			}
		})
	}
}

// problemLine, which decodes each prefix of a refused file again, stops
// past maxProblemBytes decoded, the decoder's own line named then: a
// config file of a few megabytes with a problem at its end cost minutes of
// CPU before its error (BenchmarkYAMLErrorLargeFile). A small file's
// problem is still found on its line.
func TestProblemLineBounded(t *testing.T) {
	for _, tt := range []struct {
		name      string
		lines     int // comment lines of 2 KiB before the problem
		wantFound bool
	}{
		{"small file", 3, true},
		{"prefixes past the bound", 200, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := bigYAMLProblem(tt.lines)
			err := decodeAll(data)
			m := yamlProblem().FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("decoder error %v", err)
			}
			got := problemLine(data, m[2])
			if want := tt.lines + 1; tt.wantFound && got != want {
				t.Errorf("problemLine = %d, want %d", got, want)
			}
			if !tt.wantFound && got != 0 {
				t.Errorf("problemLine = %d, want 0: past %d bytes decoded", got, maxProblemBytes)
			}
			// Either way the error names the problem's line.
			path := filepath.Join(t.TempDir(), "c.yaml")
			if want := path + ":" + strconv.Itoa(tt.lines+1) + ": yaml: did not find expected"; !strings.Contains(yamlError(path, data, err).Error(), want) {
				t.Errorf("error %q does not say %q", yamlError(path, data, err), want)
			}
		})
	}
}

// bigYAMLProblem is a config file of lines comment lines of 2 KiB, then a
// flow list left open: a problem at its end.
func bigYAMLProblem(lines int) []byte {
	comment := "# " + strings.Repeat("x", 2<<10-3) + "\n"
	return []byte(strings.Repeat(comment, lines) + "timeout: [1m\n")
}

// BenchmarkYAMLErrorLargeFile: the error of a config file of nearly
// maxConfigSize (2000 lines of 2 KiB) with a problem on its last line.
func BenchmarkYAMLErrorLargeFile(b *testing.B) {
	data := bigYAMLProblem(2000)
	err := decodeAll(data)
	for b.Loop() {
		_ = yamlError("c.yaml", data, err)
	}
}
