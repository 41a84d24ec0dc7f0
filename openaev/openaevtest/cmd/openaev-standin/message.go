package main

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// Dispatching an inject: what the platform does before it publishes one,
// shared by the publish route (amqp.go) and the message route, which
// answers the message instead of publishing it.

// dispatch reads the body of a publish (the message's parts), then does
// what the platform does before it publishes inject id: it holds the
// message's assets, notes the primary agents of its assets and of its
// asset groups' endpoints (groups), writes its message (which fixes the
// expectations the platform creates for it) and dispatches it (a new
// launch first for one dispatched before). A body that is not the
// message's parts is answered 400, and ok is false.
func dispatch(w http.ResponseWriter, r *http.Request, p *openaevtest.Platform, id, contract string,
	groups map[string][]map[string]any) (msg []byte, ok bool) {
	var in publishInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil && !errors.Is(err, io.EOF) {
		http.Error(w, "body: "+err.Error()+` (give {"inject_content": {...}, "assets": [...], "assetGroups": [...]}, each optional)`,
			http.StatusBadRequest)
		return nil, false
	}
	for _, a := range in.Assets { // the platform holds the assets it sends
		if aid, _ := a["asset_id"].(string); aid != "" {
			p.AddAssets(aid)
		}
	}
	p.SetInjectAgents(id, primaryAgents(in.Assets, in.AssetGroups, groups)...)
	msg = platformMessage(p, id, contract, in)
	if p.InjectStatus(id) != "QUEUING" {
		// Dispatched before: the platform dispatches an inject id
		// again only once launched again (Platform.Launch: a new
		// status, its traces and findings gone).
		p.Launch(id)
	}
	// Its status before the message can be consumed, as the platform
	// sets it (EXECUTING, its trackingSentDate now, which the pending
	// sweep counts from).
	p.Dispatch(id)
	return msg, true
}

// messageRoute answers POST /injects/{id}/message: what the publish route
// does (dispatch), without a broker, answering the message itself, for
// `injectkit run --openaev-message` to run against the stand-in as serve
// would run it off the queue. An inject the platform does not know is a
// 404.
func messageRoute(p *openaevtest.Platform, groups map[string][]map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		contract, _, ok := p.InjectorOf(id)
		if !ok {
			http.Error(w, "no inject "+strconv.Quote(id), http.StatusNotFound)
			return
		}
		msg, ok := dispatch(w, r, p, id, contract, groups)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(msg)
	}
}
