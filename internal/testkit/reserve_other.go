//go:build !unix

package testkit

import (
	"errors"
	"net"
)

// reserve is not available here: ports are not reserved.
func reserve(net.IP, int) (int, func(), error) {
	return 0, nil, errors.ErrUnsupported
}
