//! The account service (§D): sign-up, e-mail verification, log-in, password resets, magic
//! links, panel and staff sessions, cancel links and attaching guest records, over the storage
//! port.

use std::fmt;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use crate::accounts::{
    AccountError, AuthToken, LoggedIn, PASSWORD_MAX_BYTES, PanelSession, RESET_TTL, ResetRequested,
    SESSION_TTL, STAFF_SESSION_TTL, SignUp, SignedUp, TOKEN_BYTES, TokenDigest, TokenOwner,
    TokenPurpose, VERIFY_TTL, check_password, username,
};
use crate::catalog::{Account, Contact, Customer, Email};
use crate::ids::{AccountId, BookingId, BusinessId, CustomerId};
use crate::ports::clock::Clock;
use crate::ports::passwords::PasswordHasher;
use crate::ports::store::{Store, StoreError};
use crate::ports::tokens::Secret;
use crate::ports::tokens::TokenSource;

/// The account use cases over the ports.
#[derive(Clone)]
pub struct Accounts {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    tokens: Arc<dyn TokenSource>,
    hasher: Arc<dyn PasswordHasher>,
}

impl fmt::Debug for Accounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Accounts")
    }
}

impl Accounts {
    /// The use cases over the ports.
    #[must_use]
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        tokens: Arc<dyn TokenSource>,
        hasher: Arc<dyn PasswordHasher>,
    ) -> Self {
        Self { store, clock, tokens, hasher }
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Draws a token and stores its digest.
    async fn issue(&self, draft: AuthToken) -> Result<Secret, StoreError> {
        let secret = self.tokens.token(TOKEN_BYTES);
        let token = AuthToken { digest: TokenDigest::of(draft.purpose, secret.expose()), ..draft };
        self.store.insert_token(&token).await?;
        Ok(secret)
    }

    fn draft(&self, purpose: TokenPurpose, ttl: SignedDuration) -> AuthToken {
        let now = self.now();
        AuthToken {
            digest: TokenDigest([0; 32]),
            purpose,
            account: None,
            business: None,
            customer: None,
            booking: None,
            api_key: None,
            created_at: now,
            expires_at: now.saturating_add(ttl).unwrap_or(Timestamp::MAX),
        }
    }

    async fn business_settings(
        &self,
        business: BusinessId,
    ) -> Result<crate::settings::Settings, AccountError> {
        let b = self.store.business(business).await?.ok_or(AccountError::UnknownBusiness)?;
        Ok(b.settings)
    }

    /// §D1: signs up through `business`. A new email gets an account, a customer record in the
    /// business and a verification token; a known email changes nothing.
    pub async fn sign_up(
        &self,
        business: BusinessId,
        form: SignUp,
    ) -> Result<SignedUp, AccountError> {
        if !self.business_settings(business).await?.panel_enabled {
            return Err(AccountError::NotOffered);
        }
        let email = username(&form.email)?;
        check_password(&form.password)?;
        if !form.accepted_terms {
            return Err(AccountError::TermsNotAccepted);
        }
        if let Some(account) = self.store.account_by_email(&email).await? {
            return Ok(SignedUp::AlreadyExists { account });
        }
        let hash = self.hasher.hash(&form.password).map_err(|_| AccountError::Hash)?;
        let account = match self.store.create_account(email.clone()).await {
            Ok(a) => a,
            // A concurrent sign-up with the same email won: same answer as a known email.
            Err(StoreError::Duplicate(_)) => {
                let account = self
                    .store
                    .account_by_email(&email)
                    .await?
                    .ok_or(StoreError::Unavailable("account vanished".into()))?;
                return Ok(SignedUp::AlreadyExists { account });
            }
            Err(e) => return Err(e.into()),
        };
        self.store.set_password_hash(account.id, &hash).await?;
        self.store
            .create_customer(Customer {
                id: CustomerId::new(0),
                business,
                account: Some(account.id),
                contact: Contact {
                    first_name: form.first_name.trim().to_owned(),
                    last_name: form.last_name.trim().to_owned(),
                    email: Some(email),
                    phone: form.phone.filter(|p| !p.trim().is_empty()),
                },
                notes: String::new(),
                fields: Vec::new(),
                anonymised_at: None,
            })
            .await?;
        let token = self.verification_token(account.id).await?;
        Ok(SignedUp::Created { account, token })
    }

    /// A fresh verification token for an account (sign-up, or a log-in before verifying).
    pub async fn verification_token(&self, account: AccountId) -> Result<Secret, AccountError> {
        let draft =
            AuthToken { account: Some(account), ..self.draft(TokenPurpose::Verify, VERIFY_TTL) };
        Ok(self.issue(draft).await?)
    }

    /// A fresh verification token for the account with this email, and the address to send it
    /// to (`None`: no such account). Only for a caller who proved the password: it tells
    /// whether an account exists.
    pub async fn verification_for_email(
        &self,
        email: &str,
    ) -> Result<Option<(Email, Secret)>, AccountError> {
        let Ok(email) = username(email) else { return Ok(None) };
        let Some(account) = self.store.account_by_email(&email).await? else { return Ok(None) };
        let token = self.verification_token(account.id).await?;
        Ok(Some((account.email, token)))
    }

    /// Whether a verification token is live (the page shows its button, or says it is dead).
    pub async fn verification_is_live(&self, token: &Secret) -> Result<bool, StoreError> {
        let digest = TokenDigest::of(TokenPurpose::Verify, token.expose());
        Ok(self.store.token(&digest, self.now()).await?.is_some())
    }

    /// §D1/§D4: proves the account's email with a verification token (single use) and attaches
    /// the guest records with that email, in every business. Returns the account and how many
    /// records were attached.
    pub async fn verify_email(&self, token: &Secret) -> Result<(Account, usize), AccountError> {
        let account = self.take_account_token(TokenPurpose::Verify, token).await?;
        self.proven(account).await
    }

    async fn take_account_token(
        &self,
        purpose: TokenPurpose,
        token: &Secret,
    ) -> Result<Account, AccountError> {
        let digest = TokenDigest::of(purpose, token.expose());
        let found = self.store.take_token(&digest, self.now()).await?;
        let id = found
            .filter(|t| t.purpose == purpose)
            .and_then(|t| t.account)
            .ok_or(AccountError::InvalidToken)?;
        self.store.account(id).await?.ok_or(AccountError::InvalidToken)
    }

    async fn proven(&self, account: Account) -> Result<(Account, usize), AccountError> {
        let now = self.now();
        self.store.verify_account(account.id, now).await?;
        let attached = self.store.attach_guests(account.id, &account.email, None).await?;
        let account = self.store.account(account.id).await?.unwrap_or(account);
        Ok((account, attached))
    }

    /// §D1: logs in through `business` with an email and a password. The account's record in
    /// the business is created on its first log-in there, and the business's guest records with
    /// the account's (proven) email are attached to it.
    pub async fn log_in(
        &self,
        business: BusinessId,
        email: &str,
        password: &Secret,
    ) -> Result<LoggedIn, AccountError> {
        let settings = self.business_settings(business).await?;
        if !settings.panel_enabled {
            return Err(AccountError::NotOffered);
        }
        let account = match username(email) {
            Ok(email) => self.store.account_by_email(&email).await?,
            Err(_) => None,
        };
        let hash = match &account {
            Some(a) => self.store.password_hash(a.id).await?,
            None => None,
        };
        let Some((account, hash)) = account.zip(hash) else {
            // Same work as a real check, so timing does not tell which emails have accounts.
            let _ = self.hasher.hash(password);
            return Err(AccountError::InvalidCredentials);
        };
        if password.expose().len() > PASSWORD_MAX_BYTES || !self.hasher.verify(password, &hash) {
            return Err(AccountError::InvalidCredentials);
        }
        if account.verified_at.is_none() {
            return Err(AccountError::NotVerified);
        }
        self.store.attach_guests(account.id, &account.email, Some(business)).await?;
        let customer = self.record_of(business, &account).await?;
        self.open_session(business, customer.id, Some(account.id)).await
    }

    /// The account's customer record in `business`, created when missing.
    async fn record_of(
        &self,
        business: BusinessId,
        account: &Account,
    ) -> Result<Customer, StoreError> {
        if let Some(c) = self.store.customer_of_account(business, account.id).await? {
            return Ok(c);
        }
        self.store
            .create_customer(Customer {
                id: CustomerId::new(0),
                business,
                account: Some(account.id),
                contact: Contact { email: Some(account.email.clone()), ..Contact::default() },
                notes: String::new(),
                fields: Vec::new(),
                anonymised_at: None,
            })
            .await
    }

    async fn open_session(
        &self,
        business: BusinessId,
        customer: CustomerId,
        account: Option<AccountId>,
    ) -> Result<LoggedIn, AccountError> {
        let draft = AuthToken {
            account,
            business: Some(business),
            customer: Some(customer),
            ..self.draft(TokenPurpose::Session, SESSION_TTL)
        };
        let expires_at = draft.expires_at;
        let token = self.issue(draft).await?;
        Ok(LoggedIn { token, session: PanelSession { business, customer, account, expires_at } })
    }

    /// The panel session a cookie value opens in `business`, if it is live.
    pub async fn session(
        &self,
        business: BusinessId,
        token: &str,
    ) -> Result<Option<PanelSession>, StoreError> {
        let digest = TokenDigest::of(TokenPurpose::Session, token);
        let Some(t) = self.store.token(&digest, self.now()).await? else { return Ok(None) };
        Ok(match (t.purpose, t.business, t.customer) {
            (TokenPurpose::Session, Some(b), Some(customer))
                if b == business && t.api_key.is_none() =>
            {
                Some(PanelSession {
                    business,
                    customer,
                    account: t.account,
                    expires_at: t.expires_at,
                })
            }
            _ => None,
        })
    }

    /// §F staff sign-in to the back-office pages of `business` with an API key: a session
    /// (the cookie value) that acts as the key's principal while the key is not revoked.
    /// A key of another business, a revoked or unknown one: [`AccountError::InvalidCredentials`].
    pub async fn staff_log_in(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<(Secret, crate::access::Principal), AccountError> {
        use crate::access::{DrawnKey, KeyDigest};
        if !DrawnKey::looks_like_key(key.trim()) {
            return Err(AccountError::InvalidCredentials);
        }
        let stored = self.store.api_key_by_digest(&KeyDigest::of(key.trim())).await?;
        let (id, principal) = stored
            .and_then(|k| k.principal().map(|p| (k.id, p)))
            .filter(|(_, p)| p.business == business)
            .ok_or(AccountError::InvalidCredentials)?;
        let draft = AuthToken {
            business: Some(business),
            api_key: Some(id),
            ..self.draft(TokenPurpose::Session, STAFF_SESSION_TTL)
        };
        Ok((self.issue(draft).await?, principal))
    }

    /// The principal a back-office session cookie acts as, while the session lives and its key
    /// is not revoked.
    pub async fn staff_session(
        &self,
        business: BusinessId,
        token: &str,
    ) -> Result<Option<crate::access::Principal>, StoreError> {
        let digest = TokenDigest::of(TokenPurpose::Session, token);
        let Some(t) = self.store.token(&digest, self.now()).await? else { return Ok(None) };
        let (Some(key), Some(b)) = (t.api_key, t.business) else { return Ok(None) };
        if b != business {
            return Ok(None);
        }
        let keys = self.store.api_keys(business).await?;
        Ok(keys.into_iter().find(|k| k.id == key).and_then(|k| k.principal()))
    }

    /// Ends a session (log-out). Unknown tokens are ignored.
    pub async fn log_out(&self, token: &str) -> Result<(), StoreError> {
        let digest = TokenDigest::of(TokenPurpose::Session, token);
        self.store.take_token(&digest, self.now()).await?;
        Ok(())
    }

    /// §D1: asks for a password reset. A known email gets a token to mail; an unknown one
    /// nothing — the caller answers the same.
    pub async fn request_reset(&self, email: &str) -> Result<ResetRequested, AccountError> {
        let Ok(email) = username(email) else { return Ok(ResetRequested::Unknown) };
        let Some(account) = self.store.account_by_email(&email).await? else {
            return Ok(ResetRequested::Unknown);
        };
        let draft =
            AuthToken { account: Some(account.id), ..self.draft(TokenPurpose::Reset, RESET_TTL) };
        let token = self.issue(draft).await?;
        Ok(ResetRequested::Mail { account, token })
    }

    /// Whether a reset token is live (the page shows the form, or says the link is dead).
    pub async fn reset_is_live(&self, token: &Secret) -> Result<bool, StoreError> {
        let digest = TokenDigest::of(TokenPurpose::Reset, token.expose());
        Ok(self.store.token(&digest, self.now()).await?.is_some())
    }

    /// §D1: sets a new password with a reset token (single use). The token proves the email,
    /// so the account counts as verified; every session of the account is closed.
    pub async fn reset_password(
        &self,
        token: &Secret,
        password: &Secret,
    ) -> Result<Account, AccountError> {
        check_password(password)?;
        let hash = self.hasher.hash(password).map_err(|_| AccountError::Hash)?;
        let account = self.take_account_token(TokenPurpose::Reset, token).await?;
        self.store.set_password_hash(account.id, &hash).await?;
        self.store
            .revoke_tokens(TokenOwner::Account(account.id), Some(TokenPurpose::Session))
            .await?;
        self.store
            .revoke_tokens(TokenOwner::Account(account.id), Some(TokenPurpose::Reset))
            .await?;
        Ok(self.proven(account).await?.0)
    }

    /// §D2: a magic link opening `customer`'s panel, valid for the business's magic-link
    /// lifetime. Only when the business does not require a password.
    pub async fn magic_link(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<Secret, AccountError> {
        let settings = self.business_settings(business).await?;
        if settings.require_password || !settings.panel_enabled {
            return Err(AccountError::NotOffered);
        }
        let record = self.store.customer(business, customer).await?;
        if record.is_none_or(|c| c.anonymised_at.is_some()) {
            return Err(AccountError::InvalidToken);
        }
        let draft = AuthToken {
            business: Some(business),
            customer: Some(customer),
            ..self.draft(TokenPurpose::Magic, settings.magic_link_lifetime)
        };
        Ok(self.issue(draft).await?)
    }

    /// §D2: "email me a link" from the log-in page of a business without passwords: the
    /// business's record with this email (an account's, else the oldest guest's) and a fresh
    /// magic link, or `None` — the caller answers the same.
    pub async fn request_magic_link(
        &self,
        business: BusinessId,
        email: &str,
    ) -> Result<Option<(Customer, Secret)>, AccountError> {
        let Ok(email) = username(email) else { return Ok(None) };
        let mut record = None;
        if let Some(account) = self.store.account_by_email(&email).await? {
            record = self.store.customer_of_account(business, account.id).await?;
        }
        if record.is_none() {
            record = self.store.guest_by_email(business, &email).await?;
        }
        let Some(customer) = record else { return Ok(None) };
        let token = self.magic_link(business, customer.id).await?;
        Ok(Some((customer, token)))
    }

    /// Whether a magic link is live in `business` (the GET page shows its button, §D2).
    pub async fn magic_link_is_live(
        &self,
        business: BusinessId,
        token: &Secret,
    ) -> Result<bool, StoreError> {
        let digest = TokenDigest::of(TokenPurpose::Magic, token.expose());
        let found = self.store.token(&digest, self.now()).await?;
        Ok(found.is_some_and(|t| t.business == Some(business)))
    }

    /// §D2: opens the panel with a magic link (single use; the POST behind the page's button).
    pub async fn redeem_magic_link(
        &self,
        business: BusinessId,
        token: &Secret,
    ) -> Result<LoggedIn, AccountError> {
        let settings = self.business_settings(business).await?;
        if settings.require_password || !settings.panel_enabled {
            return Err(AccountError::NotOffered);
        }
        let digest = TokenDigest::of(TokenPurpose::Magic, token.expose());
        // Peek first: a link of another business must not be spent by a wrong URL.
        let live = self.store.token(&digest, self.now()).await?;
        if live.is_none_or(|t| t.business != Some(business)) {
            return Err(AccountError::InvalidToken);
        }
        let t =
            self.store.take_token(&digest, self.now()).await?.ok_or(AccountError::InvalidToken)?;
        let customer = t.customer.ok_or(AccountError::InvalidToken)?;
        let account = self.store.customer(business, customer).await?.and_then(|c| c.account);
        self.open_session(business, customer, account).await
    }

    /// §D2: revokes every magic link of a customer (staff, or the customer logging out
    /// everywhere); how many there were.
    pub async fn revoke_magic_links(
        &self,
        business: BusinessId,
        customer: CustomerId,
    ) -> Result<usize, StoreError> {
        self.store
            .revoke_tokens(TokenOwner::Customer(business, customer), Some(TokenPurpose::Magic))
            .await
    }

    /// A cancel link for one booking, valid until `until` (its start).
    pub async fn cancel_link(
        &self,
        business: BusinessId,
        customer: Option<CustomerId>,
        booking: BookingId,
        until: Timestamp,
    ) -> Result<Secret, StoreError> {
        let now = self.now();
        let draft = AuthToken {
            business: Some(business),
            customer,
            booking: Some(booking),
            expires_at: until.max(now),
            ..self.draft(TokenPurpose::Cancel, SignedDuration::ZERO)
        };
        self.issue(draft).await
    }

    /// The booking a live cancel link of `business` names.
    pub async fn cancel_link_booking(
        &self,
        business: BusinessId,
        token: &str,
    ) -> Result<Option<BookingId>, StoreError> {
        let digest = TokenDigest::of(TokenPurpose::Cancel, token);
        let found = self.store.token(&digest, self.now()).await?;
        Ok(found.filter(|t| t.business == Some(business)).and_then(|t| t.booking))
    }

    /// Replaces the contact details of a customer's own record (the email stays: it is the
    /// account's username, §D1).
    pub async fn update_profile(
        &self,
        business: BusinessId,
        customer: CustomerId,
        first_name: &str,
        last_name: &str,
        phone: Option<&str>,
    ) -> Result<Customer, AccountError> {
        let mut record =
            self.store.customer(business, customer).await?.ok_or(AccountError::InvalidToken)?;
        record.contact.first_name = first_name.trim().to_owned();
        record.contact.last_name = last_name.trim().to_owned();
        record.contact.phone = phone.map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
        self.store.update_customer(&record).await?;
        Ok(record)
    }

    /// §D5: the customer deletes their account (the identity shared by every business): they
    /// can no longer log in anywhere; each business keeps its own customer record (to erase it
    /// there, "Delete profile"). Recorded in `business`'s audit log without the address.
    pub async fn delete_account(&self, session: &PanelSession) -> Result<bool, AccountError> {
        let account = session.account.ok_or(AccountError::NotOffered)?;
        let deleted = self.store.delete_account(account).await?;
        if deleted {
            self.store
                .append(crate::ports::store::AuditEntry {
                    business: session.business,
                    at: self.now(),
                    actor: crate::booking::Actor::customer(session.customer),
                    action: "account.deleted".to_owned(),
                    subject: format!("account:{account}"),
                })
                .await?;
        }
        Ok(deleted)
    }

    /// Staff attach a customer record to the account of an email (§D4): the record's bookings
    /// then show in that account's panel. `None` when no account has the email.
    pub async fn attach_to_account(
        &self,
        business: BusinessId,
        customer: CustomerId,
        email: &Email,
    ) -> Result<Option<Customer>, AccountError> {
        let Some(account) = self.store.account_by_email(email).await? else { return Ok(None) };
        let mut record =
            self.store.customer(business, customer).await?.ok_or(AccountError::InvalidToken)?;
        if record.anonymised_at.is_some() {
            return Err(AccountError::InvalidToken);
        }
        record.account = Some(account.id);
        self.store.update_customer(&record).await?;
        Ok(Some(record))
    }
}
