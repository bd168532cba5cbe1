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
    PRIMARY KEY (business_id, occasion_key)
);
