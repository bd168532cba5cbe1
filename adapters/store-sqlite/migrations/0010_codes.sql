-- §I Codes: packages, gift certificates, subscriptions. A code is never stored: only its keyed
-- digest (HMAC-SHA-256 under the server's key), so this table alone redeems nothing, and its
-- last four symbols, for staff to find a code a customer reads out.
CREATE TABLE codes (
    id              INTEGER PRIMARY KEY,
    business_id     INTEGER NOT NULL REFERENCES businesses (id),
    digest          TEXT NOT NULL,
    tail            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('package', 'gift', 'subscription')),
    -- Sessions (package, subscription per period) or minor units (gift).
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    period          TEXT CHECK (period IN ('week', 'month')),
    services        TEXT NOT NULL,
    customer_id     INTEGER REFERENCES customers (id),
    note            TEXT NOT NULL,
    issued_at_us    INTEGER NOT NULL,
    expires_at_us   INTEGER,
    revoked_at_us   INTEGER,
    -- Staff adjustments to the balance (sessions or minor units).
    adjustment      INTEGER NOT NULL DEFAULT 0,
    UNIQUE (business_id, digest),
    CHECK ((kind = 'subscription') = (period IS NOT NULL))
);
CREATE INDEX codes_tail ON codes (business_id, tail);
CREATE INDEX codes_customer ON codes (customer_id);

-- Each use of a code by a booking; a refund marks it, never deletes it.
CREATE TABLE code_uses (
    id             INTEGER PRIMARY KEY,
    code_id        INTEGER NOT NULL REFERENCES codes (id),
    booking_id     INTEGER REFERENCES bookings (id),
    amount         INTEGER NOT NULL CHECK (amount >= 0),
    starts_at_us   INTEGER NOT NULL,
    used_at_us     INTEGER NOT NULL,
    refunded_at_us INTEGER
);
CREATE INDEX code_uses_code ON code_uses (code_id, id);
CREATE INDEX code_uses_booking ON code_uses (booking_id);
