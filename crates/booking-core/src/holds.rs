//! §A4 Holds: temporary pre-reservations owned by a lock code.
//!
//! A lock code is a secret chosen by the caller (Chrono's `lock_code`, or one the booking page
//! draws). Only its SHA-256 digest is stored, so a leaked database cannot be used to confirm or
//! release someone else's hold.

use std::fmt;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::booking::Target;
use crate::ids::{BusinessId, HoldId};

/// The secret that owns a hold. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct LockCode(String);

/// A lock code that is empty, too long or not printable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a lock code is 1 to 256 printable characters without spaces")]
pub struct InvalidLockCode;

impl LockCode {
    /// Accepts 1 to 256 visible characters (no whitespace, no control characters).
    pub fn parse(text: &str) -> Result<Self, InvalidLockCode> {
        let ok = !text.is_empty()
            && text.chars().count() <= 256
            && text.chars().all(|c| !c.is_whitespace() && !c.is_control());
        if ok { Ok(Self(text.to_owned())) } else { Err(InvalidLockCode) }
    }

    /// The digest stored in place of the code.
    #[must_use]
    pub fn digest(&self) -> LockDigest {
        let mut hasher = Sha256::new();
        hasher.update(b"booking.lock-code.v1\0");
        hasher.update(self.0.as_bytes());
        LockDigest(hasher.finalize().into())
    }

    /// The secret itself, for the one caller that must hand it back to its owner.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for LockCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockCode(<redacted>)")
    }
}

/// The stored form of a lock code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LockDigest([u8; 32]);

impl LockDigest {
    /// The raw bytes, for storage.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

crate::hex::hex_digest!(LockDigest);

impl fmt::Debug for LockDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LockDigest({}…)", &self.to_hex()[..8])
    }
}

/// A pre-reservation, live until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    /// Assigned by the store.
    pub id: HoldId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Digest of the owning lock code.
    pub lock: LockDigest,
    /// What is held.
    pub target: Target,
    /// When it was taken.
    pub created_at: Timestamp,
    /// The first instant at which it no longer holds anything.
    pub expires_at: Timestamp,
}

impl Hold {
    /// Expired holds are ignored at read time, whether or not a cleanup removed them yet.
    #[must_use]
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }

    /// Whether it blocks a caller holding `caller` (the owner is never blocked by its own hold).
    #[must_use]
    pub fn blocks(&self, now: Timestamp, caller: Option<&LockDigest>) -> bool {
        self.is_live(now) && caller != Some(&self.lock)
    }
}

/// A hold about to be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewHold {
    /// Owner tenant.
    pub business: BusinessId,
    /// Digest of the owning lock code.
    pub lock: LockDigest,
    /// What is held.
    pub target: Target,
    /// When it was taken.
    pub created_at: Timestamp,
    /// When it lapses.
    pub expires_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_codes_are_redacted_and_digested() {
        let code = LockCode::parse("form-42-abc").unwrap();
        assert_eq!(format!("{code:?}"), "LockCode(<redacted>)");
        let d = code.digest();
        assert_eq!(LockDigest::from_hex(&d.to_hex()), Some(d));
        assert_ne!(LockCode::parse("form-42-abd").unwrap().digest(), d);
        assert!(!format!("{d:?}").contains("form"));
    }

    #[test]
    fn lock_codes_reject_bad_input() {
        for bad in ["", "a b", "tab\t", &"x".repeat(257)] {
            assert!(LockCode::parse(bad).is_err(), "{bad:?}");
        }
        assert!(LockDigest::from_hex("zz").is_none());
    }
}
