package cloudscan

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// A shared file holding a line that opens a section header the SDK does
// not read as one ("[keys" without its "]", text after the "]", a # or ;
// inside the brackets, a byte order mark before it, no name) is refused
// whatever the settings, naming the file and the line, what the SDK sees
// of the header (never what follows its "]" or an "=" on it) and where
// the lines under it go; a header the SDK
// reads (a comment after it, blanks inside), a comment line and a value's
// indented continuation are not.
func TestMalformedSectionHeaderRefused(t *testing.T) {
	const keys = "aws_access_key_id = AKIAPROFILECHECK0001\naws_secret_access_key = S3cr3tAwsSec96\n"
	tests := []struct {
		name, config, credentials string
		file                      string // "config" or "credentials": the file refused, "" for none
		line, shown               string
		want                      string // in the reason
	}{
		{"no closing bracket, top of the credentials file", "", "[keys\n" + keys, "credentials", "1", "[keys",
			`a section header with no closing "]", which the AWS SDK does not read as one: it reads this file as its shared credentials file (AWS_SHARED_CREDENTIALS_FILE), ignores the line, and the lines under it are ignored (no section is above it); write the header as [name]`},
		{"no closing bracket under another section", "", "[default]\n" + keys + "\n[keys\n" + keys, "credentials", "5", "[keys",
			"the lines under it go to the section above it, [default] at line 1"},
		{"text after the bracket", "", "[keys]x\n" + keys, "credentials", "1", "[keys]…", `with text after its closing "]"`},
		{"a property on the header's line", "", "[keys]aws_secret_access_key=S3cr3tAwsSec96\n", "credentials", "1", "[keys]…",
			`with text after its closing "]"`},
		{"a comment character inside the brackets", "", "[ke#ys]\n" + keys, "credentials", "1", "[ke", `a # or ; before its closing "]"`},
		{"a byte order mark", "", "\ufeff[keys]\n" + keys, "credentials", "1", "[keys]", `a byte order mark (U+FEFF) before its "["`},
		{"no name", "", "[ ]\n" + keys, "credentials", "1", "[ ]", "no name between its brackets"},
		{"in the config file", "[profile keys\nregion = us-east-1\n", "", "config", "1", "[profile keys",
			"its shared config file (AWS_CONFIG_FILE), ignores the line, and the lines under it are ignored (no section is above it); write the header as [profile name]"},
		{"comment after the header", "[profile keys] # scans\nregion = us-east-1\n", "[keys] ; scans\n" + keys, "", "", "", ""},
		{"blanks inside the brackets", "[ profile   keys ]\nregion = us-east-1\n", "[ keys ]\n" + keys, "", "", "", ""},
		{"comment lines", "# [profile keys\n; [x\n", "  # [keys\n" + "[keys]\n" + keys, "", "", "", ""},
		{"an indented continuation", "[profile keys]\ns3 =\n  [x\n", "[keys]\n" + keys, "", "", "", ""},
		{"carriage returns", "[profile keys]\r\nregion = us-east-1\r\n", "[keys]\r\n" + keys, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			writeSharedFiles(t, tt.config, tt.credentials)
			err := New().Configure(nil)
			if tt.file == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			path := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
			if tt.file == "config" {
				path = os.Getenv("AWS_CONFIG_FILE")
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != path+":"+tt.line || ve.Value != tt.shown || !strings.Contains(ve.Reason, tt.want) {
				t.Fatalf("error %v, want %s:%s %q refused with %q", err, path, tt.line, tt.shown, tt.want)
			}
			if strings.Contains(err.Error(), "S3cr3tAwsSec96") {
				t.Errorf("the secret key is in the error: %v", err)
			}
		})
	}
}

// The tester's case through the CLI: validate and run exit 2 naming the
// file and the line, nothing sent (run went on to the instance role).
func TestCLIRefusesMalformedSectionHeader(t *testing.T) {
	setAWSEnv(t)
	for k, v := range noKeys {
		t.Setenv(k, v)
	}
	writeSharedFiles(t, "[profile keys]\nregion = us-east-1\n", "[keys\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, profileEnv(st.URL(), "keys"),
				`invalid `+os.Getenv("AWS_SHARED_CREDENTIALS_FILE")+`:1 "[keys": a section header with no closing "]"`)
		})
	}
}

// What the check rests on, the SDK's loader run for real: a header
// without its "]" is no header, and the keys under it go to the section
// above it, over that section's own.
func TestSDKIgnoresMalformedSectionHeader(t *testing.T) {
	setAWSEnv(t)
	writeSharedFiles(t, "", "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = defaultsecret\n"+
		"[keys\naws_access_key_id = AKIAKEYS000000000001\naws_secret_access_key = keyssecret\n")
	files := func(o *awsconfig.LoadSharedConfigOptions) {
		o.ConfigFiles, o.CredentialsFiles = []string{os.Getenv("AWS_CONFIG_FILE")}, []string{os.Getenv("AWS_SHARED_CREDENTIALS_FILE")}
	}
	if _, err := awsconfig.LoadSharedConfigProfile(context.Background(), "keys", files); !errors.As(err, new(awsconfig.SharedConfigProfileNotExistError)) {
		t.Errorf("profile keys: %v, want no such profile", err)
	}
	c, err := awsconfig.LoadSharedConfigProfile(context.Background(), "default", files)
	if err != nil || c.Credentials.AccessKeyID != "AKIAKEYS000000000001" {
		t.Errorf("default's key %q, %v; want the one under [keys", c.Credentials.AccessKeyID, err)
	}
}

