package servetest

import (
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// PlatformBroker is b with queue in the form the OpenAEV platform
// stand-in's registration reply hands a daemon.
func PlatformBroker(b serve.Broker, queue string) openaevtest.Broker {
	return openaevtest.Broker{Host: b.Host, Port: b.Port, VHost: b.VHost, User: b.User, Pass: b.Pass, UseSSL: b.TLS, Queue: queue}
}

// PlatformQueue declares a fresh queue on the loopback broker (see Broker
// and Queue: the test is skipped when no broker can be had) and makes p's
// registration reply name it; it returns the queue.
func PlatformQueue(t testing.TB, p *openaevtest.Platform) string {
	t.Helper()
	b := Broker(t)
	queue := Queue(t)
	p.SetBroker(PlatformBroker(b, queue))
	return queue
}
