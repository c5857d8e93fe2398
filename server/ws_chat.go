package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"reflect"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
)

// chatScriptTag loads the chat panel's script: the only script of the
// debtor pages, from this origin (the CSP forbids inline code).
const chatScriptTag = `<script src="/static/js/chat.js"></script>`

// ProtocolVersion is the chat protocol version (docs/protocol.md), sent in
// the welcome frame.
const ProtocolVersion = 1

// frame is a server → client frame; Type says which fields are set.
type frame struct {
	Type string `json:"type"`
	V    int    `json:"v,omitempty"`
	// ID is the client id of the frame an ack or error answers.
	ID        string `json:"id,omitempty"`
	Seq       int64  `json:"seq,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
	// Msg is a stored message (type "message").
	Msg *negotiation.Message `json:"msg,omitempty"`
	// Code, Message, Field and Reason describe an error (type "error").
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason,omitempty"`
	// Verdict is the policy's verdict of an agent's counter-offer or
	// acceptance refused for want of confirmation (reason
	// offer.outside_policy): the console lists its breaches and asks.
	Verdict *negotiation.Verdict `json:"verdict,omitempty"`
	// From is "debtor" or "agent" (type "typing").
	From string `json:"from,omitempty"`
	// Welcome and presence.
	ConversationID string     `json:"conversation_id,omitempty"`
	ClaimID        string     `json:"claim_id,omitempty"`
	Role           string     `json:"role,omitempty"`
	LastSeq        int64      `json:"last_seq,omitempty"`
	AgentsOnline   bool       `json:"agents_online,omitempty"`
	AnswerBy       *time.Time `json:"answer_by,omitempty"`
	// Agreement is the signed agreement (type "signed").
	Agreement *negotiation.Agreement `json:"agreement,omitempty"`
}

// clientFrame is a client → server frame.
type clientFrame struct {
	Type        string             `json:"type"`
	ID          string             `json:"id"`
	Text        string             `json:"text"`
	Offer       *negotiation.Offer `json:"offer"`
	OfferID     string             `json:"offer_id"`
	Reason      string             `json:"reason"`
	ToUserID    string             `json:"to_user_id"`
	AgreementID string             `json:"agreement_id"`
	Acknowledge bool               `json:"acknowledge"`
	// An agent's confirmation of a counter-offer or acceptance outside the
	// policy, with the reason (internal).
	ConfirmOutsidePolicy bool   `json:"confirm_outside_policy"`
	PolicyReason         string `json:"policy_reason"`
	// Method is the way to pay a plan the debtor chose at signing
	// (sepa_debit, bancontact, card, transfer); "" keeps the offer's.
	Method string `json:"method"`
}

// Frame error codes (docs/protocol.md).
const (
	frameMalformed   = "malformed"
	frameUnknownType = "unknown_type"
	frameTooLarge    = "too_large"
	frameRateLimited = "rate_limited"
)

// reasonConversationRate is the reason of a rate_limited error frame
// answering a message past the conversation's allowance for the minute
// (Config.ChatMessagesPerMinute); the frame-rate limit of one connection
// has no reason.
const reasonConversationRate = "chat.messages_per_minute"

// chatRetryAfter is the Retry-After of an upgrade refused for too many
// connections.
const chatRetryAfter = "10"

// Flood control: a bucket of frameBurst frames refilled at frameRate per
// second; a rejected frame costs errorCost more. Past maxStrikes frames
// refused for the rate, the connection is closed with 1008.
const (
	frameBurst = 40
	frameRate  = 5.0
	errorCost  = 1
	maxStrikes = 10
)

type frameLimiter struct {
	tokens  float64
	last    time.Time
	strikes int
}

func (l *frameLimiter) take(n float64) bool {
	now := time.Now()
	if l.last.IsZero() {
		l.tokens = frameBurst
	} else {
		l.tokens = min(frameBurst, l.tokens+now.Sub(l.last).Seconds()*frameRate)
	}
	l.last = now
	if l.tokens < n {
		return false
	}
	l.tokens -= n
	return true
}

