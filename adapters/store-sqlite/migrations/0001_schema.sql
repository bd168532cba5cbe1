-- booking-store-sqlite schema, version 1.
-- Instants are INTEGER microseconds since the Unix epoch (`*_us`), durations INTEGER seconds
-- (`*_s`), enums their stable codes, nested values JSON text. Every row of a tenant carries
-- business_id, and every query filters on it. Intervals are indexed on (resource, end): an
-- overlap query `end > window.start AND start < window.end` then scans only what ends after
-- the window starts — the bounded future — never the ever-growing past.

CREATE TABLE businesses (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    zone     TEXT NOT NULL,
    locale   TEXT NOT NULL,
    settings TEXT NOT NULL,
    email    TEXT,
    phone    TEXT,
    address  TEXT,
    -- Grows with every change to the business or its resources, agendas or services (see the
    -- triggers at the end): caches of the catalog compare it.
    revision INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE resources (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses (id),
    kind        TEXT NOT NULL CHECK (kind IN ('staff', 'desk')),
    name        TEXT NOT NULL,
    email       TEXT,
    zone        TEXT NOT NULL,
    hours       TEXT NOT NULL
);
CREATE INDEX resources_business ON resources (business_id);

CREATE TABLE exceptions (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses (id),
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    start_us    INTEGER NOT NULL,
    end_us      INTEGER NOT NULL CHECK (end_us > start_us),
    label       TEXT NOT NULL
);
CREATE INDEX exceptions_resource ON exceptions (resource_id, end_us);

-- Calendar-sync cache of busy times read from external calendars (§H).
CREATE TABLE external_busy (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses (id),
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    start_us    INTEGER NOT NULL,
    end_us      INTEGER NOT NULL CHECK (end_us > start_us)
);
CREATE INDEX external_busy_resource ON external_busy (resource_id, end_us);

CREATE TABLE services (
    id                      INTEGER PRIMARY KEY,
    business_id             INTEGER NOT NULL REFERENCES businesses (id),
    name                    TEXT NOT NULL,
    slug                    TEXT NOT NULL,
    duration_s              INTEGER NOT NULL,
    step_s                  INTEGER,
    buffer_before_s         INTEGER NOT NULL,
    buffer_after_s          INTEGER NOT NULL,
    price_minor             INTEGER NOT NULL,
    default_status          TEXT,
    min_before_booking_s    INTEGER,
    min_before_cancel_s     INTEGER,
    min_before_reschedule_s INTEGER,
    UNIQUE (business_id, slug)
);

CREATE TABLE agendas (
    id                 INTEGER PRIMARY KEY,
    business_id        INTEGER NOT NULL REFERENCES businesses (id),
    name               TEXT NOT NULL,
    slug               TEXT NOT NULL,
    hold_ttl_s         INTEGER,
    backoffice_booking INTEGER NOT NULL,
    UNIQUE (business_id, slug)
);

CREATE TABLE agenda_resources (
    agenda_id   INTEGER NOT NULL REFERENCES agendas (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    resource_id INTEGER NOT NULL REFERENCES resources (id),
    PRIMARY KEY (agenda_id, position)
);

CREATE TABLE agenda_services (
    agenda_id  INTEGER NOT NULL REFERENCES agendas (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    service_id INTEGER NOT NULL REFERENCES services (id),
    PRIMARY KEY (agenda_id, position)
);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses (id),
    kind        TEXT NOT NULL CHECK (kind IN ('event', 'course')),
    name        TEXT NOT NULL,
    location    TEXT,
    capacity    INTEGER NOT NULL CHECK (capacity >= 0),
    price_minor INTEGER NOT NULL
);

-- booked_seats is maintained in the booking transaction; the CHECK is the database's own
-- defence against overbooking a session.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    business_id  INTEGER NOT NULL REFERENCES businesses (id),
    event_id     INTEGER NOT NULL REFERENCES events (id),
    start_us     INTEGER NOT NULL,
    end_us       INTEGER NOT NULL CHECK (end_us > start_us),
    capacity     INTEGER NOT NULL CHECK (capacity >= 0),
    leader_id    INTEGER REFERENCES resources (id),
    booked_seats INTEGER NOT NULL DEFAULT 0 CHECK (booked_seats BETWEEN 0 AND capacity)
);
CREATE INDEX sessions_event ON sessions (event_id, start_us);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    verified_at_us INTEGER
);

