package cloudscan

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

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
			setAWSEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			writeSharedFiles(t, tt.config, "")
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
