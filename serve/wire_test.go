package serve_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
)

// methodNames names the AMQP 0-9-1 methods a test looks for in what the
// daemon sent; another is written class.method ("60.40").
var methodNames = map[[2]uint16]string{
	{10, 50}: "connection.close", {60, 30}: "basic.cancel", {60, 80}: "basic.ack",
	{60, 90}: "basic.reject", {60, 120}: "basic.nack",
}

// wire records the AMQP methods the daemon sent through the proxy, in the
// order it sent them (all its connections' alike), as the proxy reads them
// from the daemon's socket: what the broker was sent, whatever it made of
// it.
type wire struct {
	mu      sync.Mutex
	methods []string
	ended   int // the daemon's connections whose end the proxy read
}

// reader reads one connection's bytes, as the proxy reads them.
func (w *wire) reader() *frameReader { return &frameReader{w: w} }

// sent returns the methods recorded so far.
func (w *wire) sent() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.methods...)
}

// endedConns returns how many of the daemon's connections ended (the proxy
// read their end: what they sent is all recorded).
func (w *wire) endedConns() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ended
}

// frameReader splits one connection's bytes into AMQP frames, however
// the reads cut them, and records their methods in w.
type frameReader struct {
	w   *wire
	buf []byte
}

func (r *frameReader) read(b []byte) {
	r.buf = append(r.buf, b...)
	if bytes.HasPrefix(r.buf, []byte("AMQP")) && len(r.buf) >= 8 {
		r.buf = r.buf[8:] // the protocol header
	}
	for len(r.buf) >= 7 && !bytes.HasPrefix(r.buf, []byte("AMQP")) {
		size := int(binary.BigEndian.Uint32(r.buf[3:7]))
		if len(r.buf) < 7+size+1 {
			return
		}
		if typ, payload := r.buf[0], r.buf[7:7+size]; typ == 1 && size >= 4 {
			m := [2]uint16{binary.BigEndian.Uint16(payload), binary.BigEndian.Uint16(payload[2:])}
			name, ok := methodNames[m]
			if !ok {
				name = fmt.Sprintf("%d.%d", m[0], m[1])
			}
			r.w.mu.Lock()
			r.w.methods = append(r.w.methods, name)
			r.w.mu.Unlock()
		}
		r.buf = r.buf[7+size+1:]
	}
}

func (r *frameReader) end() {
	r.w.mu.Lock()
	r.w.ended++
	r.w.mu.Unlock()
}
