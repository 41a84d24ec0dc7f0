package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve"
)

// The platform's broker, as -amqp gives it: the queue a registration
// declares, and the message the platform publishes for an inject.

// The names 2.4.0 gives its broker objects (RabbitmqService.java:46-59),
// after openaev.rabbitmq.prefix, "openaev" by default
// (application.properties:81), and the queue type of its injector queues,
// openaev.rabbitmq.queue-type, "classic" by default (:89).
const (
	brokerPrefix = "openaev"
	exchangeName = brokerPrefix + "_amqp.connector.exchange"
	queueType    = "classic"
)

func queueOf(injectorID string) string      { return brokerPrefix + "_injector_" + injectorID }
func routingKeyOf(injectorID string) string { return brokerPrefix + "_push_routing_" + injectorID }

// broker is the platform's RabbitMQ broker, at a loopback URL.
type broker struct {
	url string
	uri amqp.URI
	// own is the injector id of the stand-in's setup registration, whose
	// queue is not declared: no injector consumes it.
	own string

	mu       sync.Mutex
	declared map[string]bool // injector ids whose queue a registration declared
}

// parseBroker checks -amqp: an amqp:// or amqps:// URL whose host is a
// loopback address.
func parseBroker(raw, own string) (*broker, error) {
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		err = cmdkit.MaskURLError(raw, err)
		return nil, fmt.Errorf("-amqp: %w", err)
	}
	if err := cmdkit.CheckLoopback(net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))); err != nil {
		return nil, fmt.Errorf("-amqp: the broker must be on loopback: %w", err)
	}
	return &broker{url: raw, uri: uri, own: own, declared: map[string]bool{}}, nil
}

// reply is the broker part of a registration's reply.
func (b *broker) reply() openaevtest.Broker {
	return openaevtest.Broker{Host: b.uri.Host, Port: b.uri.Port, VHost: b.uri.Vhost, UseSSL: b.uri.Scheme == "amqps",
		User: b.uri.Username, Pass: b.uri.Password}
}

// shown is the broker's address without its credentials, rendered as
// serve renders the broker a registration hands it (serve.Broker's
// String: the vhost escaped, the default one %2F), so that the start
// line and serve's log lines name it alike.
func (b *broker) shown() string {
	return serve.Broker{Host: b.uri.Host, Port: b.uri.Port, VHost: b.uri.Vhost, TLS: b.uri.Scheme == "amqps"}.String()
}

