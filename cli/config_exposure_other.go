//go:build !unix

package cli

// configExposure returns "": there are no Unix owners and modes to judge
// here.
func configExposure(string, bool) string { return "" }
