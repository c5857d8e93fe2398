package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/relais/relais/negotiation"
	"github.com/relais/relais/portal"
	"github.com/relais/relais/portal/ratelimit"
)

// Websocket timing and size limits (gorilla/websocket chat example, gotify
// stream client).
const (
	// writeWait is how long one frame may take to write.
	writeWait = 10 * time.Second
	// pongWait is how long the peer may stay silent (no pong, no frame).
	pongWait = 60 * time.Second
	// pingPeriod must be shorter than pongWait.
	pingPeriod = pongWait * 9 / 10
	// maxMessageSize is the largest frame handled; a larger one (up to
	// hardReadLimit) is answered with a too_large error frame and the
	// connection stays open.
	maxMessageSize = 8 << 10
	// hardReadLimit is the largest frame read at all: beyond it the library
	// closes the connection with 1009 (message too big).
	hardReadLimit = 64 << 10
	// sendQueue is the number of frames queued for a connection; a client
	// that lets it fill up is disconnected (it reconnects and replays).
	sendQueue = 256
)

// Agent presence across instances: an instance announces on the bus how
// many agents it has on a conversation whenever that changes, and again
// every presenceEvery while it is not zero. An announcement counts for
// presenceTTL, so the agents of an instance that died without a word
// disappear by themselves.
const (
	presenceEvery = 20 * time.Second
	presenceTTL   = 50 * time.Second
)

// ChatBus carries "conversation C has new messages up to seq S" between
// instances. On PostgreSQL it is LISTEN/NOTIFY; nil means this instance is
// alone (SQLite) and delivers in-process only.
type ChatBus interface {
	// Publish tells every instance (this one included) about payload.
	Publish(ctx context.Context, payload string) error
	// Listen calls fn for every payload published by any instance until ctx
	// ends, reconnecting as needed; fn("") each time it starts listening,
	// as notifications sent before are lost.
	Listen(ctx context.Context, fn func(payload string))
}

// Hub tracks the live chat connections of this instance, grouped in rooms
// (one per conversation), and fans stored messages out to them. It never
// writes to a socket itself: it queues frames for each connection's writer
// and drops a connection whose queue is full.
type Hub struct {
	store    negotiation.Store
	bus      ChatBus
	log      *slog.Logger
	instance string

	mu    sync.Mutex
	rooms map[string]*room
	conns map[*chatConn]struct{}
	// watchers are the queue pages of this instance by tenant (ws_queue.go).
	watchers map[string]map[*chatConn]struct{}
	closed   bool
	// remote is the agents other instances announced, by conversation and
	// instance; guarded by mu.
	remote map[string]map[string]remoteAgents

	// now, presenceEvery and presenceTTL are fields so that tests can
	// shorten them.
	now                        func() time.Time
	presenceEvery, presenceTTL time.Duration

	// limits bound connections and stored messages (chatLimits); slots
	// counts this instance's connections by limit key, guarded by mu;
	// limiter holds the message buckets by conversation and side (the
	// server's, shared by the instances on PostgreSQL).
	limits  chatLimits
	slots   map[string]int
	limiter portal.Limiter
	// pendingTTL is pendingSlotTTL (a field so that tests can shorten it).
	pendingTTL time.Duration
}

// Default chat limits (Config.ChatPerSession, ChatPerAddress,
// ChatMessagesPerMinute).
const (
	defaultChatPerSession = 5
	defaultChatPerAddress = 50
	defaultChatPerMinute  = 30
)

