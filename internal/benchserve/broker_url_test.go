package main

import (
	"strings"
	"testing"
)

// A -amqp URL openBroker cannot parse or dial is refused naming it with
// its password masked, whatever is wrong with it: url.Parse's error
// quotes the whole input, the password with it.
func TestOpenBrokerNeverShowsThePassword(t *testing.T) {
	const pass = "BrokS3cretPW"
	tests := []struct{ name, url, wantErr string }{
		{"port not a number", "amqp://guest:" + pass + "@127.0.0.1:badport/", "invalid port"},
		{"user name without its @", "amqp://guest:" + pass, "invalid port"},
		{"bad escape", "amqp://guest:" + pass + "%zz@127.0.0.1:5672/", "invalid URL escape"},
		{"space in the host", "amqp://guest:" + pass + "@ho st:5672/", "whitespace"},
		{"not amqp", "http://guest:" + pass + "@127.0.0.1:5672/", "scheme"},
		{"not loopback", "amqp://guest:" + pass + "@192.0.2.1:5672/", "loopback"},
		{"broker down", "amqp://guest:" + pass + "@127.0.0.1:1/", "is RabbitMQ running?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := openBroker(tt.url, defaultQueuePrefix)
			if err == nil {
				b.close()
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), pass) {
				t.Errorf("the error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one with %q", err, tt.wantErr)
			}
		})
	}
}
