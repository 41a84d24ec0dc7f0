package openaev

import (
	"strconv"
	"strings"
)

// String returns the version and the line it belongs to, e.g. "2.4.0
// (2.4 line)", "1.18.0 (1.18 line)" or "3.260821.0 (current line)"; a
// version not read is "unknown version (2.4 line assumed)". Every line
// before the Current one is handled alike (see PlatformVersion), but a
// log line names the one the version is of, not the 2.4 line for all.
func (v PlatformVersion) String() string {
	switch {
	case v.Current && v.Raw == "":
		return "unknown version (current line assumed)"
	case v.Current:
		return v.Raw + " (current line)"
	case v.Raw == "":
		return "unknown version (2.4 line assumed)"
	}
	major, minor, ok := majorMinorOf(v.Raw)
	switch {
	case !ok || minor < 0:
		return v.Raw + " (before the current line)"
	case minor >= 100000: // 2.YYMMDD.N before SignatureVersion
		return v.Raw + " (a calendar release before " + SignatureVersion + ")"
	}
	return v.Raw + " (" + strconv.Itoa(major) + "." + strconv.Itoa(minor) + " line)"
}

// majorOf returns the major number of a version string.
func majorOf(raw string) (int, bool) {
	major, _, ok := majorMinorOf(raw)
	return major, ok
}

// majorMinorOf returns the major number of a version string and, when
// it has one, its minor (-1 when it has none).
func majorMinorOf(raw string) (major, minor int, ok bool) {
	core := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(raw), "v"), "V")
	first, rest, _ := strings.Cut(core, ".")
	major, err := strconv.Atoi(first)
	if err != nil {
		return 0, -1, false
	}
	second, _, _ := strings.Cut(rest, ".")
	if i := strings.IndexAny(second, "-+"); i >= 0 {
		second = second[:i]
	}
	if minor, err = strconv.Atoi(second); err != nil {
		return major, -1, true
	}
	return major, minor, true
}
