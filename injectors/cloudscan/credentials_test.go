package cloudscan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// testSessionToken is a session token whose URL-encoded, JSON-escaped,
// form-decoded and base64 forms differ from it ('+', '/', '=').
const testSessionToken = "IQoJb3JpZ2luX2VjE+SessTok/en+With/Slash=="

// testEscapableSecretKey is a secret key whose JSON-escaped ("/" as "\/")
// and form-decoded forms differ from it.
const testEscapableSecretKey = "Se+cr/et+Key/With+Slash/abcdEFGH1234567890"

// credentialForms returns every form of the test credentials AWS or the
// SDK may echo: as is, lower-cased, URL encoded (either case of hex
// digits), JSON-escaped with "/" as "\/", form-decoded ("+" as a space),
// base64.
func credentialForms() []string {
	var out []string
	for _, v := range []string{testAccessKeyID, testEscapableSecretKey, testSessionToken} {
		out = append(out, v, strings.ToLower(v), url.QueryEscape(v), strings.ToLower(url.QueryEscape(v)), url.PathEscape(v),
			jsonSlashes(v), strings.ReplaceAll(v, "+", " "),
			base64.StdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)))
	}
	return out
}

// jsonSlashes returns v as PHP's json_encode writes it inside a string,
// "/" as "\/".
func jsonSlashes(v string) string {
	b, _ := json.Marshal(v)
	return strings.ReplaceAll(string(b[1:len(b)-1]), "/", `\/`)
}

// redactedText is what stands where a credential was.
const redactedText = httpx.Redacted

// TestCredentialsNeverShown has the stand-in answer one call with an error
// whose message quotes the request, credentials included, as AWS does
// (SignatureDoesNotMatch: the canonical request with x-amz-security-token;
// IncompleteSignature: the Authorization header), or with one echoing them
// in every form. Through `injectkit run -o text` with debug logs and
// through Execute, no form of the access key id, the secret key or the
// session token reaches the terminal, a log line, the output's message or
// its findings; an error about the signature is shown by its code.
func TestCredentialsNeverShown(t *testing.T) {
	for _, tt := range []struct {
		name, event, code, service string
		// signature: reported by code only; else redacted
		signature bool
	}{
		{"identity SignatureDoesNotMatch", "sts.amazonaws.com:GetCallerIdentity", "SignatureDoesNotMatch", "", true},
		{"ec2 SignatureDoesNotMatch", "ec2.amazonaws.com:DescribeSecurityGroups", "SignatureDoesNotMatch", "ec2", true},
		{"iam IncompleteSignature", "iam.amazonaws.com:ListUsers", "IncompleteSignature", "iam", true},
		{"s3 listing SignatureDoesNotMatch", "s3.amazonaws.com:ListBuckets", "SignatureDoesNotMatch", "s3", true},
		{"s3 bucket SignatureDoesNotMatch", "s3.amazonaws.com:GetBucketAcl", "SignatureDoesNotMatch", "s3", true},
		{"s3 account block SignatureDoesNotMatch", "s3.amazonaws.com:GetAccountPublicAccessBlock", "SignatureDoesNotMatch", "s3", true},
		{"s3 account block refusal echoing every form", "s3.amazonaws.com:GetAccountPublicAccessBlock", "AccessDenied", "s3", false},
		{"identity refusal echoing every form", "sts.amazonaws.com:GetCallerIdentity", "AccessDenied", "", false},
		{"ec2 refusal echoing every form", "ec2.amazonaws.com:DescribeSecurityGroups", "UnauthorizedOperation", "ec2", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
			t.Setenv("AWS_SECRET_ACCESS_KEY", testEscapableSecretKey)
			// What the user sees (the terminal and the logs), and the
			// structured output with the inject's own debug log.
			out, shown, messages := runBothEchoing(t, tt.service, func(st *standIn) { st.echoOn(tt.event, tt.code) })

			// The stand-in did quote the credentials: the test proves something.
			echoed := strings.Join(messages, "\n")
			if !strings.Contains(echoed, testAccessKeyID) && !strings.Contains(echoed, testSessionToken) {
				t.Fatalf("the stand-in's answers quote no credential:\n%s", echoed)
			}
			notShown(t, shown, credentialForms()...)
			if !strings.Contains(out.ErrorInfo.Message, tt.code) && tt.signature {
				t.Errorf("message %q does not name %s", out.ErrorInfo.Message, tt.code)
			}
			if !tt.signature && !strings.Contains(shown, redactedText) {
				t.Errorf("no %s where the credentials were:\n%s", redactedText, shown)
			}
		})
	}
}

