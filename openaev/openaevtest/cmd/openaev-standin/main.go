// Command openaev-standin serves the strict OpenAEV platform stand-in of
// package openaevtest on a loopback port, for benchmarks and manual runs of
// the openaev profile that must not reach a real platform:
//
//	go build -o bin/openaev-standin ./openaev/openaevtest/cmd/openaev-standin
//	rm -f /tmp/oaev.url
//	bin/openaev-standin -url-file /tmp/oaev.url -register noop -inject bench-openaev-001 -ingest-every 0 &
//	standin=$!
//	for i in $(seq 100); do [ -s /tmp/oaev.url ] && break; sleep 0.1; done  # written once listening
//	bin/injectkit run noop --target 127.0.0.1 --profile openaev --inject-id bench-openaev-001 \
//	  --backend-url "$(cat /tmp/oaev.url)" --token standin-token
//	kill "$standin"; wait "$standin"    # prints the stats as one JSON line
//
// It is built first and waited for, as the guide's block (section 8) is:
// a `go run … &` would still be compiling when the run reads the URL file,
// which is then missing (an empty --backend-url: a dry run, nothing sent)
// or a stale one's; and a script has no job control for `kill %1`.
//
// -max-message-size sets the max_message_size of the platform's broker
// (default 16777216, RabbitMQ 4.x's): a callback whose queued message is
// larger is answered 200, then dropped, as the platform's broker drops it.
//
// -ingest-every sets how often the platform's batch worker processes the
// callbacks it answered 200 and holds (default 10s, 2.4.0's
// worker-frequency; at once when 200 are held): until then the inject's
// status, traces and findings show nothing of them, and the stats count
// them as queued. -ingest-every 0 processes each callback before its
// answer, as the legacy ingestion does (the benchmark scripts use it to
// read the outcome right after a run).
//
// -pending-threshold sets the platform's inject.execution.threshold.minutes
// (default 10m, 2.4.0's; 0: no sweep): every minute, an inject left
// PENDING for longer since its dispatch (its creation, or its publish) is
// finalized without a result, ERROR, as 2.4.0's pending sweep does
// (openaevtest's rule 17), with a COMPLETE TIMEOUT trace for each primary
// agent of a published message's assets and asset groups' endpoints (on
// the current line, one agentless TIMEOUT trace for an inject with none);
// a "complete" sent afterwards is still saved (PARTIAL beside those traces).
//
// -dev-features sets the platform's openaev.enabled-dev-features: the
// stand-in stores expectation signatures only with SIGNATURE_OUTPUT_PROCESSOR
// (its default) or "*" among them; -dev-features "" models the real
// platform's default, which ignores them. Both lines list the features in
// enabled_dev_features; -version 2.4.0 drops those its line lacks
// (SIGNATURE_OUTPUT_PROCESSOR), as that platform does.
//
// -tenants sets the tenants the token's user is a member of: a request
// on the path of another (/api/tenants/{tenant}/…, serve's --tenant) is
// refused 403 {"message":"TENANT_ACCESS_DENIED"}, as 2.4.0's
// TenantInterceptor refuses it (openaevtest.WithTenants); without it the
// user is a member of every tenant.
//
// It creates the injects named by -inject (of the contract of the injector
// -contract-of names), registers the contracts of the injectors -register
// names and of those the -manifest files describe (so that the platform
// knows their declared outputs and processes their findings and
// signatures, as after a `serve` registration), defines the asset groups
// of the -asset-groups file, then writes its base URL to -url-file.
//
// -manifest FILE registers a third-party binary's injector: FILE is what
// `BINARY injectors NAME -o json` prints (or `BINARY injectors -o json`,
// every injector of the binary), repeatable; an injector given twice (by
// -register or another -manifest) exits 2. The listing gives every part
// of the contract serve registers (its attack patterns and its outputs'
// labels included), but domains by name: the platform's own domains get
// their colours, another name the colour of "To classify".
//
// -contract-of must name a built-in injector (-register's) or one of the
// -manifest files': another exits 2, as the results of its injects could
// match no contract. An inject cannot exist on the platform without its
// contract: with -inject, a built-in injector -contract-of names (noop by
// default) is registered as -register registers it when neither -register
// nor a -manifest gives it. Of a third-party binary, as the guide
// (docs/writing-an-injector.md, section 8) runs it:
//
//	bin/hello injectors hello -o json > hello.json
//	rm -f /tmp/oaev.url
//	bin/openaev-standin -url-file /tmp/oaev.url -manifest hello.json -contract-of hello -inject inj-hello-1 -ingest-every 0 &
//	standin=$!
//	for i in $(seq 100); do [ -s /tmp/oaev.url ] && break; sleep 0.1; done
//	bin/hello run hello --inject-file hello-inject.json --profile openaev \
//	  --backend-url "$(cat /tmp/oaev.url)" --token standin-token
//	kill "$standin"; wait "$standin"
//
// -amqp URL names the platform's RabbitMQ broker, on loopback
// (amqp://guest:guest@127.0.0.1:5672/): each registration then declares
// its injector's queue there, openaev_injector_<id>, as the platform does
// (durable, classic, bound to the exchange openaev_amqp.connector.exchange
// with the routing key openaev_push_routing_<id>), and its reply names
// that broker and queue, so that `injectkit serve` consumes it; the
// stand-in's own setup registration (-register, -manifest, -contract-of)
// declares none. POST /injects/{id}/publish on the -stats-url-file server
// then publishes the platform's message for inject id (its body the
// message's other parts, each optional: {"inject_content": {...},
// "assets": [...], "assetGroups": [...]}) on the queue of the injector
// of the inject's contract's type, as the platform does for an inject
// naming none (the setup's registration links none: Platform.Unlink;
// two deployments of one type make it none, a 409, as the platform's
// lookup by type fails: openaevtest.Platform.InjectorOf; the stand-in then
// holds the message's assets, as the platform holds those it sends: a
// finding names them to be linked to them), and answers the
// exchange, routing key and queue (an inject published before is launched
// again first, as 2.4.0's POST /api/atomic_testings/{id}/launch does: a
// new status, its traces and findings gone): 404 for an inject the stand-in does not
// know, 409 before an injector's registration declared the contract (start
// serve first) or without -amqp. POST /injects/{id}/message does the same
// without a broker and answers the message, for `injectkit run
// --openaev-message`. A manual serve, as the guide
// (docs/writing-an-injector.md, section 8) runs it:
//
//	rm -f /tmp/oaev.url /tmp/oaev-stats.url
//	bin/openaev-standin -url-file /tmp/oaev.url -stats-url-file /tmp/oaev-stats.url \
//	  -amqp amqp://guest:guest@127.0.0.1:5672/ -inject inj-serve-1 -ingest-every 0 &
//	standin=$!
//	for i in $(seq 100); do [ -s /tmp/oaev-stats.url ] && break; sleep 0.1; done
//	bin/injectkit serve --openaev-url "$(cat /tmp/oaev.url)" --token standin-token \
//	  --injector-id 7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f --injectors noop --outbox none &
//	serve=$!
//	for i in $(seq 100); do   # 409 until serve has registered
//	  curl -sf -X POST "$(cat /tmp/oaev-stats.url)/injects/inj-serve-1/publish" \
//	    -d '{"inject_content": {"target_selector": "manual", "targets": "127.0.0.1"}}' && break
//	  sleep 0.2
//	done
//	curl -s "$(cat /tmp/oaev-stats.url)/injects/inj-serve-1"
//	kill "$serve"; wait "$serve"; kill "$standin"; wait "$standin"
//
// -asset-groups names a JSON file mapping each asset group id to its
// endpoints, as POST /api/endpoints/targets pages them (the fields of
// 2.4.0's EndpointTargetOutput; asset_id required):
//
//	{"g-servers": [{"asset_id": "s1", "endpoint_hostname": "web01",
//	                "endpoint_ips": ["192.0.2.1"], "endpoint_seen_ip": "198.51.100.7",
//	                "asset_agents": [{"agent_id": "ag1", "agent_active": true}]}],
//	 "g-empty": []}
//
// A message's asset-groups inject then gets those endpoints, each an asset
// the stand-in holds; a group the
// file does not define gets an empty page, as the platform answers one it
// does not know. An unknown key, a value of the wrong type, a blank id or
// a group given twice exits 2 naming the file, its line and the key or
// value, before the stand-in starts. The platform's calls are summed up
// (openaevtest.Stats, counting only the calls after that setup): on
// GET /stats of the -stats-url-file server, and as one JSON line on stdout
// when SIGTERM or SIGINT stops it. What the platform made of them is on
// the same server, read-only: GET /injects lists the injects it knows,
// GET /injects/{id} gives one's status, traces, findings rows (with the
// assets the stand-in holds that they name), callbacks by kind and outcome, and the signatures stored per
// agent, asset or asset group, each stored how often (openaevtest.Held). GET /contracts/{id} gives what it
// stores of a registered contract (openaevtest.StoredContract: its platforms, domains, and the attack
// patterns it holds, -attack-patterns, that the contract names; any other is dropped, as the platform drops it).
// POST /token there (its body the new token) renews the platform's token, as a user's renewal
// does: the one before is refused 401 from then on (openaevtest.Platform.RenewToken).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// standinInjectorID is the injector id of the stand-in's own registration.
const standinInjectorID = "0e0b6c4e-5f7a-4d7e-9a0e-6b1f2c3d4e5f"

