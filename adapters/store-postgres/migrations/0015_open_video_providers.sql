-- Meeting services are an open set (issue 17): a video account is a custom link, the
-- employees' calendars, or an app at a meeting service named by the id its adapter gives it
-- (`zoom`); the tables check that id's shape, never a list of services. The Zoom-named columns
-- become the app's.
ALTER TABLE video_accounts DROP CONSTRAINT video_accounts_kind_check;
ALTER TABLE video_accounts ADD COLUMN provider TEXT;
UPDATE video_accounts SET kind = 'meetings', provider = 'zoom' WHERE kind = 'zoom';
ALTER TABLE video_accounts
    ADD CONSTRAINT video_accounts_kind_check CHECK (kind IN ('meetings', 'custom', 'calendar')),
    ADD CONSTRAINT video_accounts_provider_check
        CHECK (provider ~ '^[a-z0-9-]{1,24}$' AND (kind = 'meetings') = (provider IS NOT NULL));
ALTER TABLE video_accounts RENAME COLUMN zoom_account_id TO app_account_id;
ALTER TABLE video_accounts RENAME COLUMN zoom_client_id TO app_client_id;
ALTER TABLE video_accounts RENAME COLUMN zoom_sealed_secret TO app_sealed_secret;
ALTER TABLE video_accounts RENAME COLUMN zoom_user TO app_user;

ALTER TABLE video_meetings ADD COLUMN provider TEXT NOT NULL DEFAULT 'zoom'
    CONSTRAINT video_meetings_provider_check CHECK (provider ~ '^[a-z0-9-]{1,24}$');
ALTER TABLE video_meetings ALTER COLUMN provider DROP DEFAULT;
ALTER TABLE video_meetings RENAME COLUMN zoom_account_id TO app_account_id;
ALTER TABLE video_meetings RENAME COLUMN zoom_client_id TO app_client_id;
ALTER TABLE video_meetings RENAME COLUMN zoom_sealed_secret TO app_sealed_secret;
ALTER TABLE video_meetings RENAME COLUMN zoom_user TO app_user;
