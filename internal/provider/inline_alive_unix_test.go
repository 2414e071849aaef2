//go:build unix

package provider

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// readable waits, through the network poller rather than a polling loop,
// until c has a byte or its end to read, and reads nothing.
func readable(t *testing.T, c net.Conn) {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return rerr != syscall.EAGAIN && rerr != syscall.EWOULDBLOCK
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInlineSkipsIdleConnectionsTheServerClosed(t *testing.T) {
	closed := make(chan struct{})
	base := rawServer(t,
		func(c net.Conn, br *bufio.Reader) {
			readRequest(t, br)
			answer(c, "one")
			c.Close()
			close(closed)
		},
		func(c net.Conn, br *bufio.Reader) {
			// Only one request may reach this connection: a second one
			// on the first connection would have been sent twice.
			readRequest(t, br)
			answer(c, "two")
		},
	)
	ti := newTestInline(t, 4)
	if got, err := post(t, ti, context.Background(), base+"/1", "a"); err != nil || got != "one" {
		t.Fatalf("first: %q, %v", got, err)
	}
	<-closed
	ti.mu.Lock()
	pooled := ti.idle[strings.TrimPrefix(base, "http://")][0]
	ti.mu.Unlock()
	readable(t, pooled.Conn)
	if alive(pooled.Conn) {
		t.Fatal("a connection the server closed is alive")
	}
	// Without GetBody the request cannot be sent again: it succeeds only
	// if the closed connection was skipped.
	req, _ := http.NewRequest(http.MethodPost, base+"/2", strings.NewReader("b"))
	req.GetBody = nil
	resp, err := ti.RoundTrip(req)
	if err != nil {
		t.Fatalf("second: %v", err)
	}
	defer resp.Body.Close()
	if got, _ := io.ReadAll(resp.Body); string(got) != "two" {
		t.Fatalf("second: %q", got)
	}
}

func TestInlineAliveOnOpenConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if !alive(c) {
		t.Fatal("open, quiet connection is not alive")
	}
	_, _ = s.Write([]byte("x")) // a server writing to an idle connection
	readable(t, c)
	if alive(c) {
		t.Fatal("a connection the server wrote to while idle is alive")
	}
	s.Close()
}
