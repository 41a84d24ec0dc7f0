package openaev_test

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/serve"
)

// TestServeNamesAMessageSentAgainByWhatSaysSo: a second message of an
// inject whose complete this process sent within the ingestion window is
// handled as one sent again (see sentBefore), whatever the broker's flag.
// Its lines say "redelivered" only when the broker flagged it: a message
// published again (the flag unset) was logged `redelivered message of a
// finished inject`, or `redelivered message of an unfinished inject` once
// the inject was launched again, which sent an operator looking for a
// lost channel or a crash that never happened. Unflagged, the line says
// the message was sent again and by what the process recognised it.
func TestServeNamesAMessageSentAgainByWhatSaysSo(t *testing.T) {
	const id = "i-again"
	tests := []struct {
		name        string
		launch      bool
		redelivered bool
		want        string // the snippet of the line saying what becomes of it
	}{
		{"published again, not launched", false, false, "message sent again of a finished inject: acknowledged, not run again"},
		{"published again, launched", true, false, "message sent again of an unfinished inject: running it"},
		{"redelivered, not launched", false, true, "redelivered message of a finished inject: acknowledged, not run again"},
		{"redelivered, launched", true, true, "redelivered message of an unfinished inject: running it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, msg := firstRunInWindow(t, id)
			s.platform.Ingest()
			if tt.launch {
				s.platform.Launch(id)
				s.platform.Dispatch(id)
			}
			before := s.logs.Len()
			if err := s.handler.HandleDelivery(context.Background(), serve.Delivery{Body: msg, Redelivered: tt.redelivered}); err != nil {
				t.Fatalf("again: %v", err)
			}
			lines := s.logs.All()[before:]
			found := false
			for _, e := range lines {
				if !tt.redelivered && strings.Contains(e.Message, "redelivered") {
					t.Errorf("a message the broker did not flag logged %q", e.Message)
				}
				if !strings.Contains(e.Message, tt.want) {
					continue
				}
				found = true
				by, ok := e.ContextMap()["recognised_by"]
				switch {
				case tt.redelivered && ok:
					t.Errorf("%q: recognised_by %v on a message the broker flagged", e.Message, by)
				case !tt.redelivered && by != "its complete sent within the ingestion window":
					t.Errorf("%q: recognised_by %v, want what recognised it", e.Message, by)
				}
			}
			if !found {
				var got []string
				for _, e := range lines {
					got = append(got, e.Message)
				}
				t.Errorf("no line %q among %q", tt.want, got)
			}
		})
	}
}