// chatStart is what the upgrade handler hands the connection: everything
// copied out of the Fiber context before the upgrade.
type chatStart struct {
	p        negotiation.Participant
	conv     *negotiation.Conversation
	actor    portal.Actor
	after    int64
	internal bool
	away     bool // an agent marked away: not announced as online
	// watch: a queue page (ws_queue.go), on no conversation.
	watch bool
	// slot is the connection's place under the connection limits.
	slot *chatSlot
}

const localChat = "relais.chat"

// The chat connections' buffers: a chat frame is small (a message is at
// most maxMessageSize, read in as many reads as it needs); every frame is
// written from a buffer of the server's chatWritePool, shared by all
// connections.
const (
	chatReadBuffer  = 1 << 10
	chatWriteBuffer = 4 << 10
)

// chatWS is the upgrader shared by the debtor and console routes: Origin
// must be the base URL.
func (s *Server) chatWS() fiber.Handler {
	s.chatOnce.Do(func() {
		s.chatUpgrader = websocket.New(s.serveChat, websocket.Config{
			Origins:          []string{s.cfg.BaseURL},
			HandshakeTimeout: 10 * time.Second,
			// An idle connection holds its read buffer only; the write
			// buffer is taken from one pool for each frame and given back
			// (issue 22: the library's defaults are 4 KiB each, for life).
			ReadBufferSize:  chatReadBuffer,
			WriteBufferSize: chatWriteBuffer,
			WriteBufferPool: &s.chatWritePool,
			RecoverHandler: func(c *websocket.Conn) {
				if e := recover(); e != nil {
					s.log.Error("chat connection panic", "err", e, "stack", string(debug.Stack()))
					_ = c.Close() // fasthttp keeps hijacked connections open
				}
			},
		})
	})
	return s.chatUpgrader
}

// beginChat checks the request is a same-origin websocket upgrade, and
// stashes st for serveChat; a refused upgrade gives its place back.
func (s *Server) beginChat(c *fiber.Ctx, st *chatStart) error {
	c.Locals(localChat, st)
	err := s.chatWS()(c)
	if err != nil {
		st.slot.release()
	}
	return err
}

// reserveChat takes the connection's place under the limits of its
// session and, for a debtor, of its client address: past them the upgrade
// is refused with 429 and Retry-After, before any websocket exists.
func (s *Server) reserveChat(c *fiber.Ctx, keys ...slotKey) (*chatSlot, error) {
	sl, err := s.hub.reserve(keys...)
	if err != nil {
		c.Set(fiber.HeaderRetryAfter, chatRetryAfter)
		s.log.Debug("chat connection refused", "err", err, "route", routePattern(c)) // the request log has the 429
		return nil, err
	}
	return sl, nil
}

func (s *Server) checkChatRequest(c *fiber.Ctx) (int64, error) {
	if s.hub == nil {
		return 0, portal.Errorf(portal.EUNAVAILABLE, "The chat is not available.")
	}
	if !websocket.IsWebSocketUpgrade(c) {
		return 0, &fiber.Error{Code: fiber.StatusUpgradeRequired, Message: "websocket only"}
	}
	if c.Get(fiber.HeaderOrigin) != s.cfg.BaseURL {
		return 0, portal.Errorf(portal.EFORBIDDEN, "This page may only be opened from %s.", s.cfg.BaseURL)
	}
	after, ok := seqOf(c.Query("after"))
	if !ok {
		return 0, portal.FieldError("after", "after must be the last seq the client has (a whole number)")
	}
	return after, nil
}

