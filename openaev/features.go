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
// /api/settings, readable with any token, lists the enabled features in
// enabled_dev_features.
const SignatureFeature = "SIGNATURE_OUTPUT_PROCESSOR"

// SignaturesDroppedWarning is the WARN line a client logs once when the
// platform's enabled_dev_features lack SignatureFeature.
const SignaturesDroppedWarning = "the platform stores no expectation signatures: " + SignatureFeature +
	" is not in its enabled_dev_features (openaev.enabled-dev-features); results are delivered, signatures dropped by the platform"

// parseDevFeatures reads enabled_dev_features from the body of GET
// /api/settings; ok is false when the field is absent or null.
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

// checkSignatureFeature reads the platform's enabled_dev_features (from
// settings, the body of GET /api/settings when the version was read
// there, else with one GET /api/settings, not retried) and logs
// SignaturesDroppedWarning when they do not enable signature processing.
// A read that fails, or a reply without the field, is one DEBUG line: the
// signatures are sent all the same, whatever the answer. Called once per
// client, under verMu.
func (c *Client) checkSignatureFeature(ctx context.Context, settings []byte) {
	var err error
	if settings == nil {
		settings, err = c.do(ctx, request{op: "settings", method: http.MethodGet, root: true, path: "/settings", once: true})
	}
	var features []string
	var listed bool
	if err == nil {
		features, listed, err = parseDevFeatures(settings)
	}
	if err == nil && !listed {
		err = errors.New("settings reply: no enabled_dev_features")
	}
	switch {
	case err != nil:
		c.log.Debug("the platform's enabled_dev_features not read: whether it stores expectation signatures is not known",
			zap.String("error", c.redact(err.Error())))
	case !storesSignatures(features):
		c.log.Warn(SignaturesDroppedWarning, zap.Strings("enabled_dev_features", features))
	default:
		c.log.Debug("the platform stores expectation signatures", zap.Strings("enabled_dev_features", features))
	}
}
