package serve

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
)

// closingBroker is a loopback AMQP 0-9-1 server that answers a client's
// connection.start-ok with a connection.close of code 403 and the reply
// text reason, as a broker refusing the login does, and returns its port.
func closingBroker(t *testing.T, reason string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go answerClosing(c, reason)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// answerClosing plays the broker's side of one refused handshake on c.
func answerClosing(c net.Conn, reason string) {
	defer c.Close()
	header := make([]byte, 8)
	if _, err := io.ReadFull(c, header); err != nil {
		return
	}
	var start bytes.Buffer // connection.start: 0-9, no properties, PLAIN, en_US
	start.Write([]byte{0, 10, 0, 10, 0, 9, 0, 0, 0, 0})
	longStr(&start, "PLAIN")
	longStr(&start, "en_US")
	if _, err := c.Write(methodFrame(start.Bytes())); err != nil {
		return
	}
	// connection.start-ok: its header, then its payload and frame end.
	head := make([]byte, 7)
	if _, err := io.ReadFull(c, head); err != nil {
		return
	}
	if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint32(head[3:]))+1); err != nil {
		return
	}
	var closing bytes.Buffer // connection.close 403, reason, after connection.start-ok
	closing.Write([]byte{0, 10, 0, 50})
	_ = binary.Write(&closing, binary.BigEndian, uint16(amqp.AccessRefused))
	closing.WriteByte(byte(len(reason)))
	closing.WriteString(reason)
	closing.Write([]byte{0, 10, 0, 11})
	_, _ = c.Write(methodFrame(closing.Bytes()))
	_, _ = io.Copy(io.Discard, c) // until the client's close-ok and hang-up
}

// methodFrame frames payload as a method frame on channel 0.
func methodFrame(payload []byte) []byte {
	f := []byte{1, 0, 0}
	f = binary.BigEndian.AppendUint32(f, uint32(len(payload)))
	return append(append(f, payload...), 0xCE)
}

func longStr(b *bytes.Buffer, s string) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(s)))
	b.WriteString(s)
}

// A broker's reply text is quoted in the connection's error (logged, and
// /healthz's reason) only when it echoes no secret: not the password
// of the registration, nor the platform's token, whole or split over
// lines; its code is kept.
func TestBrokerTextEchoingASecretIsWithheld(t *testing.T) {
	const (
		pass  = "Rb7-pAss-w0rd-9f3c2a1e"
		token = "0d1c2b3a-4e5f-6a7b-8c9d-aabbccddeeff"
	)
	tests := []struct {
		name, reason string
		want         string // in the error
	}{
		{"plain refusal", "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN",
			"ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN"},
		{"password split over lines", "ACCESS_REFUSED - bad password\n" + pass[:11] + "\n" + pass[11:],
			"[server text withheld: it echoed a secret"},
		{"token split over lines", "ACCESS_REFUSED - sent " + token[:18] + "\r\n" + token[18:],
			"[server text withheld: it echoed a secret"},
		{"password whole", "ACCESS_REFUSED - password " + pass + " refused", "ACCESS_REFUSED - password [REDACTED] refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(&Daemon{Secrets: []string{token}})
			reg := Registration{Queue: "q", Broker: Broker{Host: "127.0.0.1", Port: closingBroker(t, tt.reason),
				User: "injector", Pass: pass}}
			_, err := r.connect(t.Context(), reg)
			if err == nil {
				t.Fatal("connect: no error, want the broker's refusal")
			}
			var ae *amqp.Error
			if !errors.As(err, &ae) || ae.Code != amqp.AccessRefused {
				t.Fatalf("connect: %v, want the broker's 403 kept", err)
			}
			msg := err.Error()
			for _, piece := range []string{pass[:11], pass[11:], token[:18], token[18:]} {
				if strings.Contains(msg, piece) || strings.Contains(ae.Reason, piece) {
					t.Errorf("error %q (reason %q) shows %q of a secret", msg, ae.Reason, piece)
				}
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q, want %q in it", msg, tt.want)
			}
		})
	}
}
