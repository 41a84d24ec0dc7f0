package cloudscan

import "testing"

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