// chatLimits are what the hub allows (issue 26.9): connections per portal
// or console session and per debtor address, messages stored per
// conversation and side a minute. Zero or negative: no limit. Connections
// are this instance's sockets, counted in its memory: behind N instances a
// session may hold N times as many. Messages are counted by the server's
// limiter (issue 26.5): on PostgreSQL one allowance per conversation and
// side whatever the instance, and a restart does not start it over.
type chatLimits struct {
	perSession, perAddress int
	perMinute              int
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// pendingSlotTTL is how long a place reserved at the upgrade waits for its
// connection: when fasthttp cannot write the 101 answer the connection
// never starts, and the place must not stay taken.
const pendingSlotTTL = 30 * time.Second

// slotKey is one limit a connection counts against.
type slotKey struct {
	key   string
	limit int
}

// chatSlot is a connection's place under its limits, taken at the upgrade
// (so that a refusal is an HTTP 429, before any websocket exists) and
// given back when the connection ends, or after pendingSlotTTL if it never
// started.
type chatSlot struct {
	h      *Hub
	keys   []string
	mu     sync.Mutex
	held   bool
	active bool
	timer  *time.Timer
}

// reserve takes a place under every key's limit, or none: ERATELIMIT when
// one is full.
func (h *Hub) reserve(keys ...slotKey) (*chatSlot, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range keys {
		if k.limit > 0 && h.slots[k.key] >= k.limit {
			return nil, portal.Errorf(portal.ERATELIMIT, "Too many chat connections are open (%d at most %s): close one and try again.", k.limit, slotWhat(k.key))
		}
	}
	sl := &chatSlot{h: h, held: true}
	for _, k := range keys {
		h.slots[k.key]++
		sl.keys = append(sl.keys, k.key)
	}
	sl.timer = time.AfterFunc(h.pendingTTL, sl.expire)
	return sl, nil
}

func slotWhat(key string) string {
	if strings.HasPrefix(key, "addr:") {
		return "from one address"
	}
	return "per session"
}

func (h *Hub) unslot(keys []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range keys {
		if h.slots[k]--; h.slots[k] <= 0 {
			delete(h.slots, k)
		}
	}
}

// activate marks the place as the started connection's; a place that
// expired meanwhile (a handshake slower than pendingSlotTTL) is taken
// again, over the limit if need be: the connection exists.
func (sl *chatSlot) activate() {
	if sl == nil {
		return
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.active = true
	sl.timer.Stop()
	if !sl.held {
		sl.held = true
		sl.h.mu.Lock()
		for _, k := range sl.keys {
			sl.h.slots[k]++
		}
		sl.h.mu.Unlock()
	}
}

// expire gives back a place whose connection never started.
func (sl *chatSlot) expire() {
	sl.mu.Lock()
	defer sl.mu.Unlock()
	if !sl.active && sl.held {
		sl.held = false
		sl.h.unslot(sl.keys)
	}
}

// release gives the place back; safe to call more than once.
func (sl *chatSlot) release() {
	if sl == nil {
		return
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	sl.timer.Stop()
	if sl.held {
		sl.held = false
		sl.h.unslot(sl.keys)
	}
}

// messageBucket is the allowance of a conversation's side: perMinute
// messages at once, then one every minute/perMinute; false when there is
// no limit.
func (h *Hub) messageBucket() (portal.Bucket, bool) {
	limit := h.limits.perMinute
	if limit <= 0 {
		return portal.Bucket{}, false
	}
	return portal.Bucket{Burst: limit, Every: time.Minute / time.Duration(limit)}, true
}

// takeMessage counts one message of side on conversation, false when its
// allowance for the minute is used up; an error when the limiter failed.
func (h *Hub) takeMessage(ctx context.Context, conversationID, side string) (bool, error) {
	b, limited := h.messageBucket()
	if !limited {
		return true, nil
	}
	ok, _, err := h.limiter.Take(ctx, portal.LimitKey("chat-conv", conversationID, side), b, 1)
	return ok, err
}

// refundMessage gives back a message counted by takeMessage that was not
// stored (refused, or a retry of one stored before).
func (h *Hub) refundMessage(ctx context.Context, conversationID, side string) {
	b, limited := h.messageBucket()
	if !limited {
		return
	}
	if _, _, err := h.limiter.Take(ctx, portal.LimitKey("chat-conv", conversationID, side), b, -1); err != nil {
		h.log.WarnContext(ctx, "give back a chat message allowance", "err", err)
	}
}

// addressKey is the limit key of a client address: an IPv4 address, or
// the /64 of an IPv6 one (one subscriber's network).
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "addr:" + ip
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + a.String()
}

// remoteAgents is one instance's announcement of its agents on a
// conversation.
type remoteAgents struct {
	n     int
	until time.Time
}

// room is the connections of this instance on one conversation. Its mutex
// serialises deliveries so that each connection receives messages once, in
// seq order, without gaps: delivery reads the database after the room's
// cursor, and seqs commit in order (the seq counter is a row lock).
type room struct {
	id, tenantID string
	mu           sync.Mutex
	cursor       int64
	conns        map[*chatConn]struct{}
}

// NewHub builds a hub; start cross-instance delivery with Run.
func NewHub(store negotiation.Store, bus ChatBus, log *slog.Logger) *Hub {
	return &Hub{store: store, bus: bus, log: log, instance: portal.NewID(time.Now())[16:],
		rooms: map[string]*room{}, conns: map[*chatConn]struct{}{}, watchers: map[string]map[*chatConn]struct{}{}, remote: map[string]map[string]remoteAgents{},
		now: time.Now, presenceEvery: presenceEvery, presenceTTL: presenceTTL,
		limits: chatLimits{perSession: defaultChatPerSession, perAddress: defaultChatPerAddress, perMinute: defaultChatPerMinute},
		slots:  map[string]int{}, limiter: ratelimit.New(portal.SystemClock{}), pendingTTL: pendingSlotTTL}
}

// Run listens to the bus until ctx ends, and keeps this instance's agent
// presence announced. Without a bus it returns at once.
func (h *Hub) Run(ctx context.Context) {
	if h.bus == nil {
		return
	}
	go h.presenceLoop(ctx)
	h.bus.Listen(ctx, h.onBus)
}

// askPresence asks the other instances to announce their agents now, so
// that an instance that just started (or reconnected to the bus) does not
// wait for their next renewal.
func (h *Hub) askPresence(ctx context.Context) {
	b, _ := json.Marshal(busNote{Event: "presence_query", Instance: h.instance})
	if err := h.bus.Publish(ctx, string(b)); err != nil {
		h.log.Warn("chat bus: presence query not sent", "err", err)
	}
}

// presenceLoop re-announces this instance's agents and forgets the
// announcements of other instances that were not renewed in time.
func (h *Hub) presenceLoop(ctx context.Context) {
	t := time.NewTicker(h.presenceEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.announceAll(ctx)
		for _, conv := range h.expireRemote() {
			h.notifyPresence(conv)
		}
	}
}

// announceAll announces every conversation this instance has agents on.
func (h *Hub) announceAll(ctx context.Context) {
	h.mu.Lock()
	convs := make([]string, 0, len(h.rooms))
	for id := range h.rooms {
		convs = append(convs, id)
	}
	h.mu.Unlock()
	for _, id := range convs {
		if n := h.localAgents(id); n > 0 {
			h.announce(ctx, id, n)
		}
	}
}

// announce tells the other instances that this one has n agents on conv.
func (h *Hub) announce(ctx context.Context, conv string, n int) {
	if h.bus == nil {
		return
	}
	b, _ := json.Marshal(busNote{Conversation: conv, Event: "presence", Agents: n, Instance: h.instance})
	if err := h.bus.Publish(ctx, string(b)); err != nil {
		h.log.Warn("chat bus: presence not announced", "err", err)
	}
}

// expireRemote drops the announcements past their time and returns the
// conversations whose count changed.
func (h *Hub) expireRemote() []string {
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	var changed []string
	for conv, byInstance := range h.remote {
		for inst, ra := range byInstance {
			if now.After(ra.until) {
				delete(byInstance, inst)
				changed = append(changed, conv)
			}
		}
		if len(byInstance) == 0 {
			delete(h.remote, conv)
		}
	}
	return changed
}

// remoteSeen records another instance's announcement.
func (h *Hub) remoteSeen(n busNote) {
	h.mu.Lock()
	defer h.mu.Unlock()
	byInstance := h.remote[n.Conversation]
	if n.Agents <= 0 {
		if byInstance != nil {
			delete(byInstance, n.Instance)
			if len(byInstance) == 0 {
				delete(h.remote, n.Conversation)
			}
		}
		return
	}
	if byInstance == nil {
		byInstance = map[string]remoteAgents{}
		h.remote[n.Conversation] = byInstance
	}
	byInstance[n.Instance] = remoteAgents{n: n.Agents, until: h.now().Add(h.presenceTTL)}
}

// busNote is a bus payload: a new seq, or an ephemeral event (typing).
type busNote struct {
	Conversation string `json:"c,omitempty"`
	Seq          int64  `json:"s,omitempty"`
	Event        string `json:"e,omitempty"`
	From         string `json:"f,omitempty"`
	// Agents is this instance's agent count on the conversation (presence).
	Agents int `json:"a,omitempty"`
	// Tenant is the conversation's tenant on a new seq or a queue change:
	// its queue pages hear of it.
	Tenant   string `json:"t,omitempty"`
	Instance string `json:"i"`
}

func (h *Hub) onBus(payload string) {
	if payload == "" { // (re)started listening: catch every room up
		h.mu.Lock()
		rooms := make([]*room, 0, len(h.rooms))
		for _, r := range h.rooms {
			rooms = append(rooms, r)
		}
		h.mu.Unlock()
		for _, r := range rooms {
			h.deliver(r, nil)
		}
		h.queueChangedHere("", "") // queue changes may have been missed too
		// Announcements sent meanwhile were lost: ours go out again, and
		// the others are asked for theirs.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		h.announceAll(ctx)
		h.askPresence(ctx)
		cancel()
		return
	}
	var n busNote
	if json.Unmarshal([]byte(payload), &n) != nil {
		return
	}
	if n.Event == "presence_query" { // about every conversation
		if n.Instance != h.instance {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			h.announceAll(ctx)
			cancel()
		}
		return
	}
	if n.Tenant != "" && (n.Event == "" || n.Event == "queue") {
		h.queueChangedHere(n.Tenant, n.Conversation)
	}
	if n.Conversation == "" || n.Event == "queue" {
		return
	}
	if n.Event == "presence" {
		if n.Instance != h.instance {
			h.remoteSeen(n)
			h.notifyPresence(n.Conversation)
		}
		return
	}
	h.mu.Lock()
	r := h.rooms[n.Conversation]
	h.mu.Unlock()
	if r == nil {
		return
	}
	switch n.Event {
	case "":
		r.mu.Lock()
		behind := n.Seq > r.cursor
		r.mu.Unlock()
		if behind {
			h.deliver(r, nil)
		}
	case "typing":
		if n.Instance != h.instance {
			h.broadcast(r, nil, n.From, frame{Type: "typing", From: n.From})
		}
	}
}

// register adds a connection; false once the hub is shutting down.
func (h *Hub) register(c *chatConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	return true
}

// join streams the conversation's history after after (what the client
// already has) to c, then puts c in its room for live messages.
//
// The history is sent first, outside the room lock and at the client's
// pace: a conversation of a thousand messages would otherwise fill the
// connection's queue at once and get it dropped as too slow, and a slow
// reader would hold up every delivery to the room. Then c joins the room
// under its lock and gets what was stored meanwhile, so nothing is missed
// or sent twice.
func (h *Hub) join(ctx context.Context, c *chatConn, after int64) error {
	c.last = after // c is in no room yet: nothing else touches last
	if err := h.replay(ctx, c, func(m *negotiation.Message) bool { return c.queueMessageWait(m, writeWait) }); err != nil {
		return err
	}
	h.mu.Lock()
	r := h.rooms[c.conv.ID]
	if r == nil {
		r = &room{id: c.conv.ID, tenantID: c.conv.TenantID, conns: map[*chatConn]struct{}{}}
		h.rooms[c.conv.ID] = r
	}
	// Joining under the room lock: no delivery runs between the catch-up
	// read and the connection being in the room.
	r.mu.Lock()
	r.conns[c] = struct{}{}
	h.mu.Unlock()
	defer r.mu.Unlock()
	if err := h.replay(ctx, c, func(m *negotiation.Message) bool { c.queueMessage(m); return true }); err != nil {
		return err
	}
	if len(r.conns) == 1 {
		r.cursor = c.last
	}
	return nil
}

// replay reads the conversation's messages after c.last, page by page, and
// hands each to queue; it stops when queue reports the connection gone.
func (h *Hub) replay(ctx context.Context, c *chatConn, queue func(*negotiation.Message) bool) error {
	for {
		msgs, err := h.store.Messages(ctx, c.conv.TenantID, c.conv.ID, c.last, 500, c.internal)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if !queue(m) {
				return errReplayStalled
			}
		}
		if len(msgs) < 500 {
			return nil
		}
	}
}

// errReplayStalled ends a connection whose client stopped reading its
// history.
var errReplayStalled = errors.New("chat replay: the client stopped reading")

// leave removes c from its room and the hub.
func (h *Hub) leave(c *chatConn) {
	h.mu.Lock()
	delete(h.conns, c)
	r := h.rooms[c.conv.ID]
	h.mu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	delete(r.conns, c)
	empty := len(r.conns) == 0
	r.mu.Unlock()
	if empty {
		h.mu.Lock()
		if cur := h.rooms[c.conv.ID]; cur == r {
			r.mu.Lock()
			if len(r.conns) == 0 {
				delete(h.rooms, c.conv.ID)
			}
			r.mu.Unlock()
		}
		h.mu.Unlock()
	}
}

// Published is called after a transaction that stored msgs committed: the
// room of this instance gets them at once, the other instances through
// the bus.
func (h *Hub) Published(ctx context.Context, conv *negotiation.Conversation, msgs []*negotiation.Message) {
	if len(msgs) == 0 {
		return
	}
	h.mu.Lock()
	r := h.rooms[conv.ID]
	h.mu.Unlock()
	if r != nil {
		h.deliver(r, msgs)
	}
	if h.bus == nil {
		h.queueChangedHere(conv.TenantID, conv.ID)
		return
	}
	// The note reaches this instance too: its queue pages hear of it then.
	b, _ := json.Marshal(busNote{Conversation: conv.ID, Seq: msgs[len(msgs)-1].Seq, Tenant: conv.TenantID, Instance: h.instance})
	if err := h.bus.Publish(ctx, string(b)); err != nil {
		h.log.Warn("chat bus publish failed", "err", err)
		h.queueChangedHere(conv.TenantID, conv.ID)
	}
}

// deliver sends the room everything after its cursor. hint, when it holds
// exactly the next seqs, saves the database read.
func (h *Hub) deliver(r *room, hint []*negotiation.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	msgs := hint
	contiguous := len(hint) > 0
	for i, m := range hint {
		if m.Seq != r.cursor+int64(i)+1 {
			contiguous = false
		}
	}
	if !contiguous {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		msgs, err = h.store.Messages(ctx, r.tenantID, r.id, r.cursor, 1000, true)
		cancel()
		if err != nil {
			h.log.Warn("chat delivery: read messages", "err", err, "conversation", r.id)
			return
		}
	}
	for _, m := range msgs {
		if m.Seq <= r.cursor {
			continue
		}
		r.cursor = m.Seq
		for c := range r.conns {
			c.queueMessage(m)
		}
	}
}

// broadcast queues an ephemeral frame to the room's connections except
// skip, and (unless from the bus) to the other instances.
func (h *Hub) broadcast(r *room, skip *chatConn, from string, f frame) {
	b, _ := json.Marshal(f)
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		if c != skip && c.role() != from {
			c.queue(b)
		}
	}
}

