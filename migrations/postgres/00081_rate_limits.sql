-- +goose Up
-- The limiter buckets (issue 26.5) shared by every instance: one token
-- bucket per key (a namespace and a hash: "login-ip:…", "login-acct:…",
-- "link-ip:…", "chat-conv:…"). tokens is what the bucket held at at_us;
-- full_us is when it will be full again, after which the row means no more
-- than no row and is deleted (rate_limits_full). Times are microseconds
-- since 1970 so that one statement can refill a bucket in both dialects.
-- granted is whether the last take succeeded (returned by the statement).
CREATE TABLE rate_limits (
    limit_key TEXT PRIMARY KEY,
    tokens    DOUBLE PRECISION NOT NULL,
    at_us     BIGINT NOT NULL,
    full_us   BIGINT NOT NULL,
    granted   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rate_limits_full ON rate_limits (full_us);

-- +goose Down
DROP TABLE rate_limits;