// A shared file holding a property whose value, as the SDK's reader
// takes it, is a lone quote (" or '; indented, after a ":", before a
// comment, before a carriage return) is refused whatever the settings,
// naming the file, the line and the key: the SDK's reader panics on it,
// ending the process (validate crashed). A quoted value, an empty one,
// a quote inside a value and a comment line are not.
func TestLoneQuoteValueRefused(t *testing.T) {
	tests := []struct {
		name, body string
		line, key  string // refused, "" for none
	}{
		{"double quote", "[keys]\nregion = \"\n", "2", "region"},
		{"single quote", "[keys]\nregion='\n", "2", "region"},
		{"colon", "[keys]\nregion: \"\n", "2", "region"},
		{"before a comment", "[keys]\nregion = \" # eu\n", "2", "region"},
		{"carriage return", "[keys]\r\nregion = \"\r\n", "2", "region"},
		{"indented", "[keys]\ns3 =\n  addressing_style = '\n", "3", "addressing_style"},
		{"before any section", "region = \"\n[keys]\n", "1", "region"},
		{"quoted", "[keys]\nregion = \"eu-west-1\"\nrole_session_name = ''\n", "", ""},
		{"a quote inside", "[keys]\nregion = \"#\nx = a \"\n", "", ""},
		{"comment line", "[keys]\n# region = \"\n", "", ""},
	}
	for _, tt := range tests {
		for _, file := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
			t.Run(tt.name+" "+file, func(t *testing.T) {
				setAWSEnv(t)
				path := os.Getenv(file)
				if err := os.WriteFile(path, []byte(tt.body), 0o600); err != nil {
					t.Fatal(err)
				}
				err := New().Configure(nil)
				var ve *signatures.ValidationError
				switch {
				case tt.key == "" && err != nil:
					t.Errorf("refused: %v", err)
				case tt.key != "" && (!errors.As(err, &ve) || ve.Field != path+":"+tt.line || ve.Value != tt.key ||
					!strings.HasPrefix(ve.Reason, `a value of a lone quote (" or '), on which the AWS SDK's reader of its shared `)):
					t.Errorf("error %v, want %s:%s %q refused for its lone quote", err, path, tt.line, tt.key)
				}
			})
		}
	}
}

// The case through the CLI: validate and run exit 2 naming the file and
// the line, nothing sent; both panicked in the SDK's reader before.
func TestCLIRefusesLoneQuoteValue(t *testing.T) {
	setAWSEnv(t)
	writeSharedFiles(t, "", "[keys]\nregion = \"\n")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()),
				`invalid `+os.Getenv("AWS_SHARED_CREDENTIALS_FILE")+`:2 "region": a value of a lone quote`)
		})
	}
}

// FuzzScanSections checks the scanner against the SDK's own loader of a
// credentials file: the loader never panics on a file it does not refuse
// (testdata/fuzz holds the lone quote it first found), every section it
// finds in such a file
// is a profile the SDK loads (but [profile …], which the SDK drops
// there), and a file it does not refuse gives the SDK no profile it did
// not find (checked on the name the seed's keys are under).
func FuzzScanSections(f *testing.F) {
	fuzzSDKCredentialsFile(f, []string{
		"[keys]\naws_access_key_id = A\naws_secret_access_key = s\n",
		"[keys\naws_access_key_id = A\n",
		"[ keys ] # c\nregion = x\n[profile  other]\n",
		"\ufeff[keys]\n",
		"[a b]\n  [keys\n[keys]x\n",
		"[keys];c\r\nregion=x\r\n",
	}, func(t *testing.T, _, _ string, headers []sectionHeader, files func(*awsconfig.LoadSharedConfigOptions)) {
		found := map[string]bool{}
		for _, h := range headers {
			found[h.name] = true
			if strings.HasPrefix(h.name, "profile ") {
				continue
			}
			_, err := awsconfig.LoadSharedConfigProfile(context.Background(), h.name, files)
			if errors.As(err, new(awsconfig.SharedConfigProfileNotExistError)) {
				t.Errorf("section [%s] (line %d) found, but the SDK has no such profile", h.name, h.line)
			}
		}
		if !found["keys"] {
			_, err := awsconfig.LoadSharedConfigProfile(context.Background(), "keys", files)
			if !errors.As(err, new(awsconfig.SharedConfigProfileNotExistError)) {
				t.Errorf("no section [keys] found, but the SDK loads a profile keys (%v)", err)
			}
		}
	})
}
