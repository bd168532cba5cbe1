-- §E3 Email templates a business wrote in place of the shipped ones (checked when saved).
CREATE TABLE email_templates (
    business_id  INTEGER NOT NULL REFERENCES businesses (id),
    trigger_code TEXT NOT NULL,
    locale       TEXT NOT NULL CHECK (locale IN ('fr', 'en')),
    subject      TEXT NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (business_id, trigger_code, locale)
);