// typing relays a typing indicator to the other side.
func (h *Hub) typing(ctx context.Context, c *chatConn) {
	h.mu.Lock()
	r := h.rooms[c.conv.ID]
	h.mu.Unlock()
	if r == nil {
		return
	}
	h.broadcast(r, c, c.role(), frame{Type: "typing", From: c.role()})
	if h.bus != nil {
		b, _ := json.Marshal(busNote{Conversation: c.conv.ID, Event: "typing", From: c.role(), Instance: h.instance})
		_ = h.bus.Publish(ctx, string(b))
	}
}

// localAgents counts agent connections of this instance on a
// conversation.
func (h *Hub) localAgents(conversationID string) int {
	h.mu.Lock()
	r := h.rooms[conversationID]
	h.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for c := range r.conns {
		if c.internal && !c.away {
			n++
		}
	}
	return n
}

// agentsOnline counts the agents on a conversation on every instance: this
// one's connections and the live announcements of the others.
func (h *Hub) agentsOnline(conversationID string) int {
	n := h.localAgents(conversationID)
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ra := range h.remote[conversationID] {
		if !now.After(ra.until) {
			n += ra.n
		}
	}
	return n
}

// presence is called when an agent of this instance joins or leaves a
// conversation: the other instances hear of it, and the debtors here are
// told whether an agent is there.
func (h *Hub) presence(conversationID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	h.announce(ctx, conversationID, h.localAgents(conversationID))
	cancel()
	h.notifyPresence(conversationID)
}

