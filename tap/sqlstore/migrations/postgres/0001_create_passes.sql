-- Temporary Access Passes, one row per pass and at most one per user.
-- Times are Unix microseconds (UTC), the resolution of timestamptz, stored
-- as BIGINT so the queries are the same as on SQLite.
-- hash is HMAC-SHA-256 of the code; the code itself is never stored.
CREATE TABLE tap_passes (
    id               TEXT     NOT NULL PRIMARY KEY,
    user_id          TEXT     NOT NULL UNIQUE,
    hash             BYTEA    NOT NULL,
    created_at       BIGINT   NOT NULL,
    created_by       TEXT     NOT NULL,
    start_at         BIGINT   NOT NULL,
    expires_at       BIGINT   NOT NULL,
    lifetime_minutes INTEGER  NOT NULL,
    usable_once      SMALLINT NOT NULL CHECK (usable_once IN (0, 1)),
    use_count        INTEGER  NOT NULL DEFAULT 0,
    last_used_at     BIGINT,
    failed_attempts  INTEGER  NOT NULL DEFAULT 0,
    locked_at        BIGINT,
    revoked_at       BIGINT
);

-- PurgeExpired deletes by expiry.
CREATE INDEX tap_passes_expires_at ON tap_passes (expires_at);
