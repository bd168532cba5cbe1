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

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use crate::catalog::{Account, Email};

use crate::error::StoreError;
use crate::ids::{AccountId, BookingId, BusinessId, CustomerId};
use crate::ports::tokens::Secret;

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
pub struct TokenDigest(pub(crate) [u8; 32]);

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
