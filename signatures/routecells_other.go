//go:build !linux

package signatures

import "errors"

// kernelCells is Linux's: elsewhere every address's route is looked up on
// its own.
func kernelCells() (*cellPartition, error) {
	return nil, errors.New("route cells: Linux only")
}
