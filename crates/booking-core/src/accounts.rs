//! §D1–§D4 Customer accounts and the tokens that stand for them: sign-up with email
//! verification, log-in with a password, password reset, magic links, panel sessions and the
//! cancel links of emails.
//!
//! - One [`Account`] (an email and a password) works with every business; through a business
//!   the customer acts as that business's [`Customer`] record, created on first log-in, and sees
//!   nothing of another business.
//! - Every token is 256 random bits, handed out once and stored only as a SHA-256 digest whose
//!   input names the token's purpose, so a token of one kind never passes for another and the
//!   database alone opens nothing.
//! - Verification, reset and magic-link tokens are single-use ([`AccountStore::take_token`]
//!   deletes the token as it reads it); all expire; sessions and magic links can be revoked.
//! - No user enumeration: sign-up, log-in and reset give the same answer whether or not the
//!   email has an account (the caller shows [`SignedUp`] and [`ResetRequested`] identically);
//!   an unknown email still pays for one password hash, so timing tells nothing either.
//! - A booking made while logged out belongs to a guest record (no account). Proving the
//!   email (verification or reset) attaches the guest records with that email, in every
//!   business, to the account; so does logging in through a business, for that business.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use crate::catalog::{Account, Contact, Customer, Email};

use crate::ids::{AccountId, BookingId, BusinessId, CustomerId};
use crate::ports::{Clock, PasswordHash, PasswordHasher, Secret, TokenSource};
use crate::store::{Store, StoreError};

/// Random bytes in every token (256 bits).
pub const TOKEN_BYTES: usize = 32;
/// Shortest accepted password, in characters.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// Longest accepted password, in bytes (bounds the hashing work an attacker can ask for).
pub const PASSWORD_MAX_BYTES: usize = 1024;
/// Lifetime of an email-verification link.
pub const VERIFY_TTL: SignedDuration = SignedDuration::from_hours(48);
/// Lifetime of a password-reset link.
pub const RESET_TTL: SignedDuration = SignedDuration::from_hours(1);
/// Lifetime of a panel session (log in again after it).
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(14 * 24);
/// Lifetime of a staff member's back-office session (a working day).
pub const STAFF_SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);

/// What a token lets its bearer do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Prove an account's email (single use).
    Verify,
    /// Choose a new password (single use).
    Reset,
    /// Open one customer's panel without a password (single use, §D2).
    Magic,
    /// A logged-in panel session (the cookie).
    Session,
    /// Cancel one booking from an email (until the booking starts).
    Cancel,
}

impl TokenPurpose {
    /// Every purpose.
    pub const ALL: [Self; 5] =
        [Self::Verify, Self::Reset, Self::Magic, Self::Session, Self::Cancel];

    /// The stable code, for storage.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Reset => "reset",
            Self::Magic => "magic",
            Self::Session => "session",
            Self::Cancel => "cancel",
        }
    }

    /// Reads [`Self::code`] back.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == text)
    }
}

/// The stored form of a token: SHA-256 over its purpose and its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Digest of a presented token for `purpose`.
    #[must_use]
    pub fn of(purpose: TokenPurpose, token: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"booking.token.v1\0");
        hasher.update(purpose.code().as_bytes());
        hasher.update(b"\0");
        hasher.update(token.as_bytes());
        Self(hasher.finalize().into())
    }
}

crate::hex::hex_digest!(TokenDigest);

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenDigest({}…)", &self.to_hex()[..8])
    }
}

