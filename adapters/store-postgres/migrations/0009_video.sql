-- §J Video conferencing. Zoom client secrets are stored sealed by the server.

-- §J1, §J2 The business's default account (owner 0) and staff members' own (owner = resource).
CREATE TABLE video_accounts (
    business_id       BIGINT NOT NULL REFERENCES businesses (id),
    owner             BIGINT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('zoom', 'custom', 'calendar')),
    zoom_account_id   TEXT,
    zoom_client_id    TEXT,
    zoom_sealed_secret TEXT,
    zoom_user         TEXT,
    url               TEXT,
    password          TEXT,
    description       TEXT,
    PRIMARY KEY (business_id, owner)
);

-- §J4 A course's own custom link.
CREATE TABLE course_links (
    business_id BIGINT NOT NULL REFERENCES businesses (id),
    event_id    BIGINT NOT NULL REFERENCES events (id),
    url         TEXT NOT NULL,
    password    TEXT,
    description TEXT,
    PRIMARY KEY (business_id, event_id)
);

-- §J1 The meeting made for an appointment or a session (one per occasion).
CREATE TABLE video_meetings (
    business_id  BIGINT NOT NULL REFERENCES businesses (id),
    occasion_key TEXT NOT NULL,
    account      TEXT NOT NULL,
    meeting_id   TEXT NOT NULL,
    join_url     TEXT NOT NULL,
    start_url    TEXT,
    password     TEXT,
    -- The app it was made on (secret sealed), so it can be moved or deleted after that account
    -- is replaced or disconnected, and the times Zoom was last given.
    zoom_account_id    TEXT NOT NULL,
    zoom_client_id     TEXT NOT NULL,
    zoom_sealed_secret TEXT NOT NULL,
    zoom_user          TEXT NOT NULL,
    start_us     BIGINT NOT NULL,
    end_us       BIGINT NOT NULL,
    -- When written; a row without a meeting id is a claim: a job is making the meeting.
    made_at_us   BIGINT NOT NULL,
    PRIMARY KEY (business_id, occasion_key)
);

-- §J2 Staff turned an occasion (`booking-<id>`, `session-<id>`) online or in person, against its
-- service's or event's default.
CREATE TABLE video_occasions (
    business_id  BIGINT NOT NULL REFERENCES businesses (id),
    occasion_key TEXT NOT NULL,
    online       BOOLEAN NOT NULL,
    PRIMARY KEY (business_id, occasion_key)
);

-- §J1 Held online by default.
ALTER TABLE services ADD COLUMN online BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE events ADD COLUMN online BOOLEAN NOT NULL DEFAULT FALSE;

-- True while the business has a Zoom account: booking changes write `video` outbox jobs only
-- then (maintained with the accounts).
ALTER TABLE businesses ADD COLUMN video_meetings BOOLEAN NOT NULL DEFAULT FALSE;