// notifyPresence tells this instance's debtors on a conversation whether an
// agent is there.
func (h *Hub) notifyPresence(conversationID string) {
	n := h.agentsOnline(conversationID)
	h.mu.Lock()
	r := h.rooms[conversationID]
	h.mu.Unlock()
	if r == nil {
		return
	}
	b, _ := json.Marshal(frame{Type: "presence", AgentsOnline: n > 0})
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.conns {
		if !c.internal {
			c.queue(b)
		}
	}
}

// Shutdown closes every connection with 1001 (going away) and refuses new
// ones; it waits up to timeout for the writers to send the close frames.
func (h *Hub) Shutdown(timeout time.Duration) {
	h.mu.Lock()
	h.closed = true
	conns := make([]*chatConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	deadline := time.After(timeout)
	for _, c := range conns {
		select {
		case <-c.writerDone:
		case <-deadline:
			return
		}
	}
}

// Conns is the number of live connections, for tests and metrics.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// chatConn is one websocket: a reader goroutine (runConn) and a writer;
// only the writer writes. The writer is a goroutine started when
// there is something to write (a frame queued, a ping due, the close) and
// ending when it has written it: an idle connection holds no writer, no
// ticker and no queue, only its reader and a timer (issue 22).
type chatConn struct {
	hub  *Hub
	ws   *websocket.Conn
	p    negotiation.Participant
	conv *negotiation.Conversation
	// internal: an agent, who sees notes and transfers.
	internal bool
	away     bool // an agent marked away (issue 21): not counted online
	actor    portal.Actor

	// mu guards the fields below it up to done; out is the frames queued
	// (at most sendQueue), writing tells a writer runs (and, once closing,
	// that the last one has started), ping that a ping is due, and room,
	// when not nil, is closed by the writer once it has taken out (a
	// history replay waiting for room in the queue).
	mu      sync.Mutex
	out     [][]byte
	writing bool
	ping    bool
	closing bool
	room    chan struct{}
	pinger  *time.Timer

	done       chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	closeCode  int
	closeText  string

	// last is the seq of the last message queued; guarded by the room lock.
	last int64
}

// start arms the connection's ping timer: the first ping goes out one
// pingPeriod after the connection opened, then one every pingPeriod.
func (c *chatConn) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closing {
		c.pinger = time.AfterFunc(pingPeriod, c.pingDue)
	}
}