/// A stored token: what it opens, for whom, until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthToken {
    /// Digest of the token's text.
    pub digest: TokenDigest,
    /// What it lets its bearer do.
    pub purpose: TokenPurpose,
    /// The account it speaks for (verification, reset, sessions opened by a password).
    pub account: Option<AccountId>,
    /// The business it is valid in (all but verification and reset).
    pub business: Option<BusinessId>,
    /// The customer record it opens (sessions, magic links).
    pub customer: Option<CustomerId>,
    /// The booking it cancels (cancel links).
    pub booking: Option<BookingId>,
    /// The API key a staff member signed in to the back office with (staff sessions).
    pub api_key: Option<crate::ids::ApiKeyId>,
    /// When it was issued.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Whose tokens to revoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenOwner {
    /// Every token of an account, in every business.
    Account(AccountId),
    /// Every token opening one customer record.
    Customer(BusinessId, CustomerId),
}

/// Account passwords and tokens. Implementations MUST make [`Self::take_token`] atomic (of two
/// concurrent takes of one token, one gets it), and MUST delete a customer's tokens when the
/// customer is anonymised.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// The account's password hash, if it has one.
    async fn password_hash(&self, account: AccountId) -> Result<Option<PasswordHash>, StoreError>;
    /// Replaces the account's password hash.
    async fn set_password_hash(
        &self,
        account: AccountId,
        hash: &PasswordHash,
    ) -> Result<(), StoreError>;
    /// Stores a token.
    async fn insert_token(&self, token: &AuthToken) -> Result<(), StoreError>;
    /// The token with this digest if it has not expired at `now`.
    async fn token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError>;
    /// Deletes the token with this digest and returns it if it had not expired at `now`.
    async fn take_token(
        &self,
        digest: &TokenDigest,
        now: Timestamp,
    ) -> Result<Option<AuthToken>, StoreError>;
    /// Deletes the tokens of `owner` (of one purpose, or all); how many there were.
    async fn revoke_tokens(
        &self,
        owner: TokenOwner,
        purpose: Option<TokenPurpose>,
    ) -> Result<usize, StoreError>;
    /// Deletes tokens expired at or before `now` (housekeeping).
    async fn purge_expired_tokens(&self, now: Timestamp) -> Result<usize, StoreError>;
    /// The business's customer record of an account.
    async fn customer_of_account(
        &self,
        business: BusinessId,
        account: AccountId,
    ) -> Result<Option<Customer>, StoreError>;
    /// Links to `account` the guest records (no account, not anonymised) whose email is `email`
    /// ignoring case, in `business` or, with `None`, in every business; how many.
    async fn attach_guests(
        &self,
        account: AccountId,
        email: &Email,
        business: Option<BusinessId>,
    ) -> Result<usize, StoreError>;
    /// §D5: removes an account (its email and password) and every token it holds; the
    /// businesses' customer records stay, no longer linked to it. `false` if there was none.
    async fn delete_account(&self, account: AccountId) -> Result<bool, StoreError>;
    /// The business's guest record (no account, not anonymised) with this email ignoring case,
    /// the oldest.
    async fn guest_by_email(
        &self,
        business: BusinessId,
        email: &Email,
    ) -> Result<Option<Customer>, StoreError>;
}

/// Who a panel session or magic link opens the panel for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PanelSession {
    /// The business.
    pub business: BusinessId,
    /// Its customer record.
    pub customer: CustomerId,
    /// The account, when the customer logged in with one.
    pub account: Option<AccountId>,
    /// When the session ends.
    pub expires_at: Timestamp,
}

impl PanelSession {
    /// The caller this session is: the customer, in their business.
    #[must_use]
    pub const fn principal(&self) -> crate::access::Principal {
        crate::access::Principal {
            business: self.business,
            role: crate::booking::Role::Customer,
            subject: Some(self.customer.get()),
        }
    }
}

/// A session just opened: the cookie value to hand out, and what it opens.
#[derive(Debug)]
pub struct LoggedIn {
    /// The session token (the cookie value).
    pub token: Secret,
    /// What it opens.
    pub session: PanelSession,
}

/// What a sign-up did. Shown identically to the visitor in both cases ("check your email"); the
/// email differs.
#[derive(Debug)]
pub enum SignedUp {
    /// A new account: mail this verification token to its address.
    Created {
        /// The account.
        account: Account,
        /// The verification token.
        token: Secret,
    },
    /// The email already had an account: tell its owner (log in or reset), nothing else.
    AlreadyExists {
        /// The account.
        account: Account,
    },
}

