//! Outside services (calendars, video meetings) by the ids their adapters give them.

use std::fmt;

/// An outside service, by the id its adapter gives it: a calendar (`google`, `outlook`) or a
/// video meeting service (`zoom`); 1 to 24 lower-case ASCII letters, digits or `-`. The sets
/// are open: a provider is an adapter crate implementing the calendar ports
/// ([`crate::ports::calendar::CalendarApi`]) or the meeting ones
/// ([`crate::ports::video::MeetingConnector`]) with an id of its own, registered by the wiring;
/// nothing in the core, the stores or the pages lists them (`docs/ARCHITECTURE.md`, "Adding a
/// calendar provider", "Adding a video provider").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Provider {
    len: u8,
    bytes: [u8; Provider::MAX_LEN],
}

impl Provider {
    /// The longest id.
    pub const MAX_LEN: usize = 24;

    /// The provider of id `code`, for an adapter's constant.
    ///
    /// # Panics
    /// When `code` is not an id (at compile time in a `const`).
    #[must_use]
    pub const fn new(code: &str) -> Self {
        match Self::checked(code) {
            Some(p) => p,
            None => panic!("a provider id is 1 to 24 characters among a-z, 0-9 and -"),
        }
    }

    const fn checked(code: &str) -> Option<Self> {
        let text = code.as_bytes();
        if text.is_empty() || text.len() > Self::MAX_LEN {
            return None;
        }
        let mut bytes = [0; Self::MAX_LEN];
        let mut i = 0;
        while i < text.len() {
            let b = text[i];
            if !(b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                return None;
            }
            bytes[i] = b;
            i += 1;
        }
        #[allow(clippy::cast_possible_truncation, reason = "at most MAX_LEN (24)")]
        Some(Self { len: text.len() as u8, bytes })
    }

    /// The provider a stored or typed id names; `None` when it is not an id.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::checked(text)
    }

    /// The stable id stored and used in URLs.
    #[must_use]
    pub fn code(&self) -> &str {
        // Only ASCII bytes are ever stored (`checked`).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Provider({})", self.code())
    }
}
