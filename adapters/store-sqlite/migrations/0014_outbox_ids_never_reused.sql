-- Done jobs are now deleted after a retention period (issue 25). A webhook delivery is
-- recognised by its job's id, so an id must never be given again: without AUTOINCREMENT, SQLite
-- reuses the largest ids once their rows are gone. The table is rebuilt with the same columns,
-- rows and indexes; `sqlite_sequence` starts at the largest id kept.
CREATE TABLE outbox_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    business_id    INTEGER NOT NULL REFERENCES businesses (id),
    effect         TEXT NOT NULL,
    event          TEXT NOT NULL,
    booking_id     INTEGER NOT NULL REFERENCES bookings (id),
    state          TEXT NOT NULL CHECK (state IN ('pending', 'claimed', 'done', 'parked')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    run_at_us      INTEGER NOT NULL,
    lease_until_us INTEGER,
    last_error     TEXT,
    created_at_us  INTEGER NOT NULL
);
INSERT INTO outbox_new (id, business_id, effect, event, booking_id, state, attempts, run_at_us,
    lease_until_us, last_error, created_at_us)
    SELECT id, business_id, effect, event, booking_id, state, attempts, run_at_us,
    lease_until_us, last_error, created_at_us FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, run_at_us);
CREATE INDEX outbox_business ON outbox (business_id, id);
CREATE INDEX outbox_effect_due ON outbox (effect, state, run_at_us);
