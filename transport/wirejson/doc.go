// Package wirejson writes the JSON of one expectation-signature payload
// target (signatures.PayloadTarget), the bulk of every callback body, and
// measures it without writing it.
//
// Its contract is a single rule: AppendTarget writes byte for byte what
// json.Marshal writes for the same target, and TargetSize returns the
// length AppendTarget would write. The fuzz tests FuzzAppendTarget
// (against encoding/json) and FuzzTargetSize (against AppendTarget) hold
// the package to it, so the payload's JSON shape is defined in one place:
// the struct tags of the signatures package.
//
// The package exists for speed only: transport plans the bodies of a
// payload of any size from the targets' sizes before encoding each target
// once, straight into the body it belongs to.
package wirejson
