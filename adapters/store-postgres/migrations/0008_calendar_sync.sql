-- §H Calendar sync. Secrets (the client secret, the OAuth tokens) are stored sealed by the
-- server (an authenticated cipher keyed from its secret): this database alone opens none.

-- §H1 A business's OAuth application at Google or Microsoft.
CREATE TABLE calendar_integrations (
    business_id   BIGINT NOT NULL REFERENCES businesses (id),
    provider      TEXT NOT NULL CHECK (provider IN ('google', 'outlook')),
    client_id     TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    PRIMARY KEY (business_id, provider)
);

-- §H1 An employee's connected calendar (one per employee).
CREATE TABLE calendar_connections (
    business_id     BIGINT NOT NULL REFERENCES businesses (id),
    resource_id     BIGINT NOT NULL REFERENCES resources (id),
    provider        TEXT NOT NULL CHECK (provider IN ('google', 'outlook')),
    account         TEXT NOT NULL,
    sealed_access   TEXT NOT NULL,
    sealed_refresh  TEXT NOT NULL,
    expires_at_us   BIGINT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('connected', 'broken')),
    last_sync_us    BIGINT,
    last_error      TEXT,
    connected_at_us BIGINT NOT NULL,
    PRIMARY KEY (business_id, resource_id)
);

-- §H2 Which external event stands for a booking or a session: a retry updates it.
CREATE TABLE calendar_events (
    business_id BIGINT NOT NULL REFERENCES businesses (id),
    event_key   TEXT NOT NULL,
    resource_id BIGINT NOT NULL REFERENCES resources (id),
    provider    TEXT NOT NULL CHECK (provider IN ('google', 'outlook')),
    external_id TEXT NOT NULL,
    meeting_url TEXT,
    PRIMARY KEY (business_id, event_key)
);

-- Some employee of the business has a calendar connected: booking changes write `calendar`
-- outbox jobs only then (maintained with the connections).
ALTER TABLE businesses ADD COLUMN calendar_sync BOOLEAN NOT NULL DEFAULT FALSE;