// handleDebtorChat is GET /p/chat: the debtor's chat on the claim of their
// verified portal session.
func (s *Server) handleDebtorChat(c *fiber.Ctx) error {
	after, err := s.checkChatRequest(c)
	if err != nil {
		return err
	}
	sess, err := s.debtorSession(c)
	if err != nil {
		return err
	}
	slot, err := s.reserveChat(c, slotKey{"portal:" + sess.ID, s.hub.limits.perSession}, slotKey{addressKey(c.IP()), s.hub.limits.perAddress})
	if err != nil {
		return err
	}
	ctx, cancel := s.userContext(c)
	defer cancel()
	conv, err := s.deps.Conversations.OpenConversation(ctx, sess.TenantID, sess.ClaimID)
	if err != nil {
		slot.release()
		return err
	}
	lang := sess.Language
	if !portal.ValidLanguage(lang) {
		lang = "fr"
	}
	p := negotiation.Participant{Kind: portal.ActorDebtor, ID: sess.ID, TenantID: sess.TenantID, ClaimID: sess.ClaimID, Language: lang}
	actor := portal.Actor{Kind: portal.ActorDebtor, ID: sess.ID, TenantID: sess.TenantID, IP: strings.Clone(c.IP()), Forwarded: forwardedOf(c),
		UserAgent: strings.Clone(truncate(c.Get(fiber.HeaderUserAgent), 300))}
	return s.beginChat(c, &chatStart{p: p, conv: conv, actor: actor, after: after, slot: slot})
}

// reserveConsoleChat reserves a console user's websocket: agents are
// limited per console session only, since a creditor's office behind one
// address may have more agents than a debtor needs tabs.
func (s *Server) reserveConsoleChat(c *fiber.Ctx, u *portal.User) (*chatSlot, error) {
	key := "console-user:" + u.ID
	if cs := consoleSession(c); cs != nil {
		key = "console:" + cs.ID
	}
	return s.reserveChat(c, slotKey{key, s.hub.limits.perSession})
}

// handleConsoleChat is GET /console/chat/:id: an agent (or a viewer, read
// only) on one conversation.
func (s *Server) handleConsoleChat(c *fiber.Ctx) error {
	after, err := s.checkChatRequest(c)
	if err != nil {
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
	ctx, cancel := s.userContext(c)
	defer cancel()
	conv, err := s.deps.Conversations.FindConversation(ctx, u.TenantID, c.Params("id"))
	if err != nil {
		slot.release()
		return err
	}
	name := u.Name
	if name == "" {
		name = u.Email
	}
	// The console's language (the user's choice, else the browser's), as
	// on the page: an error frame reads as the console around it.
	lang := consoleLanguage(c)
	p := negotiation.Participant{Kind: portal.ActorUser, ID: u.ID, Name: strings.Clone(name), TenantID: u.TenantID, Role: u.Role, Language: lang}
	actor := portal.Actor{Kind: portal.ActorUser, ID: u.ID, TenantID: u.TenantID, IP: strings.Clone(c.IP()), Forwarded: forwardedOf(c),
		UserAgent: strings.Clone(truncate(c.Get(fiber.HeaderUserAgent), 300))}
	return s.beginChat(c, &chatStart{p: p, conv: conv, actor: actor, after: after, internal: true, away: u.Away, slot: slot})
}

// openConn makes the connection of st, adds it to the hub with add (a
// chat or a queue watcher) and arms its ping timer; nil, the connection
// told so and closed, when the hub is shutting down.
func (s *Server) openConn(ws *websocket.Conn, st *chatStart, add func(*chatConn) bool) *chatConn {
	c := &chatConn{hub: s.hub, ws: ws.Conn, p: st.p, conv: st.conv, internal: st.internal, away: st.away, actor: st.actor,
		done: make(chan struct{}), writerDone: make(chan struct{})}
	if !add(c) {
		_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(writeWait))
		return nil
	}
	c.start()
	return c
}

// serveChat runs one connection: its reader, after the welcome and the
// history, in a goroutine of its own when the connection allows it
// (runConn). A panic ends this connection only.
func (s *Server) serveChat(ws *websocket.Conn) {
	st, _ := ws.Locals(localChat).(*chatStart)
	if st == nil {
		_ = ws.Close()
		return
	}
	if st.watch {
		s.serveQueue(ws, st)
		return
	}
	st.slot.activate()
	c := s.openConn(ws, st, s.hub.register)
	if c == nil {
		st.slot.release()
		_ = ws.Close()
		return
	}
	end := func() {
		c.close(websocket.CloseNormalClosure, "")
		<-c.writerDone
		s.hub.leave(c)
		if c.internal {
			s.hub.presence(c.conv.ID)
		}
		st.slot.release()
	}
	s.runConn(c, "chat", func() bool { return s.startChat(c, st) }, func() { s.readLoop(c) }, end)
}

