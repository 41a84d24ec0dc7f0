package serve

import "testing"

// A daemon whose MaxMessageSize is not set rejects what is over
// DefaultMaxMessageSize, and one whose is set what is over it
// (TestIntegrationMessageLargerThanTheMaximum runs a limit set through
// the broker).
func TestMaxMessageSizeDefault(t *testing.T) {
	tests := []struct {
		name string
		set  int64
		want int64
	}{
		{"unset", 0, DefaultMaxMessageSize},
		{"negative", -1, DefaultMaxMessageSize},
		{"set", 2 * OversizeHead, 2 * OversizeHead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newRunner(&Daemon{MaxMessageSize: tt.set}).maxMessageSize; got != tt.want {
				t.Errorf("MaxMessageSize %d: the limit is %d, want %d", tt.set, got, tt.want)
			}
		})
	}
}
