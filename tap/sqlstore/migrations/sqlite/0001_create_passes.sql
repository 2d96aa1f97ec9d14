-- Temporary Access Passes, one row per pass and at most one per user.
-- Times are Unix microseconds (UTC): SQLite has no timestamp type, and the
-- same integer representation in PostgreSQL keeps every query identical.
-- hash is HMAC-SHA-256 of the code; the code itself is never stored.
CREATE TABLE tap_passes (
    id               TEXT    NOT NULL PRIMARY KEY,
    user_id          TEXT    NOT NULL UNIQUE,
    hash             BLOB    NOT NULL,
    created_at       BIGINT  NOT NULL,
    created_by       TEXT    NOT NULL,
    start_at         BIGINT  NOT NULL,
    expires_at       BIGINT  NOT NULL,
    lifetime_minutes INTEGER NOT NULL,
    usable_once      INTEGER NOT NULL CHECK (usable_once IN (0, 1)),
    use_count        INTEGER NOT NULL DEFAULT 0,
    last_used_at     BIGINT,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    locked_at        BIGINT,
    revoked_at       BIGINT
);

-- PurgeExpired deletes by expiry.
CREATE INDEX tap_passes_expires_at ON tap_passes (expires_at);
