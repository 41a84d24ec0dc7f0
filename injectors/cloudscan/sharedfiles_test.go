package cloudscan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// sharedFileCase is a shared file the SDK would read: made by make in
// dir, refused for want (a part of the reason), or not (""); noAudit:
// it holds no profile "audit".
type sharedFileCase struct {
	name    string
	make    func(t *testing.T, dir string) string
	want    string
	noAudit bool
}

func makeFIFO(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "fifo.ini")
	testkit.FIFO(t, p)
	return p
}

// makeFile makes a regular file of size bytes, a profile "audit" with
// keys first, as a config and as a credentials file names it.
func makeFile(size int) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		t.Helper()
		const keys = "aws_access_key_id = AKIASHAREDFILE000001\naws_secret_access_key = s\n"
		b := []byte("[profile audit]\nregion = eu-west-1\n" + keys + "[audit]\n" + keys)
		b = append(b, bytes.Repeat([]byte("#"), size-len(b))...)
		p := filepath.Join(dir, "shared.ini")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

func sharedFileCases() []sharedFileCase {
	return []sharedFileCase{
		{"fifo", makeFIFO, "a FIFO (named pipe), not a regular file", false},
		{"symlink to a fifo", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "link.ini")
			if err := os.Symlink(makeFIFO(t, dir), p); err != nil {
				t.Fatal(err)
			}
			return p
		}, "a FIFO (named pipe), not a regular file", false},
		{"dev zero", func(*testing.T, string) string { return "/dev/zero" }, "a character device, not a regular file", false},
		{"directory", func(t *testing.T, dir string) string { return dir }, "a directory, not a regular file", false},
		{"5 MiB", makeFile(5 << 20), "larger than 4194304 bytes (4 MiB), the most it may hold", false},
		{"one byte past 4 MiB", makeFile(4<<20 + 1), "larger than 4194304 bytes (4 MiB), the most it may hold", false},
		{"4 MiB", makeFile(4 << 20), "", false},
		{"dev null", func(*testing.T, string) string { return os.DevNull }, "", true},
		{"proc pagemap, 0 bytes reported, no end", procPagemap, "larger than 4194304 bytes (4 MiB), the most it may hold", false},
	}
}

// procPagemap is /proc/self/pagemap: a regular file that reports 0 bytes
// and gives 8 bytes per page of the address space, without end in
// practice, to reads of a multiple of 8 bytes only.
func procPagemap(t *testing.T, _ string) string {
	t.Helper()
	const p = "/proc/self/pagemap"
	f, err := os.Open(p)
	if err != nil {
		t.Skipf("no %s to read (%v): the case needs a file that reports 0 bytes and has no end", p, err)
	}
	f.Close()
	return p
}

// Configure refuses, whatever the settings, an AWS shared file the SDK
// would read that is no regular file (a FIFO, whose reading would wait
// for a writer whatever the signals; /dev/zero, which would be read
// without end; a directory) or holds more than 4 MiB, naming the
// variable that named it, its path and what it is, without waiting on
// it; a file of 4 MiB is read, and its profile found, and /dev/null is
// read as empty (its profile refused as missing).
func TestSharedFilesChecked(t *testing.T) {
	for _, env := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		for _, tt := range sharedFileCases() {
			for _, profile := range []string{"", "audit"} {
				t.Run(env+"/"+tt.name+"/profile "+profile, func(t *testing.T) {
					setAWSEnv(t)
					path := tt.make(t, t.TempDir())
					t.Setenv(env, path)
					e := New()
					err := e.Configure(map[string]string{SettingProfile: profile})
					var ve *signatures.ValidationError
					switch {
					case tt.noAudit && profile != "":
						if !errors.As(err, &ve) || ve.Field != "cloudscan.profile" {
							t.Errorf("error %v, want cloudscan.profile refused", err)
						}
					case tt.want == "" && err != nil:
						t.Errorf("refused: %v", err)
					case tt.want != "" && (!errors.As(err, &ve) || ve.Field != env || ve.Value != path ||
						!strings.HasPrefix(ve.Reason, tt.want+": the AWS SDK reads it")):
						t.Errorf("error %v, want %s %q refused: %s", err, env, path, tt.want)
					case tt.want != "" && e.settings != (hostSettings{}):
						t.Errorf("settings %+v kept despite the refusal", e.settings)
					}
				})
			}
		}
	}
}