// startChat queues the welcome frame and the history after what the
// client has, and puts c in its room; false when the history could not
// be read (the connection is closed).
func (s *Server) startChat(c *chatConn, st *chatStart) bool {
	ctx, cancel := context.WithTimeout(portal.WithActor(context.Background(), c.actor), s.cfg.RequestTimeout)
	welcome := frame{Type: "welcome", V: ProtocolVersion, ConversationID: c.conv.ID, ClaimID: c.conv.ClaimID, Role: c.role(), LastSeq: c.conv.LastSeq}
	if !c.internal {
		welcome.AgentsOnline = s.hub.agentsOnline(c.conv.ID) > 0
		welcome.AnswerBy = s.answerBy(ctx, c.conv)
	}
	b, _ := json.Marshal(welcome)
	c.queue(b)
	err := s.hub.join(ctx, c, st.after)
	cancel()
	if err != nil {
		s.log.Warn("chat replay failed", "err", err)
		c.close(websocket.CloseInternalServerErr, "replay failed")
		return false
	}
	if c.internal {
		s.hub.presence(c.conv.ID)
	}
	return true
}

// runConn runs a connection's setup, then its reader read, then end
// (which closes it): setup in the upgrade's goroutine, read and end in
// another one when hijackReleasable says fasthttp may take the request
// back, after which the upgrade's goroutine returns. fasthttp then
// releases the request's context and headers, which it would otherwise
// hold for the connection's life (issue 22), and, as the server keeps
// hijacked connections (KeepHijackedConns), leaves the socket open: end
// closes it. A panic ends this connection only.
func (s *Server) runConn(c *chatConn, what string, setup func() bool, read, end func()) {
	handed := false
	defer func() {
		if !handed {
			s.endConn(c, what, recover(), end)
		}
	}()
	if !setup() {
		return
	}
	if !hijackReleasable(c.ws.NetConn()) {
		read()
		return
	}
	handed = true
	go func() {
		defer func() { s.endConn(c, what, recover(), end) }()
		read()
	}()
}

// endConn logs a panic of a connection's goroutine and closes it with
// 1011, then runs end.
func (s *Server) endConn(c *chatConn, what string, panicked any, end func()) {
	if panicked != nil {
		s.log.Error(what+" connection panic", "err", panicked, "stack", string(debug.Stack()))
		c.close(websocket.CloseInternalServerErr, "internal error")
	}
	end()
}

