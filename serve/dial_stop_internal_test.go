package serve

import (
	"context"
	"errors"
	"net"
	"testing"
)

// A stop while the daemon connects to a broker that accepts connections
// and answers nothing (a node stopped with SIGSTOP: its kernel still
// completes the TCP handshake; a partition that drops what follows) ended
// only at the handshake's 30 s limit: SIGTERM to serve redialling a
// frozen node exited 30 s later, whatever --shutdown-timeout. The stop
// now ends the handshake at once, TLS or not. The listener here is that
// broker: it accepts and never writes.
func TestConnectEndsWithTheStopWhileTheBrokerIsSilent(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "amqp", true: "amqps"}[tls], func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			accepted := make(chan net.Conn, 1)
			go func() {
				c, err := ln.Accept()
				if err == nil {
					accepted <- c
				}
			}()
			port := ln.Addr().(*net.TCPAddr).Port
			r := newRunner(&Daemon{})
			reg := Registration{Broker: Broker{Host: "127.0.0.1", Port: port, VHost: "/", User: "guest", Pass: "guest", TLS: tls}, Queue: "q"}

			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := r.connect(ctx, reg)
				done <- err
			}()
			c := <-accepted // the handshake begun, and held
			t.Cleanup(func() { c.Close() })
			cancel()
			if cerr := <-done; !errors.Is(cerr, context.Canceled) {
				t.Errorf("connect: %v, want the stop's context.Canceled", cerr)
			}
		})
	}
}
