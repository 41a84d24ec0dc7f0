package openaevtest

import (
	"slices"
	"strings"
)

// Preview features (the platform's PreviewFeature enum, on both lines):
// an operator enables them with the comma-separated configuration
// openaev.enabled-dev-features, empty by default. Each value is matched
// without regard to case against the enum's values, "*" standing for
// FEATURE_FLAG_ALL; an unrecognised one is dropped with a WARN
// (PlatformSettingsService; 2.4.0: service/PlatformSettingsService.java
// :209-225). GET /api/settings and GET /api/settings/public list the
// enabled ones by enum name in enabled_dev_features (2.4.0:
// rest/settings/response/PublicPlatformSettings.java:83-85, which
// PlatformSettings extends).
const (
	// SignatureOutputProcessor enables the storing of expectation
	// signatures (SignatureOutputProcessor.process returns at once
	// without it).
	SignatureOutputProcessor = "SIGNATURE_OUTPUT_PROCESSOR"
	// FeatureFlagAll is the configuration value that enables every
	// preview feature; GET /api/settings lists it as "FEATURE_FLAG_ALL".
	FeatureFlagAll = "*"
)

// previewFeatures maps each PreviewFeature value of either line,
// upper-cased, to its enum name (read-only).
var previewFeatures = map[string]string{
	"MULTI_TENANCY": "MULTI_TENANCY",
	"_RESERVED":     "_RESERVED",
	"*":             "FEATURE_FLAG_ALL",
	"STIX_SECURITY_COVERAGE_FOR_VULNERABILITIES": "STIX_SECURITY_COVERAGE_FOR_VULNERABILITIES",
	"TENANT_FIELDS_FOR_SECURITY_COVERAGE":        "TENANT_FIELDS_FOR_SECURITY_COVERAGE",
	"LEGACY_INGESTION_EXECUTION_TRACE":           "LEGACY_INGESTION_EXECUTION_TRACE",
	"OPENAEV_TRIALS_XTMHUB":                      "OPENAEV_TRIALS_XTMHUB",
	"INJECT_CHAINING":                            "INJECT_CHAINING",
	"AUDIT_LOG":                                  "AUDIT_LOG",
	"SIGNATURE_OUTPUT_PROCESSOR":                 "SIGNATURE_OUTPUT_PROCESSOR",
}

// lineFeatures are the names of each line's PreviewFeature: 2.4.0's
// (rest/settings/PreviewFeature.java:15-23), and the Current line's
// (read-only). A platform drops a value its line lacks, as unrecognised.
var lineFeatures = map[Version]map[string]bool{
	Version24: set("_RESERVED", "FEATURE_FLAG_ALL", "STIX_SECURITY_COVERAGE_FOR_VULNERABILITIES",
		"LEGACY_INGESTION_EXECUTION_TRACE", "MULTI_TENANCY", "OPENAEV_TRIALS_XTMHUB", "INJECT_CHAINING"),
	Current: set("_RESERVED", "FEATURE_FLAG_ALL", "STIX_SECURITY_COVERAGE_FOR_VULNERABILITIES",
		"TENANT_FIELDS_FOR_SECURITY_COVERAGE", "LEGACY_INGESTION_EXECUTION_TRACE", "OPENAEV_TRIALS_XTMHUB",
		"INJECT_CHAINING", "AUDIT_LOG", SignatureOutputProcessor),
}

// SignaturesDisabled is the reason a Call records (Call.SignaturesSkipped)
// when the platform ignored its expectation signatures because signature
// processing is not enabled.
const SignaturesDisabled = "signature processing disabled: " + SignatureOutputProcessor +
	" is not in enabled_dev_features (openaev.enabled-dev-features)"

// KnownDevFeature reports whether a platform of either line recognises a
// value of openaev.enabled-dev-features (case aside; "*" is the
// all-flag).
func KnownDevFeature(value string) bool {
	_, ok := previewFeatures[strings.ToUpper(strings.TrimSpace(value))]
	return ok
}

// devFeatureSet parses configuration values as the platform does:
// trimmed, matched whatever their case, unrecognised ones dropped.
func devFeatureSet(values []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range values {
		if name, ok := previewFeatures[strings.ToUpper(strings.TrimSpace(v))]; ok {
			m[name] = true
		}
	}
	return m
}

// WithDevFeatures sets the platform's openaev.enabled-dev-features, as
// SetDevFeatures does. The stand-in's default is SIGNATURE_OUTPUT_PROCESSOR
// alone (signatures stored); the real platform's default is none.
func WithDevFeatures(values ...string) Option {
	return func(p *Platform) { p.features = devFeatureSet(values) }
}

// SetDevFeatures replaces the enabled preview features with values, given
// as openaev.enabled-dev-features takes them (case aside; "*" enables them
// all; an unrecognised value is dropped, as the platform drops it). No
// value models the platform's default: signature processing off.
func (p *Platform) SetDevFeatures(values ...string) {
	set := devFeatureSet(values)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.features = set
}

// DevFeatures returns, sorted, the enum names GET /api/settings lists in
// enabled_dev_features: the features set that the version's line has
// (2.4.0 drops SIGNATURE_OUTPUT_PROCESSOR, the stand-in's default, as
// unrecognised), and LEGACY_INGESTION_EXECUTION_TRACE with
// WithLegacyIngestion.
func (p *Platform) DevFeatures() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.devFeaturesLocked()
}

func (p *Platform) devFeaturesLocked() []string {
	out := make([]string, 0, len(p.features)+1)
	for name := range p.features {
		if lineFeatures[p.version][name] {
			out = append(out, name)
		}
	}
	if p.legacy && !p.features["LEGACY_INGESTION_EXECUTION_TRACE"] {
		out = append(out, "LEGACY_INGESTION_EXECUTION_TRACE")
	}
	slices.Sort(out)
	return out
}

// signaturesEnabledLocked is PreviewFeatureService.isFeatureEnabled
// (SIGNATURE_OUTPUT_PROCESSOR): the feature or the all-flag is enabled.
func (p *Platform) signaturesEnabledLocked() bool {
	return p.features["FEATURE_FLAG_ALL"] || p.features[SignatureOutputProcessor]
}