CREATE TABLE customers (
    id               INTEGER PRIMARY KEY,
    business_id      INTEGER NOT NULL REFERENCES businesses (id),
    account_id       INTEGER REFERENCES accounts (id),
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    email            TEXT,
    phone            TEXT,
    notes            TEXT NOT NULL,
    fields           TEXT NOT NULL,
    anonymised_at_us INTEGER
);
CREATE INDEX customers_business ON customers (business_id);

CREATE TABLE bookings (
    id               INTEGER PRIMARY KEY,
    business_id      INTEGER NOT NULL REFERENCES businesses (id),
    kind             TEXT NOT NULL CHECK (kind IN ('appointment', 'session')),
    agenda_id        INTEGER REFERENCES agendas (id),
    service_id       INTEGER REFERENCES services (id),
    resource_id      INTEGER REFERENCES resources (id),
    slot_start_us    INTEGER,
    slot_end_us      INTEGER,
    busy_start_us    INTEGER,
    busy_end_us      INTEGER,
    session_id       INTEGER REFERENCES sessions (id),
    seats            INTEGER NOT NULL CHECK (seats > 0),
    customer_id      INTEGER REFERENCES customers (id),
    first_name       TEXT NOT NULL,
    last_name        TEXT NOT NULL,
    email            TEXT,
    phone            TEXT,
    answers          TEXT NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('pending', 'approved', 'canceled', 'rejected', 'no_show')),
    created_at_us    INTEGER NOT NULL,
    created_by_role  TEXT NOT NULL,
    created_by_user  INTEGER,
    rescheduled_from INTEGER REFERENCES bookings (id),
    CHECK ((kind = 'appointment') = (resource_id IS NOT NULL AND busy_start_us IS NOT NULL)),
    CHECK ((kind = 'session') = (session_id IS NOT NULL))
);
CREATE INDEX bookings_customer ON bookings (customer_id);
CREATE INDEX bookings_resource ON bookings (resource_id, busy_end_us);
CREATE INDEX bookings_session ON bookings (session_id);

CREATE TABLE booking_history (
    id          INTEGER PRIMARY KEY,
    booking_id  INTEGER NOT NULL REFERENCES bookings (id),
    at_us       INTEGER NOT NULL,
    actor_role  TEXT NOT NULL,
    actor_user  INTEGER,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    reason      TEXT
);
CREATE INDEX booking_history_booking ON booking_history (booking_id, id);

CREATE TABLE holds (
    id            INTEGER PRIMARY KEY,
    business_id   INTEGER NOT NULL REFERENCES businesses (id),
    lock_digest   TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('slot', 'session')),
    agenda_id     INTEGER,
    service_id    INTEGER,
    resource_id   INTEGER REFERENCES resources (id),
    slot_start_us INTEGER,
    slot_end_us   INTEGER,
    busy_start_us INTEGER,
    busy_end_us   INTEGER,
    session_id    INTEGER REFERENCES sessions (id),
    seats         INTEGER NOT NULL CHECK (seats > 0),
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL
);
CREATE INDEX holds_lock ON holds (business_id, lock_digest);
CREATE INDEX holds_resource ON holds (resource_id, busy_end_us);
CREATE INDEX holds_session ON holds (session_id);
CREATE INDEX holds_expiry ON holds (expires_at_us);

-- What occupies a resource: one row per occupying appointment and per slot hold, maintained by
-- the triggers below from bookings and holds (no code above has to remember it). The overlap
-- trigger is SQLite's counterpart of PostgreSQL's exclusion constraint: no two rows of one
-- resource overlap, whatever the code above does.
CREATE TABLE occupancy (
    resource_id INTEGER NOT NULL REFERENCES resources (id),
    start_us    INTEGER NOT NULL,
    end_us      INTEGER NOT NULL CHECK (end_us > start_us),
    booking_id  INTEGER UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
    hold_id     INTEGER UNIQUE REFERENCES holds (id) ON DELETE CASCADE,
    CHECK ((booking_id IS NULL) <> (hold_id IS NULL))
);
CREATE INDEX occupancy_resource ON occupancy (resource_id, end_us);

CREATE TRIGGER occupancy_no_overlap
BEFORE INSERT ON occupancy
WHEN EXISTS (
    SELECT 1 FROM occupancy o
    WHERE o.resource_id = NEW.resource_id AND o.end_us > NEW.start_us AND o.start_us < NEW.end_us
)
BEGIN
    SELECT RAISE(ABORT, 'occupancy_overlap');
END;

