package cli

import (
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/runtime"
)

// The configuration (flags, environment, config file) wins over the
// inject file, field by field: inject_id, phase, timeout, expectation
// (the whole list) and the targets replace the file's; a param replaces
// the file's param of that key only. A flag is typed for this run; a value
// of the environment or of a config file, shared by every run, may replace
// the inject file's unseen: logReplaced says so.

// targetKeys are the keys whose targets replace the inject file's.
var targetKeys = []string{"target", "targets_file", "query", "cloud_provider", "cloud_account", "cloud_region", "target_service"}

// logReplaced logs one INFO line listing the inject file's values that a
// config file or environment variable replaces, each with where it was
// given; nothing when none is. file is the request as the inject file
// gives it, before the merge, and fileTargets the number of its targets.
func logReplaced(log *zap.Logger, cfg runConfig, file runtime.Request, fileTargets int) {
	var replaced []string
	// add lists the inject file's field replaced by what ("timeout
	// (config file c.yaml:3)") unless a flag gave it.
	add := func(field, by string) {
		if strings.Contains(by, " (config file ") || strings.Contains(by, " (env ") {
			replaced = append(replaced, field+": "+by)
		}
	}
	if file.InjectID != "" && cfg.InjectID != "" {
		add("inject_id", "inject_id"+cfg.where("inject_id"))
	}
	if file.Phase != "" && cfg.Phase != "" {
		add("phase", "phase"+cfg.where("phase"))
	}
	if file.Timeout != 0 && cfg.Execution.Timeout != 0 {
		add("timeout", "timeout"+cfg.where("timeout"))
	}
	if len(file.ExpectationTypes) > 0 && len(cfg.Expectations) > 0 {
		add("expectation_types", "expectation"+cfg.where("expectation"))
	}
	for i, kv := range cfg.Params {
		if k, _, _ := strings.Cut(kv, "="); hasKey(file.Params, k) {
			add("params."+k, "param "+k+cfg.wherePair("param", i))
		}
	}
	if fileTargets > 0 {
		for _, k := range targetKeys {
			if cfg.where(k) != "" {
				add("targets", k+cfg.where(k))
				break // the first: they replace the targets together
			}
		}
	}
	if len(replaced) > 0 {
		log.Info("inject file values replaced by the configuration", zap.String("inject_file", cfg.InjectFile),
			zap.Strings("replaced", replaced))
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