// A default file (AWS_CONFIG_FILE unset) is named as the SDK's default,
// with the variable that names another.
func TestDefaultSharedFileNamed(t *testing.T) {
	dir := t.TempDir()
	_, _, err := sharedFile{path: dir, unset: "AWS_CONFIG_FILE", kind: "config"}.read()
	want := `invalid AWS shared config file "` + dir + `": a directory, not a regular file: the AWS SDK reads it, its default (AWS_CONFIG_FILE unset)`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

// A shared file replaced after Configure checked it fails the run before
// the SDK reads it, naming it, with no call made.
func TestRunRefusesIrregularSharedFile(t *testing.T) {
	for _, tt := range sharedFileCases() {
		if tt.want == "" {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			st := newStandIn(t, nil, fixtures())
			e := New(WithVersion(testVersion))
			p := decodeParams(t, e, nil, st.URL())
			path := tt.make(t, t.TempDir())
			t.Setenv("AWS_CONFIG_FILE", path)
			out := e.Execute(context.Background(), newInject(t, []signatures.CloudConfig{euWest1}, p))
			want := `load aws configuration: invalid AWS_CONFIG_FILE "` + path + `": ` + tt.want
			if out.ExecutionStatus() != framework.StatusFailed || out.ErrorInfo == nil || !strings.Contains(out.ErrorInfo.Message, want) {
				t.Errorf("status %s, error %+v: want failed with %q", out.ExecutionStatus(), out.ErrorInfo, want)
			}
			if got := st.seen(); len(got) != 0 {
				t.Errorf("calls made: %q", got)
			}
		})
	}
}

// The tester's case: validate and run with AWS_CONFIG_FILE a FIFO no one
// writes to exit 2 at once, naming it, nothing sent or stored.
func TestCLIRefusesFIFOSharedFile(t *testing.T) {
	setAWSEnv(t)
	fifo := makeFIFO(t, t.TempDir())
	t.Setenv("AWS_CONFIG_FILE", fifo)
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		for _, profile := range []string{"", "audit"} {
			t.Run(cmd+"/profile "+profile, func(t *testing.T) {
				getenv := profileEnv(st.URL(), profile)
				refusedBeforeAnything(t, st, cmd, getenv, `invalid AWS_CONFIG_FILE "`+fifo+`": a FIFO (named pipe), not a regular file`)
			})
		}
	}
}

// The SDK reads the bytes read and checked, never the file again: a
// file changed after the check is read as it was (on Linux, which holds
// them in memory; elsewhere the SDK reads the file again).
func TestSDKReadsCheckedBytes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("only Linux holds the checked bytes in memory for the SDK")
	}
	setAWSEnv(t)
	writeSharedFiles(t, "[profile audit]\nregion = eu-west-1\n", "")
	files, err := openSDKFiles()
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	writeSharedFiles(t, "[profile other]\nregion = eu-west-1\n", "")
	for _, profile := range []string{"audit", "other"} {
		_, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
		var missing config.SharedConfigProfileNotExistError
		if got := errors.As(err, &missing); got != (profile == "other") {
			t.Errorf("profile %s: error %v; want it found only if it was in the file when checked", profile, err)
		}
	}
	if len(files.credentials) != 0 {
		t.Errorf("credentials files %q given to the SDK, want none: there is none", files.credentials)
	}
}

