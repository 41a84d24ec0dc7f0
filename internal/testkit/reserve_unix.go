//go:build unix

package testkit

import (
	"net"
	"syscall"
)

// reserve binds a TCP socket to ip and port (0: a free port) without
// listening on it, so that the port stays closed there, and that nothing
// else binds it, until release is called.
func reserve(ip net.IP, port int) (bound int, release func(), err error) {
	family, sa := syscall.AF_INET6, syscall.Sockaddr(nil)
	if v4 := ip.To4(); v4 != nil {
		family, sa = syscall.AF_INET, &syscall.SockaddrInet4{Port: port, Addr: [4]byte(v4)}
	} else {
		sa6 := &syscall.SockaddrInet6{Port: port}
		copy(sa6.Addr[:], ip.To16())
		sa = sa6
	}
	// Not SOCK_CLOEXEC, which darwin lacks: close-on-exec set under
	// ForkLock, as the standard library does there, so that no child
	// started meanwhile inherits the socket.
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(family, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return 0, nil, err
	}
	if err := syscall.Bind(fd, sa); err != nil {
		_ = syscall.Close(fd)
		return 0, nil, err
	}
	got, err := syscall.Getsockname(fd)
	if err != nil {
		_ = syscall.Close(fd)
		return 0, nil, err
	}
	switch a := got.(type) {
	case *syscall.SockaddrInet4:
		bound = a.Port
	case *syscall.SockaddrInet6:
		bound = a.Port
	}
	return bound, func() { _ = syscall.Close(fd) }, nil
}