// hijackReleasable tells whether fasthttp may have the request of a
// hijacked connection back while the connection lives on: the connection
// (fasthttp's hijackConn) must read straight from its socket, not through
// the server's pooled read buffer, which fasthttp takes back when the
// upgrade's handler returns. fasthttp gives that buffer back before the
// hijack only with ReduceMemoryUsage, and only when the client sent
// nothing beyond its upgrade request. The server does not set that option
// (server.go says why), so today every chat connection reads through the
// buffer and keeps the upgrade's goroutine: the hand-over is there for a
// fasthttp that can release the buffer safely (TestWebsocketHijackReleasable
// runs it with the option). Anything unexpected (a fasthttp whose
// hijackConn has another shape) counts as buffered too.
func hijackReleasable(nc net.Conn) bool {
	u, ok := nc.(interface{ UnsafeConn() net.Conn })
	if !ok {
		return false
	}
	v := reflect.ValueOf(nc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	r := v.Elem().FieldByName("r")
	if !r.IsValid() || r.Kind() != reflect.Interface || r.IsNil() {
		return false
	}
	raw := u.UnsafeConn()
	return raw != nil && r.Elem().Type() == reflect.TypeOf(raw)
}

// answerBy is when the debtor may expect an answer: nil when an agent is
// on the conversation or it is business hours, else the next opening.
func (s *Server) answerBy(ctx context.Context, conv *negotiation.Conversation) *time.Time {
	p, err := s.deps.Conversations.Policy(ctx, conv.TenantID, conv.ClaimID)
	if err != nil {
		return nil
	}
	loc := s.tenantLocation(ctx, conv.TenantID)
	next := negotiation.NextOpening(p.Hours, s.deps.Clock.Now().In(loc))
	if next.IsZero() || !next.After(s.deps.Clock.Now()) {
		return nil
	}
	next = next.UTC()
	return &next
}

func (s *Server) tenantLocation(ctx context.Context, tenantID string) *time.Location {
	if t, err := s.deps.Tenants.FindTenant(ctx, tenantID); err == nil {
		if loc, err := time.LoadLocation(t.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (s *Server) readLoop(c *chatConn) {
	ws := c.ws
	ws.SetReadLimit(hardReadLimit)
	_ = ws.SetReadDeadline(time.Now().Add(pongWait))
	ws.SetPongHandler(func(string) error { return ws.SetReadDeadline(time.Now().Add(pongWait)) })
	var lim frameLimiter
	for {
		mt, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(pongWait))
		if !lim.take(1) {
			lim.strikes++
			if lim.strikes >= maxStrikes {
				c.close(websocket.ClosePolicyViolation, "too many frames")
				return
			}
			s.sendFrameError(c, "", frameRateLimited, "", "")
			continue
		}
		var reject func()
		switch {
		case mt != websocket.TextMessage:
			reject = func() { s.sendFrameError(c, "", frameMalformed, "", "") }
		case len(data) > maxMessageSize:
			reject = func() { s.sendFrameError(c, "", frameTooLarge, "", "") }
		}
		if reject == nil {
			if ok := s.handleFrame(c, data); ok {
				continue
			}
		} else {
			reject()
		}
		lim.take(errorCost)
	}
}

// handleFrame handles one text frame; false when it was rejected.
func (s *Server) handleFrame(c *chatConn, data []byte) bool {
	var f clientFrame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		code, reason, field := frameDecodeError(err)
		s.sendFrameError(c, f.ID, code, reason, field)
		return false
	}
	if dec.Decode(new(json.RawMessage)) != io.EOF {
		s.sendFrameError(c, f.ID, frameMalformed, "", "")
		return false
	}
	ctx, cancel := context.WithTimeout(portal.WithActor(context.Background(), c.actor), s.cfg.RequestTimeout)
	defer cancel()
	switch f.Type {
	case "typing":
		s.hub.typing(ctx, c)
		return true
	case "sign":
		return s.handleSign(ctx, c, &f)
	case "text", "note", "offer", "counter_offer", "accept", "refuse", "transfer":
	default:
		s.sendFrameError(c, f.ID, frameUnknownType, "", "type")
		return false
	}
	// The conversation's allowance for the minute, shared by every
	// connection of the side; given back unless a new message is stored.
	ok, err := s.hub.takeMessage(ctx, c.conv.ID, c.role())
	if err != nil {
		s.sendError(c, f.ID, err)
		return false
	}
	if !ok {
		s.sendFrameError(c, f.ID, frameRateLimited, reasonConversationRate, "")
		return false
	}
	refund := func() { s.hub.refundMessage(ctx, c.conv.ID, c.role()) } // before answering: the client may send at once
	conv, err := s.deps.Conversations.FindConversation(ctx, c.conv.TenantID, c.conv.ID)
	if err != nil {
		refund()
		s.sendError(c, f.ID, err)
		return false
	}
	if c.internal && conv.AgentID != "" && conv.AgentID != c.p.ID && f.Type != "transfer" {
		// Only the holder writes in a held conversation, as the console
		// page says (no composer for the others): an owner takes it over
		// first (POST .../take, which the history records), and may still
		// hand it to another agent.
		refund()
		s.sendAgentError(ctx, c, conv, f.ID, &portal.Error{Code: portal.EFORBIDDEN,
			Message: "Another agent has this conversation: take it over to write in it.",
			Err:     &negotiation.Reason{Key: negotiation.ReasonConversationHeld}})
		return false
	}
	out, err := s.deps.Negotiation.Handle(ctx, c.p, conv, negotiation.Input{
		Type: negotiation.MessageKind(f.Type), ClientID: f.ID, Text: f.Text, Offer: f.Offer, OfferID: f.OfferID, Reason: f.Reason, ToUserID: f.ToUserID,
		ConfirmOutsidePolicy: f.ConfirmOutsidePolicy, PolicyReason: f.PolicyReason,
	})
	if err != nil {
		refund()
		if c.internal {
			s.sendAgentError(ctx, c, conv, f.ID, err)
		} else {
			s.sendError(c, f.ID, err)
		}
		return false
	}
	if out.Duplicate {
		refund()
	}
	b, _ := json.Marshal(frame{Type: "ack", ID: f.ID, Seq: out.Seq(), Duplicate: out.Duplicate})
	c.queue(b)
	s.hub.Published(ctx, conv, out.Messages)
	s.assigned(ctx, conv.TenantID, out.Assigned, out.AssignErr) // a debtor's message or a hand-over may call for an agent
	return true
}

// frameDecodeError classifies a JSON decoding error: an out-of-range number
// in an offer is a bad offer, anything else a malformed frame.
func frameDecodeError(err error) (code, reason, field string) {
	var typeErr *json.UnmarshalTypeError
	var pe *portal.Error
	switch {
	case errors.As(err, &typeErr) && strings.HasPrefix(typeErr.Field, "offer.") && strings.HasPrefix(typeErr.Value, "number"):
		return portal.EINVALID, negotiation.ReasonAmountTooLarge, typeErr.Field
	case errors.As(err, &typeErr) && strings.HasPrefix(typeErr.Field, "offer."):
		return portal.EINVALID, "", typeErr.Field
	case errors.As(err, &pe): // a bad date inside the offer
		return portal.EINVALID, negotiation.ReasonDateMissing, "offer"
	}
	return frameMalformed, "", ""
}

// sendError answers a refused frame with a portal error, translated.
func (s *Server) sendError(c *chatConn, id string, err error) {
	code := portal.ErrorCode(err)
	if code == portal.EINTERNAL {
		s.log.Error("chat frame failed", "err", err, "conversation", c.conv.ID)
	}
	reason := ""
	if r := negotiation.ReasonOf(err); r != nil {
		reason = r.Key
	}
	s.sendFrameError(c, id, code, reason, portal.ErrorField(err))
}

// sendAgentError answers an agent's refused frame in the console's
// language: who holds the conversation, or what to do about an offer
// outside the policy (with its verdict, to list the breaches).
func (s *Server) sendAgentError(ctx context.Context, c *chatConn, conv *negotiation.Conversation, id string, err error) {
	r := negotiation.ReasonOf(err)
	if r == nil || (r.Key != negotiation.ReasonOutsidePolicy && r.Key != negotiation.ReasonConversationHeld) {
		s.sendError(c, id, err)
		return
	}
	t := s.i18n.For(c.p.Language)
	f := frame{Type: "error", ID: id, Code: portal.ErrorCode(err), Reason: r.Key, Field: portal.ErrorField(err)}
	switch r.Key {
	case negotiation.ReasonOutsidePolicy:
		f.Verdict, f.Message = r.Verdict, t.Text("console.outside.error")
		if f.Field == "policy_reason" {
			f.Message = t.Text("console.outside.noreason")
		}
	case negotiation.ReasonConversationHeld:
		f.Message = t.Text("console.handover.chat.held", "Name", s.userName(ctx, conv.TenantID, conv.AgentID))
	}
	b, _ := json.Marshal(f)
	c.queue(b)
}

// userName is how the console names a user of the tenant: the name, else
// the e-mail, else the id (a user since deleted).
func (s *Server) userName(ctx context.Context, tenantID, id string) string {
	if u, err := s.deps.Tenants.FindUser(ctx, id); err == nil && u.TenantID == tenantID {
		if u.Name != "" {
			return u.Name
		}
		return u.Email
	}
	return id
}

func (s *Server) sendFrameError(c *chatConn, id, code, reason, field string) {
	b, _ := json.Marshal(frame{Type: "error", ID: id, Code: code, Reason: reason, Field: field, Message: chatText(c.p.Language, code, reason)})
	c.queue(b)
}