// pingDue asks the writer for a ping and re-arms the timer.
func (c *chatConn) pingDue() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.ping = true
	c.wakeLocked()
	c.pinger.Reset(pingPeriod)
}

// wakeLocked starts a writer unless one runs; c.mu must be held.
func (c *chatConn) wakeLocked() {
	if !c.writing {
		c.writing = true
		go c.write()
	}
}

func (c *chatConn) role() string {
	if c.internal {
		return "agent"
	}
	return "debtor"
}

// queueMessage queues m unless the connection has it or may not see it.
func (c *chatConn) queueMessage(m *negotiation.Message) {
	if b := c.messageFrame(m); b != nil {
		c.queue(b)
	}
}

// queueMessageWait is queueMessage for the history: it waits up to
// timeout for room in the queue instead of dropping the connection, and
// tells whether the connection is still there.
func (c *chatConn) queueMessageWait(m *negotiation.Message, timeout time.Duration) bool {
	b := c.messageFrame(m)
	if b == nil {
		return true
	}
	var t *time.Timer
	for {
		c.mu.Lock()
		if c.closing {
			c.mu.Unlock()
			return false
		}
		if len(c.out) < sendQueue {
			c.out = append(c.out, b)
			c.wakeLocked()
			c.mu.Unlock()
			return true
		}
		if c.room == nil {
			c.room = make(chan struct{})
		}
		room := c.room
		c.mu.Unlock()
		if t == nil {
			t = time.NewTimer(timeout)
			defer t.Stop()
		}
		select {
		case <-room:
		case <-c.done:
			return false
		case <-t.C:
			c.close(websocket.CloseTryAgainLater, "too slow")
			return false
		}
	}
}

