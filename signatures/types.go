package signatures

import (
	"fmt"
	"strings"
)

// ExpectationType is the kind of defence a signature is checked against.
type ExpectationType string

// The expectation types the platform knows.
const (
	Detection     ExpectationType = "DETECTION"
	Prevention    ExpectationType = "PREVENTION"
	Vulnerability ExpectationType = "VULNERABILITY"
)

// ExpectationTypes lists the valid expectation types in their canonical order.
func ExpectationTypes() []ExpectationType {
	return []ExpectationType{Detection, Prevention, Vulnerability}
}

// Valid reports whether t is one of the known expectation types.
func (t ExpectationType) Valid() bool {
	switch t {
	case Detection, Prevention, Vulnerability:
		return true
	}
	return false
}

// ParseExpectationType parses s case-insensitively.
func ParseExpectationType(s string) (ExpectationType, error) {
	t := ExpectationType(strings.ToUpper(strings.TrimSpace(s)))
	if !t.Valid() {
		return "", &ValidationError{Field: "expectation_type", Value: s,
			Reason: "unknown expectation type (valid: DETECTION, PREVENTION, VULNERABILITY)"}
	}
	return t, nil
}

// Category is the kind of target a configuration describes.
type Category string

// The three target categories.
const (
	Network  Category = "network"
	Cloud    Category = "cloud"
	External Category = "external"
)

// ParseCategory parses one of "network", "cloud" or "external".
func ParseCategory(s string) (Category, error) {
	switch c := Category(strings.ToLower(s)); c {
	case Network, Cloud, External:
		return c, nil
	}
	return "", fmt.Errorf("unknown category %q (valid: network, cloud, external)", s)
}

// SignatureType is a signature label as the OpenAEV platform and its
// collectors name it. The wire accepts any non-empty string as a type; these
// are the labels collectors are known to parse.
type SignatureType string

// Known signature labels.
const (
	ParentProcessName     SignatureType = "parent_process_name"
	SourceIPv4Address     SignatureType = "source_ipv4_address"
	SourceIPv6Address     SignatureType = "source_ipv6_address"
	TargetIPv4Address     SignatureType = "target_ipv4_address"
	TargetIPv6Address     SignatureType = "target_ipv6_address"
	TargetHostnameAddress SignatureType = "target_hostname_address"
	StartDate             SignatureType = "start_date"
	EndDate               SignatureType = "end_date"
	CloudProviderType     SignatureType = "cloud_provider"
	CloudAccountIDType    SignatureType = "cloud_account_id"
	CloudRegionType       SignatureType = "cloud_region"
	TargetServiceType     SignatureType = "target_service"
	QueryType             SignatureType = "query"
)

// ExecutionStatus is the outcome recorded in a post-execution signature.
type ExecutionStatus string

// The execution statuses CompilePost can record.
const (
	StatusSuccess ExecutionStatus = "success"
	StatusPartial ExecutionStatus = "partial"
	StatusFailed  ExecutionStatus = "failed"
	StatusTimeout ExecutionStatus = "timeout"
)