func main() {
	cmdkit.Main("openaev-standin", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
}

func builtinRegistry() *framework.Registry {
	r := framework.NewRegistry()
	builtin.Register(r)
	return r
}

// run serves the stand-in until ctx ends, then prints its stats to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	s, err := parse(args, stderr)
	if err != nil {
		return err
	}
	manifests, err := manifestsOf(builtinRegistry(), s.register)
	if err != nil {
		return cmdkit.UsageError{Err: err}
	}
	for _, file := range s.manifests {
		listed, err := readManifests(file)
		if err != nil {
			return cmdkit.UsageError{Err: err}
		}
		for _, m := range listed {
			if slices.ContainsFunc(manifests, func(o framework.Manifest) bool { return o.Name == m.Name }) {
				return cmdkit.UsageError{Err: fmt.Errorf("-manifest %s: injector %q given twice (by -register or another -manifest): give it once", file, m.Name)}
			}
			manifests = append(manifests, m)
		}
	}
	var b *broker
	if s.amqp != "" {
		if b, err = parseBroker(s.amqp, standinInjectorID); err != nil {
			return cmdkit.UsageError{Err: err}
		}
	}
	if err := knownInjector(s.contractOf, manifests); err != nil {
		return cmdkit.UsageError{Err: err}
	}
	if len(s.injects) > 0 && !slices.ContainsFunc(manifests, func(m framework.Manifest) bool { return m.Name == s.contractOf }) {
		// An inject cannot exist on the platform without its contract:
		// the built-in injector -contract-of names is registered as
		// -register registers it.
		own, err := manifestsOf(builtinRegistry(), []string{s.contractOf})
		if err != nil {
			return cmdkit.UsageError{Err: err}
		}
		manifests = append(manifests, own...)
	}
	var groups []assetGroup
	if s.assetGroups != "" {
		if groups, err = readAssetGroups(s.assetGroups); err != nil {
			return cmdkit.UsageError{Err: err}
		}
	}
	opts := []openaevtest.Option{openaevtest.WithMaxMessageSize(s.maxMessage), openaevtest.WithIngestEvery(s.ingestEvery),
		openaevtest.WithPendingThreshold(s.pendingThreshold)}
	if s.version != "" {
		if _, err := openaevtest.Classify(s.version); err != nil {
			return cmdkit.UsageError{Err: fmt.Errorf("-version %q: %w", s.version, err)}
		}
		opts = append(opts, openaevtest.WithVersionString(s.version))
	}
	if s.legacy {
		opts = append(opts, openaevtest.WithLegacyIngestion())
	}
	if s.staleDispatch {
		opts = append(opts, openaevtest.WithStaleDispatch())
	}
	if s.devFeatures != nil {
		opts = append(opts, openaevtest.WithDevFeatures(s.devFeatures...))
	}
	if s.tenants != nil {
		opts = append(opts, openaevtest.WithTenants(s.tenants...))
	}
	brokerShown := "none"
	if b != nil {
		if err := b.check(); err != nil {
			return err
		}
		opts = append(opts, openaevtest.WithQueueDeclarer(b))
		brokerShown = b.shown()
	}
	p, stopPlatform := openaevtest.Start(s.token, opts...)
	defer stopPlatform()
	if b != nil {
		p.SetBroker(b.reply())
	}
	p.AddAttackPatterns(s.attackPatterns...)
	if len(manifests) > 0 {
		if err := register(ctx, p.URL, s.token, manifests); err != nil {
			return err
		}
		// The platform holds the contracts; the first deployment to
		// register them (serve) is the injector their injects go to.
		p.Unlink(standinInjectorID)
	}
	contract := openaev.ContractID(s.contractOf)
	for _, id := range s.injects {
		p.AddInject(id, contract)
	}
	byGroup := map[string][]map[string]any{}
	for _, g := range groups {
		p.SetAssetGroup(g.id, g.endpoints...)
		byGroup[g.id] = g.endpoints
	}
	base := p.CallCount() // the setup's calls are not counted
	if s.pendingThreshold > 0 {
		stopSweep := sweepEveryMinute(p)
		defer stopSweep()
	}

	if s.statsFile != "" {
		stopStats, err := serveStats(p, base, s.statsFile, b, byGroup)
		if err != nil {
			return err
		}
		defer stopStats()
	}
	if s.urlFile != "" {
		if err := cmdkit.WriteFile(s.urlFile, p.URL); err != nil {
			return err
		}
	}
	shown := p.Version().String()
	if s.version != "" && s.version != shown {
		shown = s.version + ", modelled as " + shown // the class of the version given
	}
	features := strings.Join(p.DevFeatures(), ",")
	if features == "" {
		features = "none: expectation signatures not stored"
	}
	fmt.Fprintf(stderr, "openaev stand-in on %s (%d injects, %d asset groups, version %s, dev features %s, broker %s)\n",
		p.URL, len(s.injects), len(groups), shown, features, brokerShown)
	<-ctx.Done()
	return json.NewEncoder(stdout).Encode(p.StatsFrom(base))
}