// messageFrame is the frame of m for this connection, nil when it has m
// already or may not see it; it advances last.
func (c *chatConn) messageFrame(m *negotiation.Message) []byte {
	if m.Seq <= c.last {
		return nil
	}
	c.last = m.Seq
	if m.Kind.Internal() && !c.internal {
		return nil
	}
	b, _ := json.Marshal(frame{Type: "message", Msg: m})
	return b
}

// queue adds a frame without ever blocking: a full queue means a slow
// client, which is disconnected.
func (c *chatConn) queue(b []byte) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if len(c.out) >= sendQueue {
		c.mu.Unlock()
		c.close(websocket.CloseTryAgainLater, "too slow")
		return
	}
	c.out = append(c.out, b)
	c.wakeLocked()
	c.mu.Unlock()
}

// close asks the writer to send a close frame and end; safe from any
// goroutine, any number of times.
func (c *chatConn) close(code int, text string) {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.closeCode, c.closeText = code, text
		c.closing = true
		close(c.done)
		if c.pinger != nil {
			c.pinger.Stop()
		}
		c.wakeLocked()
	})
}

// write is the writer: it writes what is queued (and a ping when due)
// until nothing is left, then ends; once the connection is closing, it
// flushes, sends the close frame and closes the socket.
func (c *chatConn) write() {
	ended, failed := false, false
	defer func() {
		if e := recover(); e != nil {
			c.hub.log.Error("chat writer panic", "err", e, "stack", string(debug.Stack()))
			c.close(websocket.CloseInternalServerErr, "internal error")
		}
		if !ended {
			c.end(nil, websocket.CloseAbnormalClosure, "")
		}
	}()
	for {
		c.mu.Lock()
		out, ping, closing := c.out, c.ping, c.closing
		c.out, c.ping = nil, false
		if c.room != nil && len(out) > 0 {
			close(c.room)
			c.room = nil
		}
		if !closing && len(out) == 0 && !ping {
			c.writing = false
			c.mu.Unlock()
			ended = true // the next frame starts another writer
			return
		}
		code, text := c.closeCode, c.closeText
		c.mu.Unlock()
		if closing {
			ended = true
			if failed {
				code = websocket.CloseAbnormalClosure
			}
			c.end(out, code, text)
			return
		}
		for _, b := range out {
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				failed = true
				break
			}
		}
		if ping && !failed {
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			failed = c.ws.WriteMessage(websocket.PingMessage, nil) != nil
		}
		if failed {
			c.close(websocket.CloseAbnormalClosure, "")
		}
	}
}

// end is the last writer's end: it flushes out (acks, the last messages)
// within one writeWait, unless the client is dropped for being slow, and
// sends the close frame with code and text, unless the socket failed
// (CloseAbnormalClosure); then it closes the socket, which unblocks the
// reader.
func (c *chatConn) end(out [][]byte, code int, text string) {
	defer func() {
		_ = c.ws.Close()
		close(c.writerDone)
	}()
	if code == websocket.CloseAbnormalClosure {
		return
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(writeWait))
	if code != websocket.CloseTryAgainLater {
		for _, b := range out {
			if c.ws.WriteMessage(websocket.TextMessage, b) != nil {
				return
			}
		}
	}
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(writeWait))
}

// seqOf parses a non-negative seq from a query value.
func seqOf(v string) (int64, bool) {
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	return n, err == nil && n >= 0
}
