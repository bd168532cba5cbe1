-- §C9 Webhook endpoints and their delivery log. The secret signs deliveries, so it is kept as
-- is (like a payment provider's signing secret); it is shown to its owner only when created.
CREATE TABLE webhooks (
    id            INTEGER PRIMARY KEY,
    business_id   INTEGER NOT NULL REFERENCES businesses (id),
    url           TEXT NOT NULL,
    secret        TEXT NOT NULL,
    events        TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
);
CREATE INDEX webhooks_business ON webhooks (business_id, id);

-- One line per attempt; kept when its endpoint is removed.
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses (id),
    endpoint_id INTEGER NOT NULL,
    job_id      INTEGER NOT NULL,
    booking_id  INTEGER NOT NULL,
    event       TEXT NOT NULL,
    at_us       INTEGER NOT NULL,
    status      INTEGER,
    ok          BOOLEAN NOT NULL,
    error       TEXT
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (business_id, endpoint_id, id);
CREATE INDEX webhook_deliveries_job ON webhook_deliveries (job_id, endpoint_id);

-- A worker claims the jobs of its effect.
CREATE INDEX outbox_effect_due ON outbox (effect, state, run_at_us);