// A profile whose source_profile chain gives the SDK no credentials
// fails it for sure when the inject runs, and is refused when the
// executor is configured, naming the setting (or variable), the profile
// and the cycle or the value: a chain that comes back to the profile
// (loop1 → loop2 → loop1, or a profile its own source_profile without
// keys), one that ends at a profile with no credentials, and a
// credential_source the SDK does not take, the profile's own or its
// source profile's. A self-reference with keys, and each value the SDK
// takes, is not refused.
func TestProfileChainsChecked(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\nregion = eu-west-1\n"
	const keys = "aws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n"
	tests := []profileCase{
		{"cycle of two", "[profile pp]\n" + role + "source_profile = loop2\n[profile loop2]\n" + role + "source_profile = pp\n", "",
			`its source_profile chain comes back to "pp" itself (a cycle) in the shared configuration files (`},
		{"self-loop without keys", "[profile pp]\n" + role + "source_profile = pp\n", "",
			`its source_profile chain comes back to "pp" itself (a cycle)`},
		{"cycle further down", "[profile pp]\n" + role + "source_profile = a\n[profile a]\n" + role + "source_profile = b\n[profile b]\n" + role + "source_profile = a\n", "",
			`the source_profile "a" its chain reaches in the shared configuration files (`},
		{"source profile without credentials", "[profile pp]\n" + role + "source_profile = bare\n[profile bare]\nregion = eu-west-1\n", "",
			`the source_profile "bare" its chain reaches`},
		{"self-loop with keys", "[profile pp]\n" + role + "source_profile = pp\n", "[pp]\n" + keys, ""},
		{"bad credential_source", "[profile pp]\n" + role + "credential_source = Nowhere\n", "",
			`the credential_source "Nowhere" in the shared configuration files (`},
		{"bad credential_source of the source profile", "[profile pp]\n" + role + "source_profile = src\n[profile src]\n" + role + "credential_source = ec2instancemetadata\n", "",
			`the credential_source "ec2instancemetadata" of its source profile "src" in the shared configuration files (`},
		{"credential_source Environment", "[profile pp]\n" + role + "credential_source = Environment\n", "", ""},
		{"credential_source Ec2InstanceMetadata", "[profile pp]\n" + role + "credential_source = Ec2InstanceMetadata\n", "", ""},
		{"credential_source EcsContainer", "[profile pp]\n" + role + "credential_source = EcsContainer\n", "", ""},
	}
	checkProfileCases(t, tests)
}

// The tester's cases through the CLI: validate and run exit 2 before
// anything is sent.
func TestCLIRefusesBrokenProfileChains(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\n"
	setAWSEnv(t)
	writeSharedFiles(t, "[profile loop1]\n"+role+"source_profile = loop2\n[profile loop2]\n"+role+"source_profile = loop1\n"+
		"[profile badcs]\n"+role+"credential_source = Nowhere\n", "")
	st := newStandIn(t, nil, fixtures())
	for profile, want := range map[string]string{
		"loop1": `invalid cloudscan.profile "loop1" (env INJECTKIT_CLOUDSCAN_PROFILE): its source_profile chain comes back to "loop1" itself (a cycle)`,
		"badcs": `invalid cloudscan.profile "badcs" (env INJECTKIT_CLOUDSCAN_PROFILE): the credential_source "Nowhere" in`,
	} {
		getenv := profileEnv(st.URL(), profile)
		for _, cmd := range []string{"run", "validate"} {
			t.Run(profile+" "+cmd, func(t *testing.T) {
				refusedBeforeAnything(t, st, cmd, getenv, want)
			})
		}
	}
}

