package runtime

import "io"

// DecodeRequest reads a request as DecodeInjectFile does, its targets
// decoded into Targets: the tests' way to read one whole. Production reads
// an inject file's targets one at a time (FileTargets.Each).
func DecodeRequest(r io.Reader) (Request, error) {
	name := ""
	if f, ok := r.(interface{ Name() string }); ok {
		name = f.Name()
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return Request{}, err
	}
	req, targets, err := DecodeInjectFile(name, data)
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