// withChannel runs f on a channel of a fresh connection, as the platform
// opens one for each declaration and each publication.
func (b *broker) withChannel(f func(*amqp.Channel) error) error {
	conn, err := amqp.DialConfig(b.url, amqp.Config{Dial: amqp.DefaultDial(10 * time.Second)})
	if err != nil {
		return fmt.Errorf("dial the broker %s: %w", b.shown(), err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return fmt.Errorf("open a channel on %s: %w", b.shown(), err)
	}
	defer ch.Close()
	return f(ch)
}

// check connects to the broker once, so that a wrong -amqp fails at start.
func (b *broker) check() error {
	return b.withChannel(func(*amqp.Channel) error { return nil })
}

// DeclareQueue declares the queue of injector id as 2.4.0's
// RabbitmqService.registerQueue does (:282-287, createChannel :339-355):
// the direct exchange, durable; the queue, durable, not exclusive, not
// auto-deleted, of the configured queue type; bound with the injector's
// routing key.
func (b *broker) DeclareQueue(id string) (string, error) {
	queue := queueOf(id)
	if id == b.own {
		return queue, nil
	}
	err := b.withChannel(func(ch *amqp.Channel) error {
		if err := ch.ExchangeDeclare(exchangeName, amqp.ExchangeDirect, true, false, false, false, nil); err != nil {
			return fmt.Errorf("declare exchange %s: %w", exchangeName, err)
		}
		if _, err := ch.QueueDeclare(queue, true, false, false, false, amqp.Table{amqp.QueueTypeArg: queueType}); err != nil {
			return fmt.Errorf("declare queue %s: %w", queue, err)
		}
		if err := ch.QueueBind(queue, routingKeyOf(id), exchangeName, false, nil); err != nil {
			return fmt.Errorf("bind queue %s: %w", queue, err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	b.declared[id] = true
	b.mu.Unlock()
	return queue, nil
}

// publishInput is the body of POST /injects/{id}/publish: the parts of
// the platform's queue message besides the inject's id and contract,
// which the stand-in fills in (openaevtest.Message).
type publishInput struct {
	Title       string           `json:"inject_title"`
	Content     map[string]any   `json:"inject_content"`
	Assets      []map[string]any `json:"assets"`
	AssetGroups []map[string]any `json:"assetGroups"`
}

// published is the answer of POST /injects/{id}/publish.
type published struct {
	InjectID   string `json:"inject_id"`
	Exchange   string `json:"exchange"`
	RoutingKey string `json:"routing_key"`
	Queue      string `json:"queue"`
	Bytes      int    `json:"bytes"`
}

// platformMessage is the message 2.4.0 publishes for inject id of
// contract: Executor.executeExternal writes its ExecutableInjectDTO, whose
// assets and assetGroups its mapper collects into sets, never null
// (execution/ExecutableInjectDTOMapper.java:17-28), so both are listed,
// empty when the publish's body leaves them out; each asset as
// EndpointMapper.toEndpointTargetOutput writes it, and the assets, each
// one's agents and the asset groups in their sets' orders
// (openaevtest.Platform.Message): the order of the publish's body is not
// kept.
func platformMessage(p *openaevtest.Platform, id, contract string, in publishInput) []byte {
	return p.Message(openaevtest.QueuedInject{ID: id, Title: in.Title, ContractID: contract,
		Content: in.Content, Assets: in.Assets, AssetGroups: in.AssetGroups})
}

// publishRoute answers POST /injects/{id}/publish: it dispatches inject
// id (openaevtest.Platform.Dispatch: EXECUTING, its trackingSentDate now;
// one dispatched before is launched again first, Platform.Launch, as the
// platform's launch is its only way to dispatch an inject id again)
// and publishes the platform's message for it, as 2.4.0's
// Executor.execute and executeExternal do (RabbitmqService.publish: the
// exchange, the routing key of the injector that registered the inject's
// contract, no properties), and waits for the broker's confirmation; the
// platform holds the message's assets (by asset_id) from then on, as it
// holds an inject's before it publishes it, so that findings link to them
// (Platform.AddAssets), and the primary agents of its assets and of its
// asset groups' endpoints (groups, the -asset-groups file's), to which
// its pending sweep gives a TIMEOUT trace each (primaryAgents,
// Platform.SetInjectAgents). An inject the platform does not know is a 404; one
// whose contract no injector's registration declared a queue for (the
// stand-in's own setup registered it, and no serve
// registered it since) a 409; a body that is not the message's parts a
// 400; no -amqp a 409.
func publishRoute(p *openaevtest.Platform, b *broker, groups map[string][]map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if b == nil {
			http.Error(w, "no broker: start the stand-in with -amqp URL", http.StatusConflict)
			return
		}
		contract, injector, ok := p.InjectorOf(id)
		if !ok {
			http.Error(w, "no inject "+strconv.Quote(id), http.StatusNotFound)
			return
		}
		if injector == "" { // the platform fails it unpublished
			http.Error(w, fmt.Sprintf("inject %q is published on no queue: %s (start serve with the injector, its registration "+
				"declares the queue, then publish)", id, p.InjectorWhy(id)), http.StatusConflict)
			return
		}
		b.mu.Lock()
		declared := b.declared[injector]
		b.mu.Unlock()
		if !declared {
			http.Error(w, fmt.Sprintf("no injector's registration declared a queue for contract %s of inject %q: "+
				"start serve with the injector (its registration declares the queue), then publish", contract, id), http.StatusConflict)
			return
		}
		msg, ok := dispatch(w, r, p, id, contract, groups)
		if !ok {
			return
		}
		err := b.withChannel(func(ch *amqp.Channel) error {
			if err := ch.Confirm(false); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
			defer cancel()
			c, err := ch.PublishWithDeferredConfirmWithContext(ctx, exchangeName, routingKeyOf(injector), false, false,
				amqp.Publishing{Body: msg})
			if err != nil {
				return err
			}
			if ok, err := c.WaitContext(ctx); err != nil || !ok {
				return fmt.Errorf("not confirmed by the broker (%v)", err)
			}
			return nil
		})
		if err != nil {
			http.Error(w, "publish: "+err.Error(), http.StatusBadGateway)
			return
		}
		writeJSON(w, published{InjectID: id, Exchange: exchangeName, RoutingKey: routingKeyOf(injector),
			Queue: queueOf(injector), Bytes: len(msg)})
	}
}
