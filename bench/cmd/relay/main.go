// Command relay is the benchmark's floor: a process that passes TCP bytes
// between the load generator and the simulated provider without reading
// them. What it adds to a request's latency is what any gateway running
// as its own process on the same machine pays before doing any work: the
// extra loopback hop and the wake-ups of another process's threads.
//
//	relay --listen 127.0.0.1:PORT --to 127.0.0.1:UPSTREAM
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to accept connections on")
	to := flag.String("to", "", "address every connection is relayed to")
	flag.Parse()
	if *to == "" {
		fmt.Fprintln(os.Stderr, "relay: --to is required")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
	fmt.Printf("relay listening on http://%s\n", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-sig
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go relay(c, *to)
	}
}

// relay copies c to a new connection to addr and back until both ends
// are done. Between TCP connections io.Copy splices in the kernel.
func relay(c net.Conn, addr string) {
	defer c.Close()
	up, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer up.Close()
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = io.Copy(up, c)
		_ = up.(*net.TCPConn).CloseWrite()
	})
	_, _ = io.Copy(c, up)
	_ = c.(*net.TCPConn).CloseWrite()
	wg.Wait()
}