/// What a reset request did: a token to mail, or nothing (unknown email). Shown identically.
#[derive(Debug)]
pub enum ResetRequested {
    /// Mail this token to the account's address.
    Mail {
        /// The account.
        account: Account,
        /// The reset token.
        token: Secret,
    },
    /// No account has this email: send nothing, say the same.
    Unknown,
}

/// A sign-up form.
#[derive(Clone, Debug)]
pub struct SignUp {
    /// The email (the username, never changed afterwards).
    pub email: String,
    /// The password.
    pub password: Secret,
    /// Contact details for the business's customer record.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Phone, optional.
    pub phone: Option<String>,
    /// The explicit acceptance of the terms.
    pub accepted_terms: bool,
}

crate::error::error_enum!(
    /// Why an account action was refused.
    AccountError {
        /// The email is not an address.
        InvalidEmail => (Invalid, "invalid_email"), "this email address is not valid";
        /// The password is too short or too long.
        WeakPassword => (Invalid, "weak_password"), "a password has 10 characters or more";
        /// The terms were not accepted.
        TermsNotAccepted => (Invalid, "terms_not_accepted"), "the terms must be accepted";
        /// Wrong email or password (never says which).
        InvalidCredentials => (Invalid, "invalid_credentials"), "wrong email or password";
        /// Right password, but the email is not proven yet.
        NotVerified => (Invalid, "email_not_verified"), "the email address is not verified yet";
        /// Unknown, expired, revoked or already used token.
        InvalidToken => (Invalid, "invalid_token"), "this link is invalid, expired or already used";
        /// The business does not offer this (panel off, password required, …).
        NotOffered => (Invalid, "not_offered"), "this business does not offer it";
        /// No such business.
        UnknownBusiness => (NotFound, "unknown_business"), "unknown business";
        /// Hashing failed.
        Hash => (Invalid, "hashing_failed"), "the password could not be processed";
        /// Storage failed.
        Store(#[from] StoreError) => (Unavailable, "storage_unavailable"), "{0}";
    }
);

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

/// An account's username: the address, all in lower case (`Ana@Example.org` and
/// `ana@example.org` are one account; guest records match it case-insensitively too).
pub fn username(text: &str) -> Result<Email, AccountError> {
    Email::parse(&text.trim().to_lowercase()).map_err(|_| AccountError::InvalidEmail)
}

/// Checks a new password's length.
pub fn check_password(password: &Secret) -> Result<(), AccountError> {
    let text = password.expose();
    if text.chars().count() < PASSWORD_MIN_CHARS || text.len() > PASSWORD_MAX_BYTES {
        return Err(AccountError::WeakPassword);
    }
    Ok(())
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
                .append(crate::store::AuditEntry {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_depend_on_the_purpose() {
        let a = TokenDigest::of(TokenPurpose::Magic, "abc");
        assert_ne!(a, TokenDigest::of(TokenPurpose::Session, "abc"));
        assert_ne!(a, TokenDigest::of(TokenPurpose::Magic, "abd"));
        assert_eq!(TokenDigest::from_hex(&a.to_hex()), Some(a));
        assert_eq!(TokenDigest::from_hex("zz"), None);
        for p in TokenPurpose::ALL {
            assert_eq!(TokenPurpose::parse(p.code()), Some(p));
        }
    }

    #[test]
    fn passwords_have_a_length() {
        assert_eq!(check_password(&Secret::new("short".into())), Err(AccountError::WeakPassword));
        assert!(check_password(&Secret::new("long enough!".into())).is_ok());
        assert_eq!(
            check_password(&Secret::new("x".repeat(PASSWORD_MAX_BYTES + 1))),
            Err(AccountError::WeakPassword)
        );
    }
}
