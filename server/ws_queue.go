package server

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// The live queue (issue 21): the console's queue page keeps a websocket on
// GET /console/queue/live and, on each "queue" frame, fetches the queue
// again (static/js/console-queue.js). A frame goes to the console users of
// the conversation's tenant only, on every instance: a stored message
// (a debtor writing, an agent answering, a take or hand-over, a
// resolution) is announced with the tenant in the bus note of its seq.

// queueFrame is what a queue watcher receives when its tenant's queue
// changed: type "queue", with the conversation when one is known.
func queueFrame(conversationID string) []byte {
	b, _ := json.Marshal(frame{Type: "queue", ConversationID: conversationID})
	return b
}

// watch adds a queue watcher of its tenant; false once shutting down.
func (h *Hub) watch(c *chatConn) bool {
	if !h.register(c) {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	w := h.watchers[c.conv.TenantID]
	if w == nil {
		w = map[*chatConn]struct{}{}
		h.watchers[c.conv.TenantID] = w
	}
	w[c] = struct{}{}
	return true
}

// unwatch removes a queue watcher.
func (h *Hub) unwatch(c *chatConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	if w := h.watchers[c.conv.TenantID]; w != nil {
		delete(w, c)
		if len(w) == 0 {
			delete(h.watchers, c.conv.TenantID)
		}
	}
}

// queueChangedHere tells this instance's watchers of a tenant ("" every
// tenant: the bus was down meanwhile) that its queue changed.
func (h *Hub) queueChangedHere(tenantID, conversationID string) {
	b := queueFrame(conversationID)
	h.mu.Lock()
	var conns []*chatConn
	for t, w := range h.watchers {
		if tenantID == "" || t == tenantID {
			for c := range w {
				conns = append(conns, c)
			}
		}
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.queue(b) // never blocks: a slow watcher is dropped and reconnects
	}
}

// QueueChanged tells the tenant's queue pages on every instance that the
// queue changed without a message stored (Published announces those): an
// assignment, for one.
func (h *Hub) QueueChanged(ctx context.Context, tenantID, conversationID string) {
	if h.bus == nil {
		h.queueChangedHere(tenantID, conversationID)
		return
	}
	b, _ := json.Marshal(busNote{Conversation: conversationID, Tenant: tenantID, Event: "queue", Instance: h.instance})
	if err := h.bus.Publish(ctx, string(b)); err != nil {
		h.log.Warn("chat bus: queue change not sent", "err", err)
		h.queueChangedHere(tenantID, conversationID) // this instance's pages at least
	}
}

// handleConsoleQueueLive is GET /console/queue/live: a console user's
// queue page listening for changes of the tenant's queue (websocket; the
// client sends nothing but pongs).
func (s *Server) handleConsoleQueueLive(c *fiber.Ctx) error {
	if _, err := s.checkChatRequest(c); err != nil {
		return err
	}
	u, err := s.consoleUser(c)
	if err != nil {
		return err
	}
	slot, err := s.reserveConsoleChat(c, u)
	if err != nil {
		return err
	}
	lang := consoleLanguage(c)
	p := negotiation.Participant{Kind: portal.ActorUser, ID: u.ID, TenantID: u.TenantID, Role: u.Role, Language: lang}
	actor := portal.Actor{Kind: portal.ActorUser, ID: u.ID, TenantID: u.TenantID, IP: strings.Clone(c.IP())}
	return s.beginChat(c, &chatStart{p: p, conv: &negotiation.Conversation{TenantID: u.TenantID}, actor: actor, internal: true, watch: true, slot: slot})
}

// serveQueue runs a queue watcher: a reader that only keeps the
// connection alive (any frame the client sends is answered unknown_type),
// in a goroutine of its own when the connection allows it (runConn).
func (s *Server) serveQueue(ws *websocket.Conn, st *chatStart) {
	st.slot.activate()
	c := s.openConn(ws, st, s.hub.watch)
	if c == nil {
		st.slot.release()
		_ = ws.Close()
		return
	}
	end := func() {
		c.close(websocket.CloseNormalClosure, "")
		<-c.writerDone
		s.hub.unwatch(c)
		st.slot.release()
	}
	setup := func() bool {
		b, _ := json.Marshal(frame{Type: "welcome", V: ProtocolVersion, Role: "queue"})
		c.queue(b)
		return true
	}
	s.runConn(c, "queue watcher", setup, func() { s.queueReadLoop(c) }, end)
}

// queueReadLoop reads a queue watcher's frames until the connection ends.
func (s *Server) queueReadLoop(c *chatConn) {
	ws := c.ws
	ws.SetReadLimit(hardReadLimit)
	_ = ws.SetReadDeadline(time.Now().Add(pongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(pongWait)) })
	var lim frameLimiter
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(pongWait))
		if !lim.take(1) {
			if lim.strikes++; lim.strikes >= maxStrikes {
				c.close(websocket.ClosePolicyViolation, "too many frames")
				return
			}
			continue
		}
		s.sendFrameError(c, "", frameUnknownType, "", "type")
	}
}
