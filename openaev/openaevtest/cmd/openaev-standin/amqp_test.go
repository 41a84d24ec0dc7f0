package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/serve/servetest"
)

// guestURL is the test broker (servetest.Addr) with the guest account.
const guestURL = "amqp://guest:guest@" + servetest.Addr + "/"

// -amqp is refused, exit 2, unless it is an amqp URL on loopback.
func TestAMQPFlagRefusals(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:5672/", "amqp://guest:guest@192.0.2.1:5672/", "amqp://guest:guest@rabbit.example/"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := run(ctx, []string{"-amqp", url}, io.Discard, io.Discard)
		var ue cmdkit.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "-amqp") {
			t.Errorf("-amqp %s: %v, want a usage error naming -amqp", url, err)
		}
	}
}

// A -amqp URL that does not parse is refused naming it, its password
// masked (amqp.ParseURI's reason quotes the URL whole).
func TestAMQPFlagParseErrorMasksThePassword(t *testing.T) {
	for _, url := range []string{"amqp://guest:s3cr%zzet@127.0.0.1:5672/", "amqp://guest:s3cret@127.0.0.1:bad/", "amqp://guest:s3/cret@127.0.0.1/", "amqp://guest:s3cret@[::1/"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := run(ctx, []string{"-amqp", url}, io.Discard, io.Discard)
		var ue cmdkit.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "-amqp") || !strings.Contains(err.Error(), "guest:xxxxx@") {
			t.Errorf("-amqp %s: %v, want a usage error naming -amqp and the URL, its password masked", url, err)
		}
		for _, part := range []string{"s3cr", "zzet", "cret", "s3/"} {
			if err != nil && strings.Contains(err.Error(), part) {
				t.Errorf("-amqp %s: %v holds the password", url, err)
			}
		}
	}
}

