-- §F Staff sessions on the back-office pages: a panel-session row naming the API key the staff
-- member signed in with (revoking the key ends the session).
ALTER TABLE auth_tokens ADD COLUMN api_key_id BIGINT REFERENCES api_keys (id);
