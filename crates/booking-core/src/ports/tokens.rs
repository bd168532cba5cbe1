//! Randomness: the only source of unpredictable bytes (tokens, lock codes, magic links, codes,
//! keys), deterministic in tests; and [`Secret`], the string such bytes become.

use std::fmt;

/// Unpredictable bytes for tokens, lock codes, magic links and codes.
pub trait TokenSource: Send + Sync {
    /// Fills `buf` with bytes an attacker cannot predict (a fake may be deterministic).
    fn fill(&self, buf: &mut [u8]);

    /// A URL-safe token of `bytes` random bytes, as lower-case hex.
    fn token(&self, bytes: usize) -> Secret {
        let mut buf = vec![0u8; bytes];
        self.fill(&mut buf);
        let mut out = String::with_capacity(bytes * 2);
        for b in buf {
            out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            out.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
        }
        Secret::new(out)
    }
}

/// A secret string (token, password, API key): `Debug` redacts it, and it has no `Display`; only
/// [`Secret::expose`] reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    #[must_use]
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret, for the one place that must use it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
