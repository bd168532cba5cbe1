-- §D1–§D4 Customer accounts: a password per account, and the tokens (verification, reset,
-- magic links, panel sessions, cancel links), stored as digests only.
ALTER TABLE accounts ADD COLUMN password_hash TEXT;

CREATE TABLE auth_tokens (
    digest        TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'magic', 'session', 'cancel')),
    account_id    BIGINT REFERENCES accounts (id),
    business_id   BIGINT REFERENCES businesses (id),
    customer_id   BIGINT REFERENCES customers (id),
    booking_id    BIGINT REFERENCES bookings (id),
    created_at_us BIGINT NOT NULL,
    expires_at_us BIGINT NOT NULL
);
CREATE INDEX auth_tokens_account ON auth_tokens (account_id);
CREATE INDEX auth_tokens_customer ON auth_tokens (business_id, customer_id);
CREATE INDEX auth_tokens_expiry ON auth_tokens (expires_at_us);

CREATE INDEX customers_account ON customers (account_id);
CREATE INDEX customers_email ON customers (lower(email));
