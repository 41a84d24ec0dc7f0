package cli

// profileKeys are the settings of one wire profile, which the other
// ignores: the callback profile's phase, the openaev profile's platform
// version, rerun of a finished inject and ingestion window.
var profileKeys = map[string][]string{
	ProfileCallback: {"phase", "phase_any"},
	ProfileOpenAEV:  {"openaev_version", "rerun_finished", "openaev_ingest_window"},
}

// otherProfileFlags refuses a flag of the profile the run does not use:
// typed for this run, it would be ignored without a word. The
// environment and a config file, which may serve runs of both profiles,
// may hold them: they are ignored.
func (cfg *runConfig) otherProfileFlags() error {
	profile, other := ProfileCallback, ProfileOpenAEV
	if cfg.openAEV() {
		profile, other = ProfileOpenAEV, ProfileCallback
	}
	for _, key := range profileKeys[other] {
		if src := cfg.source(key); src.flag() {
			return usageErr("%s is a setting of the %s profile, and this run uses the %s profile (%s), which ignores it: "+
				"%s", src.at(), other, profile, cfg.profileGiven(), src.drop())
		}
	}
	return nil
}

// profileGiven says how the run's profile was chosen: where profile was
// set (--profile, env INJECTKIT_PROFILE, config file c.yaml:2),
// --openaev-message, or the default.
func (cfg *runConfig) profileGiven() string {
	switch src := cfg.source("profile"); {
	case src.given():
		return src.at()
	case cfg.OpenAEVMessage != "":
		return "--openaev-message"
	}
	return "the default"
}