// With -amqp, a manual serve can be tried against the stand-in, as
// against the platform: serve's registration declares its injector's
// queue on the broker (openaev_injector_<id>, durable, classic, bound to
// the platform's exchange with the injector's routing key) and names it;
// serve consumes it; POST /injects/{id}/publish on the stats server puts
// the platform's message for the inject on it, and serve runs the inject
// and completes it, the complete processed. Before serve registered, the
// inject's contract is the stand-in's own setup's, whose queue no one
// consumes: a publication is refused (409). Published again once
// completed, the inject is launched again, and serve runs it again
// within its ingestion window.
func TestAMQPServeConsumesTheQueueARegistrationDeclared(t *testing.T) {
	testkit.Integration(t) // and RabbitMQ
	servetest.Broker(t)
	// An id of its own: the queue is named after it on a broker other runs
	// of this test (another checkout's) may share.
	injectorID := uuid.NewString()
	queue := queueOf(injectorID)
	t.Cleanup(func() { servetest.DeleteQueue(t, queue) })

	statsFile := filepath.Join(t.TempDir(), "stats.url")
	url, stop := start(t, "-token", "tok", "-amqp", guestURL, "-inject", "inj-amqp", "-stats-url-file", statsFile)
	defer stop()
	stats, err := os.ReadFile(statsFile)
	if err != nil {
		t.Fatal(err)
	}
	content := `{"inject_content": {"target_selector": "manual", "targets": "127.0.0.1",` +
		` "expectations": [{"expectation_type": "DETECTION"}]}}`
	publish := func() (int, string) {
		t.Helper()
		resp, err := http.Post(string(stats)+"/injects/inj-amqp/publish", "application/json", strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := publish(); status != http.StatusConflict || !strings.Contains(body, "start serve") {
		t.Errorf("publish before serve registered: %d %s, want 409 saying to start serve", status, body)
	}

	// The registration as serve makes it.
	c, err := openaev.NewClient(openaev.Config{URL: url, Token: "tok", InjectorID: injectorID, InjectorName: "test", InjectorType: "test"})
	if err != nil {
		t.Fatal(err)
	}
	noop, err := manifestsOf(builtinRegistry(), []string{"noop"})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := c.Register(context.Background(), noop, false)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Listen != queue || reg.Connection.Host != "127.0.0.1" || reg.Connection.Port != 5672 || reg.Connection.VHost != "/" {
		t.Errorf("registration reply %+v, want the queue %s on the -amqp broker", reg, queue)
	}
	checkDeclared(t, queue)

	// serve consumes it, and runs what the platform publishes.
	r := framework.NewRegistry()
	builtin.Register(r)
	var stderr testkit.Buffer
	o := cli.Options{Registry: r, Name: "injectkit", Stdout: io.Discard, Stderr: &stderr,
		Getenv: func(string) string { return "" }, Environ: func() []string { return nil }}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan int, 1)
	go func() {
		served <- cli.Run(ctx, o, []string{"injectkit", "serve", "--openaev-url", url, "--token", "tok", "--injector-id", injectorID,
			"--injectors", "noop", "--listen-addr", "", "--outbox", "none", "--log-level", "warn"})
	}()
	defer func() {
		cancel()
		if code := <-served; code != 0 {
			t.Errorf("serve exited %d", code)
		}
		if t.Failed() {
			t.Logf("serve's stderr:\n%s", stderr.String())
		}
	}()
	testkit.WaitFor(t, 60*time.Second, "serve consuming "+queue, func() bool {
		_, consumers := servetest.Counts(t, queue)
		return consumers == 1
	})
	if status, body := publish(); status != http.StatusOK || !strings.Contains(body, `"queue":"`+queue+`"`) {
		t.Fatalf("publish: %d %s", status, body)
	}
	var held openaevtest.Held
	testkit.WaitFor(t, 60*time.Second, "the inject completed", func() bool {
		resp, err := http.Get(string(stats) + "/injects/inj-amqp")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&held) == nil && held.Callbacks["complete processed"] == 1
	})
	if held.Status != "EXECUTED" || held.Callbacks["complete dropped"] != 0 {
		t.Errorf("held %+v, want the inject executed, its complete processed", held)
	}

	// Published again, within serve's ingestion window of that complete:
	// the inject launched again, which serve runs and completes.
	if status, body := publish(); status != http.StatusOK {
		t.Fatalf("publish again: %d %s", status, body)
	}
	testkit.WaitFor(t, 60*time.Second, "the inject launched again completed", func() bool {
		resp, err := http.Get(string(stats) + "/injects/inj-amqp")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&held) == nil && held.Callbacks["complete processed"] == 2
	})
	completes := 0
	for _, tr := range held.Traces {
		if tr.Action == "COMPLETE" {
			completes++
		}
	}
	if held.Status != "EXECUTED" || completes != 1 || held.Callbacks["complete dropped"] != 0 {
		t.Errorf("held %+v, want the inject executed again, one COMPLETE trace since its launch", held)
	}
}

