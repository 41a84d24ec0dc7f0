// Command demolisten opens a TCP listener on a loopback address for the nmap
// demo, prints its port on standard output and serves until it is killed (or
// until -for has passed). Every connection is greeted with an SSH banner, so
// that nmap's service detection names the port.
//
//	demolisten [-addr 127.0.0.1:0] [-for 5m]
//
// It refuses any address that is not loopback.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

const banner = "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n"

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on (port 0: a random port)")
	life := flag.Duration("for", 5*time.Minute, "how long to serve before exiting")
	flag.Parse()
	if err := run(*addr, *life); err != nil {
		fmt.Fprintln(os.Stderr, "demolisten:", err)
		os.Exit(1)
	}
}

func run(addr string, life time.Duration) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return fmt.Errorf("invalid -addr %q: %w", addr, err)
	}
	if !ap.Addr().IsLoopback() {
		return fmt.Errorf("invalid -addr %q: not a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	time.AfterFunc(life, func() { ln.Close() })
	for {
		c, err := ln.Accept()
		if err != nil {
			return nil // closed at the end of its life
		}
		go func() {
			defer c.Close()
			_, _ = c.Write([]byte(banner))
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			buf := make([]byte, 512)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
			}
		}()
	}
}
