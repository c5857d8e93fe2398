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

// Listen calls fn for each notification until ctx ends. After a reconnect
// notifications sent meanwhile are lost; fn is then called with "" so the
// caller can catch up from the database.
func (b *ChatBus) Listen(ctx context.Context, fn func(payload string)) {
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, fn, &first)
		if ctx.Err() != nil {
			return
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

func (b *ChatBus) listenOnce(ctx context.Context, fn func(string), first *bool) error {
	conn, err := pgx.Connect(ctx, b.db.URL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+ChatChannel); err != nil {
		return err
	}
	if !*first {
		fn("") // reconnected: catch up
	}
	*first = false
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Payload)
	}
}
