-- Calendar providers are an open set (issue 17): a provider is an adapter with an id of its
-- own, so the tables no longer list them; they check the id's shape only.
ALTER TABLE calendar_integrations DROP CONSTRAINT calendar_integrations_provider_check,
    ADD CONSTRAINT calendar_integrations_provider_check CHECK (provider ~ '^[a-z0-9-]{1,24}$');
ALTER TABLE calendar_connections DROP CONSTRAINT calendar_connections_provider_check,
    ADD CONSTRAINT calendar_connections_provider_check CHECK (provider ~ '^[a-z0-9-]{1,24}$');
ALTER TABLE calendar_events DROP CONSTRAINT calendar_events_provider_check,
    ADD CONSTRAINT calendar_events_provider_check CHECK (provider ~ '^[a-z0-9-]{1,24}$');
