-- Meeting services are an open set (issue 17): a video account is a custom link, the
-- employees' calendars, or an app at a meeting service named by the id its adapter gives it
-- (`zoom`); the tables check that id's shape, never a list of services. The Zoom-named columns
-- become the app's. SQLite cannot change a CHECK: both tables are rebuilt with their rows.

CREATE TABLE video_accounts_new (
    business_id       INTEGER NOT NULL REFERENCES businesses (id),
    owner             INTEGER NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('meetings', 'custom', 'calendar')),
    provider          TEXT CHECK (provider NOT GLOB '*[^a-z0-9-]*' AND length(provider) BETWEEN 1 AND 24
                                  AND (kind = 'meetings') = (provider IS NOT NULL)),
    app_account_id    TEXT,
    app_client_id     TEXT,
    app_sealed_secret TEXT,
    app_user          TEXT,
    url               TEXT,
    password          TEXT,
    description       TEXT,
    PRIMARY KEY (business_id, owner)
);
INSERT INTO video_accounts_new SELECT business_id, owner,
    CASE kind WHEN 'zoom' THEN 'meetings' ELSE kind END,
    CASE kind WHEN 'zoom' THEN 'zoom' END,
    zoom_account_id, zoom_client_id, zoom_sealed_secret, zoom_user, url, password, description
    FROM video_accounts;
DROP TABLE video_accounts;
ALTER TABLE video_accounts_new RENAME TO video_accounts;

CREATE TABLE video_meetings_new (
    business_id       INTEGER NOT NULL REFERENCES businesses (id),
    occasion_key      TEXT NOT NULL,
    provider          TEXT NOT NULL CHECK (provider NOT GLOB '*[^a-z0-9-]*' AND length(provider) BETWEEN 1 AND 24),
    account           TEXT NOT NULL,
    meeting_id        TEXT NOT NULL,
    join_url          TEXT NOT NULL,
    start_url         TEXT,
    password          TEXT,
    app_account_id    TEXT NOT NULL,
    app_client_id     TEXT NOT NULL,
    app_sealed_secret TEXT NOT NULL,
    app_user          TEXT NOT NULL,
    start_us          INTEGER NOT NULL,
    end_us            INTEGER NOT NULL,
    made_at_us        INTEGER NOT NULL,
    PRIMARY KEY (business_id, occasion_key)
);
INSERT INTO video_meetings_new SELECT business_id, occasion_key, 'zoom', account, meeting_id,
    join_url, start_url, password, zoom_account_id, zoom_client_id, zoom_sealed_secret, zoom_user,
    start_us, end_us, made_at_us FROM video_meetings;
DROP TABLE video_meetings;
ALTER TABLE video_meetings_new RENAME TO video_meetings;
