-- §C4 API keys: only the SHA-256 digest of a key is stored.
CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY,
    business_id   INTEGER NOT NULL REFERENCES businesses (id),
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'staff', 'customer')),
    subject       INTEGER,
    prefix        TEXT NOT NULL,
    digest        TEXT NOT NULL UNIQUE,
    created_at_us INTEGER NOT NULL,
    revoked_at_us INTEGER
);
CREATE INDEX api_keys_business ON api_keys (business_id, id);

-- Bookings of a business over a window (staff lists, iCalendar feeds).
CREATE INDEX bookings_business_slot ON bookings (business_id, slot_start_us);
