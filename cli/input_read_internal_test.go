package cli

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
)

// TestReadInputAllocatesItsSizeOnce checks that a regular file read whole
// costs one buffer of its size (and the byte its EOF is read into), a
// larger one its bound's: io.ReadAll, which cannot know the size, held an
// inject file of 64 MiB twice over, its chunks and the copy it returns.
func TestReadInputAllocatesItsSizeOnce(t *testing.T) {
	const size = 8 << 20
	tests := []struct {
		name    string
		limit   int64
		wantErr string
		wantCap int
	}{
		{"within its bound", size, "", size + 1},
		{"past its bound", size / 2, "larger than 4194304 bytes (4 MiB)", size/2 + 1},
	}
	path := filepath.Join(t.TempDir(), "inject.json")
	if err := os.WriteFile(path, []byte(strings.Repeat("{}", size/2)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := openInput(context.Background(), "inject_file", "", path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			b, err := in.bound(tt.limit).readAll()
			goruntime.ReadMemStats(&after)
			switch {
			case tt.wantErr == "" && (err != nil || len(b) != size):
				t.Fatalf("read %d bytes, err %v; want %d", len(b), err, size)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			if cap(b) != tt.wantCap {
				t.Errorf("buffer of %d bytes, want %d", cap(b), tt.wantCap)
			}
			// Whatever else ran meanwhile allocated far less than half
			// the file.
			if got := after.TotalAlloc - before.TotalAlloc; got > uint64(tt.wantCap)*3/2 {
				t.Errorf("reading %d bytes allocated %d bytes, want about %d", len(b), got, tt.wantCap)
			}
		})
	}
}

// TestHelpStatesInputBounds checks that run --help states the bound of
// each input it reads whole or a line at a time, as the constants set it:
// the inject file's, an --openaev-message's and a targets file line's.
func TestHelpStatesInputBounds(t *testing.T) {
	tests := []struct {
		field string
		want  string
	}{
		{"InjectFile", "at most " + sizeText(maxInjectFileSize) + ", else exit 2"},
		{"TargetsFile", "a line of at most " + sizeText(maxLine) + ", else exit 2"},
		{"OpenAEVMessage", "at most " + sizeText(maxMessageSize) + ", serve's default --max-message-size"},
	}
	for _, tt := range tests {
		f, ok := reflect.TypeFor[runConfig]().FieldByName(tt.field)
		if usage := f.Tag.Get("usage"); !ok || !strings.Contains(usage, tt.want) {
			t.Errorf("%s: --help says %q, want it to say %q", tt.field, usage, tt.want)
		}
	}
}
