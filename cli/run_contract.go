package cli

import (
	"errors"
	"fmt"

	"github.com/injectkit/injectkit/openaev"
)

// contractRefused is the usage error (exit 2) of an inject the platform
// says was made with another injector's contract than the one run
// (openaev.CheckContract, read before anything is sent), naming the
// inject id and where it was given, and the command that runs it with its
// own injector when that is one of this program's. Any other error is
// returned as it is.
func contractRefused(o Options, cfg runConfig, err error) error {
	var cm *openaev.ContractMismatchError
	if !errors.As(err, &cm) {
		return err
	}
	hint := ""
	if cm.Owner != "" {
		hint = fmt.Sprintf("the inject is %s's: run it with %s run %s --inject-id %s", cm.Owner, o.name(), cm.Owner, cm.InjectID)
	}
	return &ExitError{Code: ExitUsage, Hint: hint,
		Err: fmt.Errorf("invalid inject_id %q%s: %w; nothing ran or was sent", cm.InjectID, cfg.where("inject_id"), err)}
}
