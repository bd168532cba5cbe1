//! # booking-system
//!
//! The real clock and the operating system's randomness behind `booking-core`'s
//! [`Clock`] and [`TokenSource`] ports. This is the only crate allowed to call them
//! (`clippy.toml` bans the calls everywhere else). Also argon2id password hashing behind
//! [`PasswordHasher`], and the outbox [`worker`]'s loop, which
//! needs a timer.

pub mod worker;

use booking_core::ports::clock::Clock;
use booking_core::ports::passwords::HashError;
use booking_core::ports::passwords::PasswordHash;
use booking_core::ports::passwords::PasswordHasher;
use booking_core::ports::tokens::Secret;
use booking_core::ports::tokens::TokenSource;
use jiff::Timestamp;

/// The wall clock of the machine.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(
        clippy::disallowed_methods,
        reason = "this adapter is the one place that reads the real clock"
    )]
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The operating system's cryptographically secure random number generator.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsTokens;

impl TokenSource for OsTokens {
    #[allow(
        clippy::disallowed_methods,
        reason = "this adapter is the one place that draws OS randomness"
    )]
    fn fill(&self, buf: &mut [u8]) {
        // The OS generator only fails when the platform has none at all, which the server cannot
        // run without: issuing predictable tokens instead would be worse than stopping.
        getrandom::fill(buf)
            .expect("the operating system's random number generator is unavailable");
    }
}

/// argon2id password hashing (§D1) with the argon2 crate's defaults (OWASP's minimum: 19 MiB,
/// 2 passes, 1 lane), a 16-byte salt from the OS, PHC strings at rest.
#[derive(Clone, Copy, Debug, Default)]
pub struct Argon2Hasher;

impl PasswordHasher for Argon2Hasher {
    fn hash(&self, password: &Secret) -> Result<PasswordHash, HashError> {
        use argon2::password_hash::{PasswordHasher as _, SaltString};
        let mut salt = [0u8; 16];
        OsTokens.fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| HashError(e.to_string()))?;
        argon2::Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| PasswordHash(h.to_string()))
            .map_err(|e| HashError(e.to_string()))
    }

    fn verify(&self, password: &Secret, hash: &PasswordHash) -> bool {
        use argon2::password_hash::{PasswordHash as Phc, PasswordVerifier as _};
        Phc::new(&hash.0).is_ok_and(|parsed| {
            argon2::Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_hashes_verify_and_salt() {
        let password = Secret::new("correct horse battery".into());
        let a = Argon2Hasher.hash(&password).unwrap();
        let b = Argon2Hasher.hash(&password).unwrap();
        assert!(a.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", a.0);
        assert_ne!(a, b, "a fresh salt each time");
        assert!(Argon2Hasher.verify(&password, &a));
        assert!(!Argon2Hasher.verify(&Secret::new("correct horse batterY".into()), &a));
        assert!(!Argon2Hasher.verify(&password, &PasswordHash("not a hash".into())));
    }

    #[test]
    fn tokens_differ_and_have_the_requested_length() {
        let a = OsTokens.token(16);
        let b = OsTokens.token(16);
        assert_eq!(a.expose().len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn the_clock_is_after_this_code_was_written() {
        assert!(SystemClock.now() > "2026-01-01T00:00:00Z".parse().unwrap());
    }
}

/// Seals secrets at rest (calendar client secrets and OAuth tokens, §H1) with
/// XChaCha20-Poly1305 under a key derived from the server's secret:
/// `SHA-256("booking.seal.v1" ‖ secret)`. Each value gets a fresh random 192-bit nonce and is
/// stored as `v1.` followed by the hex of nonce ‖ ciphertext ‖ tag. A value altered in the
/// database, or sealed under another secret, does not open.
pub struct ChaChaSealer {
    cipher: chacha20poly1305::XChaCha20Poly1305,
}

impl std::fmt::Debug for ChaChaSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChaChaSealer(<key>)")
    }
}

impl ChaChaSealer {
    /// A sealer keyed from the server's secret.
    #[must_use]
    pub fn new(secret: &[u8]) -> Self {
        use chacha20poly1305::KeyInit as _;
        use sha2::Digest as _;
        let key =
            sha2::Sha256::new().chain_update(b"booking.seal.v1").chain_update(secret).finalize();
        Self { cipher: chacha20poly1305::XChaCha20Poly1305::new(&key) }
    }
}

impl booking_core::ports::calendar::Sealer for ChaChaSealer {
    fn seal(&self, plain: &str) -> String {
        use chacha20poly1305::aead::Aead as _;
        let mut nonce = [0u8; 24];
        OsTokens.fill(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(chacha20poly1305::XNonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = String::with_capacity(3 + 2 * (24 + sealed.len()));
        out.push_str("v1.");
        for b in nonce.iter().chain(&sealed) {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    fn open(&self, sealed: &str) -> Option<String> {
        use chacha20poly1305::aead::Aead as _;
        let hex = sealed.strip_prefix("v1.")?;
        if hex.len() % 2 != 0 || hex.len() < 2 * (24 + 16) {
            return None;
        }
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect::<Option<_>>()?;
        let (nonce, body) = bytes.split_at(24);
        let plain = self.cipher.decrypt(chacha20poly1305::XNonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod sealer_tests {
    use booking_core::ports::calendar::Sealer as _;

    use super::ChaChaSealer;

    #[test]
    fn sealed_values_open_only_unaltered_and_under_their_key() {
        let sealer = ChaChaSealer::new(b"server secret");
        let a = sealer.seal("1//refresh-token");
        let b = sealer.seal("1//refresh-token");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("refresh"));
        assert_eq!(sealer.open(&a).as_deref(), Some("1//refresh-token"));
        assert_eq!(ChaChaSealer::new(b"another secret").open(&a), None);
        let mut altered = a.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(sealer.open(&String::from_utf8(altered).unwrap()), None);
        assert_eq!(sealer.open("v1.zz"), None);
        assert_eq!(sealer.open("plain"), None);
        assert_eq!(sealer.open(&sealer.seal("")).as_deref(), Some(""));
    }
}