// TestOwnAccessKeyIDIsAFinding pins what the package doc promises: an
// access key id is an identifier, not a secret, and the iam check lists
// users' access key ids as its findings, the scanner's own included
// (here bob's key signs the requests); the secret key never shows.
func TestOwnAccessKeyIDIsAFinding(t *testing.T) {
	const own = "AKIABOBKEYEXAMPLE001" // bob's old key in the fixtures
	setAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", own)
	st := newStandIn(t, []string{"private-logs"}, fixtures())
	st.knowKey(own, testSecretKey, "")
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	cfg := euWest1
	cfg.TargetService = "iam"
	in := newInject(t, []signatures.CloudConfig{cfg}, decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL()))
	out := e.Execute(context.Background(), in)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	summary := strings.Join(out.Findings[FieldFindingsSummary].([]string), "\n")
	if !strings.Contains(summary, "iam access key "+own+" of user bob") {
		t.Errorf("findings_summary does not list the scanner's own old key:\n%s", summary)
	}
	if strings.Contains(string(b), testSecretKey) {
		t.Error("the secret key reached the output")
	}
}

// The tester's files: the profile's region in the config file, its keys
// under [profile keys] in the credentials file, where the SDK ignores
// that section.
const (
	regionOnly    = "[profile keys]\nregion = us-east-1\n"
	misnamedKeys  = "[profile keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n"
	credsFileKeys = "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n"
)

