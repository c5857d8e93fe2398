package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChatChannel is the PostgreSQL NOTIFY channel of the live chat.
const ChatChannel = "relais_chat"

// ChatBus tells every instance on the same PostgreSQL database about new
// chat messages with LISTEN/NOTIFY. The payload only names a conversation
// and a seq: receivers read the messages from the database. Listening
// holds one dedicated pgx connection (not from the pool), reopened with
// backoff when it drops.
type ChatBus struct {
	db *DB
}

// ChatBus returns the bus of a PostgreSQL database, nil on SQLite (one
// instance delivers in-process).
func (db *DB) ChatBus() *ChatBus {
	if db.Dialect != Postgres {
		return nil
	}
	return &ChatBus{db: db}
}

// Publish sends payload on the channel (pg_notify, after the message's
// transaction committed).
func (b *ChatBus) Publish(ctx context.Context, payload string) error {
	_, err := b.db.sql.ExecContext(ctx, "SELECT pg_notify($1, $2)", ChatChannel, payload)
	return err
}

// Listen calls fn for each notification until ctx ends. Each time the
// listening connection is (re)established fn is first called with "": the
// notifications sent while it was down are lost, so the caller catches up
// from the database and asks the other instances for their state.
func (b *ChatBus) Listen(ctx context.Context, fn func(payload string)) {
	const minBackoff = 100 * time.Millisecond
	backoff := minBackoff
	for ctx.Err() == nil {
		listened, err := b.listenOnce(ctx, fn)
		if ctx.Err() != nil {
			return
		}
		if listened { // it worked for a while: the next outage starts afresh
			backoff = minBackoff
		}
		b.db.log.Warn("chat bus: listening connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff < 10*time.Second {
			backoff *= 2
		}
	}
}

// listenOnce listens on one connection until it fails; listened tells
// whether LISTEN had succeeded.
func (b *ChatBus) listenOnce(ctx context.Context, fn func(string)) (listened bool, err error) {
	conn, err := pgx.Connect(ctx, b.db.URL)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ChatChannel); err != nil {
		return false, err
	}
	fn("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		fn(n.Payload)
	}
}
