package cli

import (
	"errors"
	"fmt"

	"github.com/injectkit/injectkit/openaev"
)

// contractRefused is the usage error (exit 2) of an inject the platform
// says was made with another injector's contract than the one run
// (openaev.CheckContract, read before anything is sent), naming where
// the inject came from: its id and where it was given (a flag, the
// environment, the config file, the inject file), with the change that
// runs it with its own injector when that is one of this program's; or a
// platform message, whose contract disagrees with the platform's (a stale
// message). Any other error is returned as it is.
func contractRefused(o Options, cfg runConfig, err error) error {
	var cm *openaev.ContractMismatchError
	if !errors.As(err, &cm) {
		return err
	}
	if cfg.OpenAEVMessage != "" {
		return usageErr("invalid openaev_message %q%s: the message's contract disagrees with the platform's, the message is stale: %w; nothing ran or was sent",
			cfg.OpenAEVMessage, cfg.where("openaev_message"), err)
	}
	// Given by the configuration, named after the value (--inject-id);
	// by the inject file, its line and column first, as the file's other
	// values are.
	prefix, where := "", cfg.where("inject_id")
	if where == "" && cfg.InjectFile != "" {
		prefix = cfg.filePlaces.Of("inject_id") + ": "
	}
	// The hint changes the injector where it was given: the command
	// line's argument, or the inject file's "injector".
	hint := ""
	switch {
	case cm.Owner == "":
	case cfg.injectorFromFile:
		hint = fmt.Sprintf("the inject is %s's: write \"injector\": %q in place of %q (%s), or name the injector %s on the command line",
			cm.Owner, cm.Owner, cm.Injector, cfg.filePlaces.Of("injector"), cm.Owner)
	default:
		hint = fmt.Sprintf("the inject is %s's: run the same command with the injector %s in place of %s", cm.Owner, cm.Owner, cm.Injector)
	}
	return &ExitError{Code: ExitUsage, Hint: hint,
		Err: fmt.Errorf("%sinvalid inject_id %q%s: %w; nothing ran or was sent", prefix, cm.InjectID, where, err)}
}
