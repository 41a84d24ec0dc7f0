package serve_test

import (
	"context"
	"encoding/json"
	"errors"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/injectkit/injectkit/serve"
)

// staticPlatform is a Registrar for a platform that always hands out the
// same broker and queue.
type staticPlatform struct{ queue string }

func (p staticPlatform) Register(ctx context.Context) (serve.Registration, error) {
	return serve.Registration{
		Broker: serve.Broker{Host: "127.0.0.1", Port: 5672, VHost: "/", User: "guest", Pass: "guest"},
		Queue:  p.queue,
	}, nil
}

// Example_daemon wires a daemon to a platform and a handler: Handle
// returns nil once the result is delivered (the message is acknowledged), a
// Permanent error for a message that can never succeed (rejected), any
// other error to have the message redelivered.
func Example_daemon() {
	metrics := serve.NewMetrics(prometheus.NewRegistry())
	handler := serve.HandlerFunc(func(ctx context.Context, body []byte) error {
		var msg struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &msg); err != nil || msg.ID == "" {
			return serve.Permanent(errors.New("message without an id"))
		}
		metrics.InjectReceived("example")
		// … run the inject and deliver its result …
		metrics.InjectCompleted("example")
		return nil
	})
	d := &serve.Daemon{
		Registrar:       staticPlatform{queue: "example_injector"},
		Handler:         handler,
		Workers:         4,
		ShutdownTimeout: 30 * time.Second,
		ListenAddr:      "127.0.0.1:9464",
		Log:             zap.NewExample(),
		Metrics:         metrics,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := d.Run(ctx); err != nil {
		panic(err)
	}
}
