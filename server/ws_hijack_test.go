package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	contrib "github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
)

// TestWebsocketHijackReleasable: a chat connection lets fasthttp have its
// request back (runConn) only when the hijacked connection reads straight
// from the socket; a client that sent bytes beyond its upgrade request
// before the answer reads through fasthttp's pooled buffer, which must
// then stay with the connection. Fails if fasthttp's hijacked connection
// changes shape, and the chat then keeps the heavier path.
func TestWebsocketHijackReleasable(t *testing.T) {
	got := make(chan bool, 1)
	app := fiber.New(fiber.Config{DisableStartupMessage: true, ReduceMemoryUsage: true})
	app.Get("/ws", contrib.New(func(c *contrib.Conn) {
		got <- hijackReleasable(c.NetConn())
		_, _, _ = c.ReadMessage()
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	addr := ln.Addr().String()
	wait := func(t *testing.T) bool {
		select {
		case v := <-got:
			return v
		case <-time.After(10 * time.Second):
			t.Fatal("no upgrade")
		}
		return false
	}

	t.Run("OK", func(t *testing.T) {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", http.Header{})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if !wait(t) {
			t.Fatal("a plain upgrade reads through fasthttp's buffer: its request would be held for the connection's life")
		}
	})
	t.Run("Pipelined", func(t *testing.T) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		// The upgrade request and, in the same write, a masked ping frame.
		req := fmt.Sprintf("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", addr)
		if _, err := nc.Write(append([]byte(req), 0x89, 0x80, 1, 2, 3, 4)); err != nil {
			t.Fatal(err)
		}
		if wait(t) {
			t.Fatal("a connection reading through fasthttp's pooled buffer counted as releasable")
		}
		line, err := bufio.NewReader(nc).ReadString('\n')
		if err != nil || !strings.Contains(line, "101") {
			t.Fatalf("upgrade answer %q, %v", line, err)
		}
	})
}
