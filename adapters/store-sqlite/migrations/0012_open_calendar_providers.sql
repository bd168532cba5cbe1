-- Calendar providers are an open set (issue 17): a provider is an adapter with an id of its
-- own, so the tables no longer list them; they check the id's shape only. SQLite cannot drop a
-- CHECK: each table is rebuilt with the same columns and rows.

CREATE TABLE calendar_integrations_new (
    business_id   INTEGER NOT NULL REFERENCES businesses (id),
    provider      TEXT NOT NULL CHECK (provider NOT GLOB '*[^a-z0-9-]*' AND length(provider) BETWEEN 1 AND 24),
    client_id     TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    PRIMARY KEY (business_id, provider)
);
INSERT INTO calendar_integrations_new SELECT business_id, provider, client_id, sealed_secret,
    redirect_uri FROM calendar_integrations;
DROP TABLE calendar_integrations;
ALTER TABLE calendar_integrations_new RENAME TO calendar_integrations;

CREATE TABLE calendar_connections_new (
    business_id     INTEGER NOT NULL REFERENCES businesses (id),
    resource_id     INTEGER NOT NULL REFERENCES resources (id),
    provider        TEXT NOT NULL CHECK (provider NOT GLOB '*[^a-z0-9-]*' AND length(provider) BETWEEN 1 AND 24),
    account         TEXT NOT NULL,
    sealed_access   TEXT NOT NULL,
    sealed_refresh  TEXT NOT NULL,
    expires_at_us   INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('connected', 'broken')),
    last_sync_us    INTEGER,
    last_error      TEXT,
    connected_at_us INTEGER NOT NULL,
    PRIMARY KEY (business_id, resource_id)
);
INSERT INTO calendar_connections_new SELECT business_id, resource_id, provider, account,
    sealed_access, sealed_refresh, expires_at_us, state, last_sync_us, last_error,
    connected_at_us FROM calendar_connections;
DROP TABLE calendar_connections;
ALTER TABLE calendar_connections_new RENAME TO calendar_connections;

CREATE TABLE calendar_events_new (
    business_id INTEGER NOT NULL REFERENCES businesses (id),
    event_key   TEXT NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES resources (id),
    provider    TEXT NOT NULL CHECK (provider NOT GLOB '*[^a-z0-9-]*' AND length(provider) BETWEEN 1 AND 24),
    external_id TEXT NOT NULL,
    meeting_url TEXT,
    PRIMARY KEY (business_id, event_key)
);
INSERT INTO calendar_events_new SELECT business_id, event_key, resource_id, provider,
    external_id, meeting_url FROM calendar_events;
DROP TABLE calendar_events;
ALTER TABLE calendar_events_new RENAME TO calendar_events;