// The profile the SDK loads when none is named, "default", is checked as
// a named one: a role without a region of its own fails the SDK with
// "Missing Region" when the inject runs, unless the environment's keys
// (which the SDK takes first then) or a region from elsewhere stand in;
// a source_profile naming nothing fails it whatever the environment; no
// [default] at all is ignored. A refusal offers to drop the setting or
// variable naming the profile only when the profile the SDK then loads
// passes: never for AWS_PROFILE=default, which names the profile it
// would fall back to anyway.
func TestDefaultProfileChecked(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\nsource_profile = src\n"
	const src = "[profile src]\nregion = eu-west-1\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n"
	const fix = `add a line "region = …" (eu-west-1, say) to [default], or set AWS_REGION`
	tests := []struct {
		name, config string
		env          map[string]string
		settings     map[string]string
		field, value string // of the refusal, "" for none
		want         string // the end of its reason
	}{
		{"role without a region", "[default]\n" + role + src, noKeys, nil, "profile", "default",
			fix + ", or name another profile in cloudscan.profile or AWS_PROFILE"},
		{"role without a region, keys in the environment", "[default]\n" + role + src, nil, nil, "", "", ""},
		{"role without a region, AWS_REGION", "[default]\n" + role + src, withNoKeys("AWS_REGION", "eu-west-1"), nil, "", "", ""},
		{"role with a region", "[default]\nregion = eu-west-1\n" + role + src, noKeys, nil, "", "", ""},
		{"no default profile", src, noKeys, nil, "", "", ""},
		{"source profile missing, keys in the environment", "[default]\n" + role + "region = eu-west-1\n", nil, nil, "profile", "default",
			"name one of their profiles there, or name another profile in cloudscan.profile or AWS_PROFILE"},
		{"AWS_PROFILE=default", "[default]\n" + role + src, withNoKeys("AWS_PROFILE", "default"), nil, "AWS_PROFILE", "default", fix},
		{"setting default", "[default]\n" + role + src, noKeys, map[string]string{SettingProfile: "default"}, "cloudscan.profile", "default", fix},
		{"setting default, keys in the environment", "[default]\n" + role + src, nil, map[string]string{SettingProfile: "default"}, "cloudscan.profile", "default",
			fix + ", or leave the setting out for the SDK's standard chain"},
		{"AWS_PROFILE without a region, default with one", "[profile scan]\n" + role + "[default]\nregion = eu-west-1\n" + role + src,
			withNoKeys("AWS_PROFILE", "scan"), nil, "AWS_PROFILE", "scan",
			`add a line "region = …" (eu-west-1, say) to [profile scan], or set AWS_REGION, or unset AWS_PROFILE`},
		{"AWS_PROFILE and default without a region", "[profile scan]\n" + role + "[default]\n" + role + src,
			withNoKeys("AWS_PROFILE", "scan"), nil, "AWS_PROFILE", "scan",
			`add a line "region = …" (eu-west-1, say) to [profile scan], or set AWS_REGION`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsEnvWith(t, tt.env, tt.config, "")
			err := New().Configure(tt.settings)
			var ve *signatures.ValidationError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.field != "" && (!errors.As(err, &ve) || ve.Field != tt.field || ve.Value != tt.value || !strings.HasSuffix(ve.Reason, tt.want)):
				t.Errorf("error %v, want %s %q refused ending with %q", err, tt.field, tt.value, tt.want)
			}
		})
	}
}

// The tester's case through the CLI: [default] assumes a role over a
// source profile that alone has a region, nothing names a profile, no
// region in the environment: validate and run exit 2 naming the profile
// and the line to add, nothing sent (run exited 3 with the SDK's
// "Missing Region" before).
func TestCLIRefusesDefaultRoleWithoutRegion(t *testing.T) {
	setAWSEnv(t)
	for k, v := range noKeys {
		t.Setenv(k, v)
	}
	writeSharedFiles(t, "[profile src]\nregion = eu-west-1\n[default]\nrole_arn = arn:aws:iam::123456789012:role/scan\nsource_profile = src\n",
		"[src]\naws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = s\n")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, func(string) string { return "" },
				`invalid profile "default": the one the SDK loads when neither cloudscan.profile, AWS_PROFILE nor AWS_DEFAULT_PROFILE names one: it assumes a role (role_arn) but sets no region`)
		})
	}
}
