package main

import "testing"

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8089": true,
		"127.1.2.3:80":   true,
		"[::1]:8089":     true,
		"localhost:8089": true,
		"0.0.0.0:8089":   false,
		":8089":          false,
		"192.0.2.1:8089": false,
		"[::]:8089":      false,
		"127.0.0.1":      false,
		"example.com:80": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}
