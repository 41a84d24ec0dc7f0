package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

func (c *runConfig) setFrom(key, from string) {
	if c.from == nil {
		c.from = map[string]string{}
	}
	c.from[key] = from
}

// origin returns where the user set key, "" when nobody did (a default
// counts as nobody).
func (c *runConfig) origin(key string) string {
	if f := c.from[key]; f != "default" {
		return f
	}
	return ""
}

// paramErr is the error of the --param pair kv (key=value) that its
// injector refuses: the pair as the user wrote it and where, then why.
func (c *runConfig) paramErr(kv string, err error) error {
	reason := err.Error()
	var ve *signatures.ValidationError
	if errors.As(err, &ve) {
		reason = ve.Reason
	}
	return usageErr("invalid param %q%s: %s", kv, c.where("param"), reason)
}

func (c *runConfig) where(key string) string {
	if o := c.origin(key); o != "" {
		return " (" + o + ")"
	}
	return ""
}

// relabel rewrites a request error about a setting the user gave (a
// param of the pairs of "param", or max_payload_size) to name where it was
// given; any other error is returned as it is.
func (c *runConfig) relabel(err error) error {
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	if name, ok := strings.CutPrefix(ve.Field, "params."); ok {
		for _, kv := range c.Params {
			if k, _, _ := strings.Cut(kv, "="); k == name {
				return c.paramErr(kv, err)
			}
		}
		return err
	}
	if ve.Field == "max_payload_size" && c.origin(ve.Field) != "" {
		return fmt.Errorf("invalid %s %q%s: %s", ve.Field, ve.Value, c.where(ve.Field), ve.Reason)
	}
	return err
}