// A profile named by the setting, AWS_PROFILE or AWS_DEFAULT_PROFILE
// whose credentials the SDK takes (always the setting's; a variable's
// unless keys or a web identity token file in the environment come
// first) and that gives none of its own (keys, credential_process, SSO,
// web identity, login, a source_profile or credential_source) is refused
// naming the setting or variable, the profile, the files read and its
// sections, with the hint for a section the SDK ignores; it never quotes
// a secret. The SDK would go on to a container's or an EC2 instance's
// role. The default profile no one names is not: the instance role is
// the SDK's standard chain then. The hint to drop the setting or the
// variable is given only when the SDK would then find credentials.
func TestProfileWithoutCredentialsRefused(t *testing.T) {
	const role = "role_arn = arn:aws:iam::123456789012:role/scan\nregion = us-east-1\n"
	const noCreds = "it gives no credentials of its own in the shared configuration files ("
	tests := []struct {
		name, config, credentials string
		env                       map[string]string // over setAWSEnv's, keys removed (noKeys)
		settings                  map[string]string
		field, value              string   // refused, "" for none
		want                      []string // in the reason
		end                       string   // the reason's end, "" for any
	}{
		{"the tester's case", regionOnly, misnamedKeys, nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{noCreds, "its section [profile keys] (", "config:1) gives no aws_access_key_id with aws_secret_access_key",
				"so the SDK would go on to an EC2 instance's role, not the credentials asked for",
				"credentials:1 has [profile keys], which the SDK ignores in a credentials file: write [keys] there"},
			"write [keys] there; add its keys under [keys] in the credentials file, or another source of credentials to the profile"},
		{"the tester's case, AWS_PROFILE", regionOnly, misnamedKeys, map[string]string{"AWS_PROFILE": "keys"}, nil, "AWS_PROFILE", "keys",
			[]string{noCreds, "write [keys] there"}, ""},
		{"the tester's case, AWS_DEFAULT_PROFILE", regionOnly, misnamedKeys, map[string]string{"AWS_DEFAULT_PROFILE": "keys"}, nil, "AWS_DEFAULT_PROFILE", "keys",
			[]string{noCreds}, ""},
		{"AWS_PROFILE, keys in the environment", regionOnly, misnamedKeys,
			map[string]string{"AWS_PROFILE": "keys", "AWS_ACCESS_KEY_ID": testAccessKeyID, "AWS_SECRET_ACCESS_KEY": testSecretKey}, nil, "", "", nil, ""},
		{"AWS_PROFILE, web identity in the environment", regionOnly, "",
			map[string]string{"AWS_PROFILE": "keys", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/scan"}, nil, "", "", nil, ""},
		{"setting, keys in the environment", regionOnly, "",
			map[string]string{"AWS_ACCESS_KEY_ID": testAccessKeyID, "AWS_SECRET_ACCESS_KEY": testSecretKey}, map[string]string{SettingProfile: "keys"},
			"cloudscan.profile", "keys", []string{noCreds, ", or leave the setting out for the SDK's standard chain"}, ""},
		{"empty credentials file", regionOnly, "\n", nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{noCreds, "add its keys under [keys] in the credentials file"}, ""},
		{"a container's endpoint", regionOnly, "", map[string]string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"},
			map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{"so the SDK would take the container's credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), not the credentials asked for"}, ""},
		{"a role and nothing to assume it with", "[profile keys]\n" + role, "", nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{"it assumes a role (role_arn) with no credentials of its own to assume it with", "credential_source = Ec2InstanceMetadata"}, ""},
		{"sections in both files, neither with keys", regionOnly, "[keys]\nregion = us-east-1\n", nil, map[string]string{SettingProfile: "keys"},
			"cloudscan.profile", "keys", []string{"its sections [profile keys] (", "config:1) and [keys] ("}, ""},
		{"[keys] in the config file", "[keys]\nregion = us-east-1\n" + "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n", "",
			nil, map[string]string{SettingProfile: "keys"}, "cloudscan.profile", "keys",
			[]string{"no such profile in the shared configuration files (", "config:1 has [keys], which the SDK ignores in a config file: write [profile keys] there"}, ""},
		{"setting default, region alone", "[default]\nregion = us-east-1\n", "", nil, map[string]string{SettingProfile: "default"},
			"cloudscan.profile", "default", []string{noCreds, "add its keys under [default] in the credentials file, or another source of credentials to the profile"}, ""},
		{"AWS_PROFILE without, default with credentials", regionOnly, "[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n",
			map[string]string{"AWS_PROFILE": "keys"}, nil, "AWS_PROFILE", "keys", []string{noCreds, ", or unset AWS_PROFILE"}, ""},
		{"nothing named, default with a region alone", "[default]\nregion = us-east-1\n", "", nil, nil, "", "", nil, ""},
		{"keys in the credentials file", regionOnly, credsFileKeys, nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"keys in the config file", regionOnly + "aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n", "",
			nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"credential_process", regionOnly + "credential_process = /bin/false\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"legacy sso", regionOnly + "sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = scan\n", "",
			nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"web identity", "[profile keys]\n" + role + "web_identity_token_file = /var/run/token\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"login session", regionOnly + "login_session = arn:aws:iam::123456789012:user/scan\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"credential_source", "[profile keys]\n" + role + "credential_source = Ec2InstanceMetadata\n", "", nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
		{"source_profile", "[profile keys]\n" + role + "source_profile = src\n", "[src]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = S3cr3tAwsSec96\n",
			nil, map[string]string{SettingProfile: "keys"}, "", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			env := maps.Clone(noKeys)
			maps.Copy(env, tt.env)
			for k, v := range env {
				t.Setenv(k, webIdentityTokenFile(t, k, v))
			}
			// A web identity token file the SDK reads, there.
			writeSharedFiles(t, strings.ReplaceAll(tt.config, "/var/run/token", webIdentityTokenFile(t, "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")), tt.credentials)
			ve, msg := configureRefusal(t, tt.settings, tt.field != "")
			if ve == nil {
				return
			}
			if ve.Field != tt.field || ve.Value != tt.value {
				t.Fatalf("error %v, want %s %q refused", msg, tt.field, tt.value)
			}
			if !strings.HasSuffix(ve.Reason, tt.end) {
				t.Errorf("reason %q, want it to end with %q", ve.Reason, tt.end)
			}
			for _, w := range append(tt.want, os.Getenv("AWS_CONFIG_FILE")) {
				if !strings.Contains(ve.Reason, w) {
					t.Errorf("reason %q, want it to hold %q", ve.Reason, w)
				}
			}
			if strings.Contains(msg, "S3cr3tAwsSec96") || strings.Contains(msg, testSecretKey) {
				t.Errorf("a secret key is in the error: %v", msg)
			}
		})
	}
}

// The tester's case through the CLI: validate and run exit 2 naming the
// setting, the profile and the section the SDK ignores, nothing sent (run
// went on to the instance role, exit 3).
func TestCLIRefusesProfileWithoutCredentials(t *testing.T) {
	setAWSEnv(t)
	for k, v := range noKeys {
		t.Setenv(k, v)
	}
	writeSharedFiles(t, regionOnly, misnamedKeys)
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, profileEnv(st.URL(), "keys"),
				`invalid cloudscan.profile "keys" (env INJECTKIT_CLOUDSCAN_PROFILE): it gives no credentials of its own in the shared configuration files (`)
		})
	}
}

// What the check rests on, the SDK run for real (the instance's
// metadata service disabled, so nothing is sent): with the setting
// naming a profile that holds no credentials, the SDK ignores the
// environment's keys and reaches for the EC2 instance's role.
func TestSDKProfileWithoutCredentialsTakesInstanceRole(t *testing.T) {
	setAWSEnv(t)
	writeSharedFiles(t, regionOnly, misnamedKeys)
	cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithSharedConfigProfile("keys"))
	if err != nil {
		t.Fatalf("LoadDefaultConfig: %v", err)
	}
	if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "ec2imds") || !strings.Contains(err.Error(), "access disabled") {
		t.Errorf("credentials: %v, want the EC2 instance role's refusal (ec2imds)", err)
	}
}