-- An occupying booking (pending, approved, no-show) occupies its resource's busy interval, or
-- its seats of a session; a booking that stops occupying frees them.
CREATE TRIGGER bookings_occupy
AFTER INSERT ON bookings
WHEN NEW.status IN ('pending', 'approved', 'no_show')
BEGIN
    INSERT INTO occupancy (resource_id, start_us, end_us, booking_id)
    SELECT NEW.resource_id, NEW.busy_start_us, NEW.busy_end_us, NEW.id
    WHERE NEW.kind = 'appointment';
    UPDATE sessions SET booked_seats = booked_seats + NEW.seats
    WHERE NEW.kind = 'session' AND id = NEW.session_id;
END;

CREATE TRIGGER bookings_release
AFTER UPDATE OF status ON bookings
WHEN OLD.status IN ('pending', 'approved', 'no_show')
    AND NEW.status NOT IN ('pending', 'approved', 'no_show')
BEGIN
    DELETE FROM occupancy WHERE booking_id = NEW.id;
    UPDATE sessions SET booked_seats = booked_seats - NEW.seats
    WHERE NEW.kind = 'session' AND id = NEW.session_id;
END;

CREATE TRIGGER bookings_reoccupy
AFTER UPDATE OF status ON bookings
WHEN OLD.status NOT IN ('pending', 'approved', 'no_show')
    AND NEW.status IN ('pending', 'approved', 'no_show')
BEGIN
    INSERT INTO occupancy (resource_id, start_us, end_us, booking_id)
    SELECT NEW.resource_id, NEW.busy_start_us, NEW.busy_end_us, NEW.id
    WHERE NEW.kind = 'appointment';
    UPDATE sessions SET booked_seats = booked_seats + NEW.seats
    WHERE NEW.kind = 'session' AND id = NEW.session_id;
END;

-- A slot hold occupies its busy interval until it is deleted (the row goes with it: cascade).
CREATE TRIGGER holds_occupy
AFTER INSERT ON holds
WHEN NEW.kind = 'slot'
BEGIN
    INSERT INTO occupancy (resource_id, start_us, end_us, hold_id)
    VALUES (NEW.resource_id, NEW.busy_start_us, NEW.busy_end_us, NEW.id);
END;

-- §B3: side effects, written in the booking transaction, claimed by workers under a lease.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
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
CREATE INDEX outbox_due ON outbox (state, run_at_us);
CREATE INDEX outbox_business ON outbox (business_id, id);

-- Append-only; never holds personal values.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    business_id INTEGER NOT NULL REFERENCES businesses (id),
    at_us       INTEGER NOT NULL,
    actor_role  TEXT NOT NULL,
    actor_user  INTEGER,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL
);
CREATE INDEX audit_log_business ON audit_log (business_id, id);

CREATE TABLE idempotency_keys (
    business_id   INTEGER NOT NULL REFERENCES businesses (id),
    key           TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    status        INTEGER NOT NULL,
    subject       TEXT NOT NULL,
    created_at_us INTEGER NOT NULL,
    PRIMARY KEY (business_id, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at_us);

-- A change to a resource, agenda or service is a change to its business's catalog.

CREATE TRIGGER resources_insert_revision AFTER INSERT ON resources
BEGIN
    UPDATE businesses SET revision = revision + 1 WHERE id = NEW.business_id;
END;

CREATE TRIGGER resources_update_revision AFTER UPDATE ON resources
BEGIN
    UPDATE businesses SET revision = revision + 1 WHERE id = NEW.business_id;
END;

CREATE TRIGGER agendas_insert_revision AFTER INSERT ON agendas
BEGIN
    UPDATE businesses SET revision = revision + 1 WHERE id = NEW.business_id;
END;

CREATE TRIGGER agendas_update_revision AFTER UPDATE ON agendas
BEGIN
    UPDATE businesses SET revision = revision + 1 WHERE id = NEW.business_id;
END;

CREATE TRIGGER services_insert_revision AFTER INSERT ON services
BEGIN
    UPDATE businesses SET revision = revision + 1 WHERE id = NEW.business_id;
END;

CREATE TRIGGER services_update_revision AFTER UPDATE ON services
BEGIN
    UPDATE businesses SET revision = revision + 1 WHERE id = NEW.business_id;
END;

-- A booking's first history line: who created it, when, with which status.
CREATE TRIGGER bookings_history
AFTER INSERT ON bookings
BEGIN
    INSERT INTO booking_history (booking_id, at_us, actor_role, actor_user, to_status)
    VALUES (NEW.id, NEW.created_at_us, NEW.created_by_role, NEW.created_by_user, NEW.status);
END;
