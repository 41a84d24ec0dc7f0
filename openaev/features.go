package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// SignatureFeature is the platform's preview feature without which a
// Current-line platform stores no expectation signatures: its
// SignatureOutputProcessor ignores them unless the operator lists
// SIGNATURE_OUTPUT_PROCESSOR, or "*" (every feature), in the configuration
// openaev.enabled-dev-features, which is empty by default. GET
// /api/settings/public, which needs no token (GET /api/settings lists
// them too, to any token the platform knows), lists the enabled features
// in enabled_dev_features.
const SignatureFeature = "SIGNATURE_OUTPUT_PROCESSOR"

// SignaturesDroppedWarning is the WARN line a client logs once when the
// platform's enabled_dev_features lack SignatureFeature.
const SignaturesDroppedWarning = "the platform stores no expectation signatures: " + SignatureFeature +
	" is not in its enabled_dev_features (openaev.enabled-dev-features); results are delivered, signatures dropped by the platform"

// parseDevFeatures reads enabled_dev_features from the body of GET
// /api/settings or /api/settings/public; ok is false when the field is
// absent or null.
func parseDevFeatures(b []byte) (features []string, ok bool, err error) {
	var settings struct {
		Features *[]string `json:"enabled_dev_features"`
	}
	if err := json.Unmarshal(b, &settings); err != nil {
		return nil, false, fmt.Errorf("settings reply: %w", err)
	}
	if settings.Features == nil {
		return nil, false, nil
	}
	return *settings.Features, true, nil
}

// storesSignatures reports whether features enable signature processing:
// SIGNATURE_OUTPUT_PROCESSOR or the all-flag, which the platform lists as
// FEATURE_FLAG_ALL ("*" in its configuration), case aside.
func storesSignatures(features []string) bool {
	for _, f := range features {
		switch strings.ToUpper(strings.TrimSpace(f)) {
		case SignatureFeature, "FEATURE_FLAG_ALL", "*":
			return true
		}
	}
	return false
}

// SignaturesUnknownWarning is the WARN line a client logs once when it
// could read the platform's enabled_dev_features from neither settings
// route: the operator cannot tell otherwise whether the signatures sent
// are stored.
const SignaturesUnknownWarning = "whether the platform stores expectation signatures is not known: its enabled_dev_features could not be read" +
	" (GET /api/settings/public, then /api/settings); it stores none unless openaev.enabled-dev-features lists " + SignatureFeature +
	"; results are delivered, signatures sent all the same"

// checkSignatureFeature reads the platform's enabled_dev_features and
// logs SignaturesDroppedWarning when they do not enable signature
// processing. It reads them from settings, the body of GET /api/settings
// when the version was read there; else from GET /api/settings/public,
// which the platform serves to any caller (PublicPlatformSettings, without
// RBAC); else, when that route fails or lists no features, from GET
// /api/settings. Each read is sent once, not retried.
// When none gives them, it logs SignaturesUnknownWarning with the errors
// (a DEBUG line when ctx ended: the run is over). The signatures are sent
// all the same, whatever the answer. Called once per client, under verMu.
func (c *Client) checkSignatureFeature(ctx context.Context, settings []byte) {
	var errs []string
	read := func(route string, body []byte) ([]string, bool) {
		features, listed, err := parseDevFeatures(body)
		if err == nil && !listed {
			err = errors.New("settings reply: no enabled_dev_features")
		}
		if err != nil {
			errs = append(errs, route+": "+err.Error())
		}
		return features, err == nil
	}
	get := func(op, path string) ([]string, bool) {
		body, err := c.do(ctx, request{op: op, method: http.MethodGet, root: true, path: path, once: true})
		if err != nil {
			errs = append(errs, "/api"+path+": "+err.Error())
			return nil, false
		}
		return read("/api"+path, body)
	}
	var features []string
	listed := false
	if settings != nil {
		features, listed = read("/api/settings", settings)
	}
	if !listed {
		features, listed = get("public settings", "/settings/public")
	}
	if !listed && settings == nil && ctx.Err() == nil {
		features, listed = get("settings", "/settings")
	}
	switch {
	case !listed && ctx.Err() != nil:
		c.log.Debug("the platform's enabled_dev_features not read: the run ended", zap.Error(ctx.Err()))
	case !listed:
		c.log.Warn(SignaturesUnknownWarning, zap.String("error", c.redact(strings.Join(errs, "; "))))
	case !storesSignatures(features):
		c.log.Warn(SignaturesDroppedWarning, zap.Strings("enabled_dev_features", features))
	default:
		c.log.Debug("the platform stores expectation signatures", zap.Strings("enabled_dev_features", features))
	}
}