// checkDeclared checks that queue exists as the platform declares it:
// declaring it again so succeeds, and as a quorum queue or a transient
// one fails (PRECONDITION_FAILED).
func checkDeclared(t *testing.T, queue string) {
	t.Helper()
	declare := func(durable bool, args amqp.Table) error {
		conn, err := amqp.Dial(guestURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ch, err := conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		_, err = ch.QueueDeclare(queue, durable, false, false, false, args)
		return err
	}
	if err := declare(true, amqp.Table{amqp.QueueTypeArg: amqp.QueueTypeClassic}); err != nil {
		t.Errorf("queue %s is not a durable classic queue: %v", queue, err)
	}
	for name, args := range map[string]amqp.Table{"quorum": {amqp.QueueTypeArg: amqp.QueueTypeQuorum}} {
		if err := declare(true, args); err == nil {
			t.Errorf("queue %s declared again as %s", queue, name)
		}
	}
	if err := declare(false, nil); err == nil {
		t.Errorf("queue %s declared again as transient", queue)
	}
}

// TestPublishedMessageListsAssetsAlways: 2.4.0 publishes an inject's
// ExecutableInjectDTO, whose assets and assetGroups are the sets its
// mapper collects, never null (ExecutableInjectDTOMapper): the message
// names both, empty when the inject has none, whatever the publish's body
// leaves out.
func TestPublishedMessageListsAssetsAlways(t *testing.T) {
	tests := []struct {
		name       string
		in         publishInput
		assets     int
		assetGroup int
	}{
		{"neither given", publishInput{Content: map[string]any{"target_selector": "manual"}}, 0, 0},
		{"assets given", publishInput{Assets: []map[string]any{{"asset_id": "a1"}}}, 1, 0},
		{"groups given", publishInput{AssetGroups: []map[string]any{{"asset_group_id": "g1", "asset_group_name": "G"}}}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(platformMessage(openaevtest.NewPlatform(t, "tok"), "inj-1", "c1", tt.in), &m); err != nil {
				t.Fatal(err)
			}
			for key, n := range map[string]int{"assets": tt.assets, "assetGroups": tt.assetGroup} {
				var list []any
				if err := json.Unmarshal(m[key], &list); err != nil || list == nil || len(list) != n {
					t.Errorf("%s: %s, want a list of %d", key, m[key], n)
				}
			}
		})
	}
}

// TestPublishedAssetsAsThePlatformWritesThem: a published asset's
// endpoint_ips are 2.4.0's (openaevtest.TargetOutput): lower-cased,
// loopback left out, in its HashSet's order (Java 17's for this list).
func TestPublishedAssetsAsThePlatformWritesThem(t *testing.T) {
	in := publishInput{Assets: []map[string]any{{"asset_id": "a1", "endpoint_ips": []any{"10.0.0.2", "127.0.0.1", "10.0.0.1", "192.168.1.10"}}}}
	var m struct {
		Assets []struct {
			IPs []string `json:"endpoint_ips"`
		} `json:"assets"`
	}
	if err := json.Unmarshal(platformMessage(openaevtest.NewPlatform(t, "tok"), "inj-1", "c1", in), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Assets) != 1 || strings.Join(m.Assets[0].IPs, ",") != "192.168.1.10,10.0.0.2,10.0.0.1" {
		t.Errorf("assets %+v, want one, its endpoint_ips 192.168.1.10, 10.0.0.2, 10.0.0.1", m.Assets)
	}
	if ips := in.Assets[0]["endpoint_ips"].([]any); len(ips) != 4 {
		t.Errorf("the publish's asset changed: %v", ips)
	}
}

// The broker the stand-in names (its start line, a failed dial) is
// rendered as serve renders the broker it is handed: no user or
// password, the vhost escaped as the one path segment, the default vhost
// "/" as %2F whether -amqp wrote it %2F, / or left it out.
func TestBrokerShownAsServeShowsIt(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"amqp://guest:s3cret@127.0.0.1:5672/%2F", "amqp://127.0.0.1:5672/%2F"},
		{"amqp://guest:s3cret@127.0.0.1:5672/", "amqp://127.0.0.1:5672/%2F"},
		{"amqp://guest:s3cret@127.0.0.1:5672", "amqp://127.0.0.1:5672/%2F"},
		{"amqp://guest:s3cret@127.0.0.1:5672//", "amqp://127.0.0.1:5672/%2F"},
		{"amqp://guest:s3cret@127.0.0.1:5672/lab", "amqp://127.0.0.1:5672/lab"},
		{"amqp://guest:s3cret@127.0.0.1:5672/a%2Fb", "amqp://127.0.0.1:5672/a%2Fb"},
	} {
		b, err := parseBroker(tt.in, "")
		if err != nil {
			t.Fatalf("-amqp %s: %v", tt.in, err)
		}
		if got := b.shown(); got != tt.want {
			t.Errorf("-amqp %s shown as %s, want %s", tt.in, got, tt.want)
		}
	}
}
