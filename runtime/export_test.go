package runtime

import "io"

// DecodeRequest reads a request as DecodeInjectFile does, its targets
// decoded into Targets: the tests' way to read one whole. Production reads
// an inject file's targets one at a time (FileTargets.Each).
func DecodeRequest(r io.Reader) (Request, error) {
	req, targets, err := DecodeInjectFile(r)
	if err != nil || !targets.given {
		return req, err
	}
	req.Targets = make([]TargetSpec, 0, targets.Len())
	err = targets.Each(func(t TargetSpec, _ int) error {
		req.Targets = append(req.Targets, t)
		return nil
	})
	return req, err
}
