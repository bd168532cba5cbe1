//! §I Codes: packages, gift certificates and subscriptions, as pure rules.
//!
//! - **The code text** ([`CodeText`]): 60 random bits as 12 Crockford base-32 symbols plus one
//!   check symbol (Luhn mod 32 over the same alphabet, so every symbol is typable and any single
//!   mistyped symbol or swap of two neighbours is caught), shown in groups of four
//!   (`7KQ2-M9XD-4TRB-Z`). Input is case-insensitive, ignores spaces and hyphens, and reads the
//!   look-alikes `I`/`L` as `1` and `O` as `0` (Crockford's decoding).
//! - **What is stored** ([`CodeDigest`]): HMAC-SHA-256 of the normalised code under a server
//!   key, so the database alone cannot be used to redeem a code; plus its last four symbols
//!   ([`CodeText::tail`]) for staff to search by.
//! - **Balances** ([`Balance`], [`Ledger::quote`], [`Ledger`]): what a booking consumes, what is left,
//!   what a cancellation gives back. A balance never goes negative; nothing is redeemed after
//!   expiry or revocation.

use jiff::Timestamp;
use sha2::{Digest as _, Sha256};

use crate::error::Kind;
use crate::error::StoreError;
use crate::ids::{BookingId, BusinessId, CodeId, CustomerId, ServiceId};

/// Crockford's base-32 alphabet: digits and letters without `I`, `L`, `O`, `U`.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Symbols of randomness in a code (12 × 5 = 60 bits).
pub const RANDOM_SYMBOLS: usize = 12;

/// The value of a Crockford symbol, reading look-alikes as Crockford does.
fn value_of(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    let byte = u8::try_from(c).ok()?;
    ALPHABET.iter().position(|&a| a == byte).and_then(|p| u8::try_from(p).ok())
}

/// Luhn mod 32's weighted sum of `values`, doubling every second symbol from the right,
/// starting with the rightmost when `double_last`.
fn luhn_sum(values: &[u8], double_last: bool) -> u32 {
    let mut sum = 0u32;
    for (i, v) in values.iter().rev().enumerate() {
        let mut v = u32::from(*v);
        if (i % 2 == 0) == double_last {
            v *= 2;
            v = v / 32 + v % 32;
        }
        sum += v;
    }
    sum
}

/// The check symbol of the random symbols `values` (Luhn mod 32).
fn check_value_for(values: &[u8]) -> u8 {
    u8::try_from((32 - luhn_sum(values, true) % 32) % 32).unwrap_or(0)
}

/// Whether `values` (check symbol last) pass Luhn mod 32.
fn checks(values: &[u8]) -> bool {
    luhn_sum(values, false).is_multiple_of(32)
}

/// A code as customers type it: 12 symbols and a check symbol, normalised.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CodeText(String);

/// Why typed text is not a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeTextError {
    /// Not 13 symbols of the alphabet (spaces and hyphens aside).
    #[error("a code is 13 letters and digits")]
    Shape,
    /// The check symbol does not match: a typing mistake.
    #[error("this code has a typing mistake")]
    Check,
}

impl CodeText {
    /// A new code from 8 random bytes (60 of their bits are used).
    #[must_use]
    pub fn from_random(bytes: [u8; 8]) -> Self {
        let mut n = u64::from_be_bytes(bytes);
        let mut values = Vec::with_capacity(RANDOM_SYMBOLS + 1);
        for _ in 0..RANDOM_SYMBOLS {
            values.push(u8::try_from(n & 31).unwrap_or(0));
            n >>= 5;
        }
        values.push(check_value_for(&values));
        Self(values.iter().map(|&v| char::from(ALPHABET[usize::from(v)])).collect())
    }

    /// Reads what a customer typed: case-insensitive, spaces and hyphens ignored, `I`/`L` as
    /// `1` and `O` as `0`; the check symbol must match.
    ///
    /// # Errors
    /// [`CodeTextError::Shape`] or [`CodeTextError::Check`].
    pub fn parse(typed: &str) -> Result<Self, CodeTextError> {
        let mut values = Vec::with_capacity(RANDOM_SYMBOLS + 1);
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            if values.len() > RANDOM_SYMBOLS {
                return Err(CodeTextError::Shape);
            }
            values.push(value_of(c).ok_or(CodeTextError::Shape)?);
        }
        if values.len() != RANDOM_SYMBOLS + 1 {
            return Err(CodeTextError::Shape);
        }
        if !checks(&values) {
            return Err(CodeTextError::Check);
        }
        Ok(Self(values.iter().map(|&v| char::from(ALPHABET[usize::from(v)])).collect()))
    }

    /// Grouped for people: `7KQ2-M9XD-4TRB-Z`.
    #[must_use]
    pub fn grouped(&self) -> String {
        let mut out = String::with_capacity(16);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// The last four symbols (check included), stored beside the digest so that staff can
    /// find a code a customer reads out.
    #[must_use]
    pub fn tail(&self) -> String {
        self.0.chars().skip(RANDOM_SYMBOLS - 3).collect()
    }

    /// Reads the last four symbols as staff type them (any case, hyphens and spaces ignored,
    /// look-alikes read as Crockford does); `None` unless exactly four symbols.
    #[must_use]
    pub fn read_tail(typed: &str) -> Option<String> {
        let symbols: Option<String> = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| value_of(c).map(|v| char::from(ALPHABET[usize::from(v)])))
            .collect();
        symbols.filter(|s| s.len() == 4)
    }

    /// The normalised symbols (for the digest).
    fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for CodeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CodeText(…{})", self.tail())
    }
}

/// What is stored in place of a code: HMAC-SHA-256 of its normalised symbols under the
/// server's key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CodeDigest([u8; 32]);

impl CodeDigest {
    /// The digest of `code` under `key` (RFC 2104 HMAC over SHA-256).
    #[must_use]
    pub fn of(key: &[u8; 32], code: &CodeText) -> Self {
        let mut inner = Sha256::new();
        let mut outer = Sha256::new();
        let (mut ipad, mut opad) = ([0x36u8; 64], [0x5cu8; 64]);
        for (i, k) in key.iter().enumerate() {
            ipad[i] ^= k;
            opad[i] ^= k;
        }
        inner.update(ipad);
        inner.update(b"booking.code.v1\0");
        inner.update(code.as_str().as_bytes());
        outer.update(opad);
        outer.update(inner.finalize());
        Self(outer.finalize().into())
    }
}

crate::hex::hex_digest!(CodeDigest);

impl std::fmt::Debug for CodeDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CodeDigest({}…)", &self.to_hex()[..8])
    }
}

/// How a subscription renews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// Every week from the issue date.
    Week,
    /// Every month from the issue date (the same day of the month, or the month's last).
    Month,
}

impl Period {
    /// The stable code stored and shown (`week`, `month`).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// The value of a code (§I1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// N sessions of listed services (none listed: every service).
    Package {
        /// Sessions granted.
        sessions: u32,
        /// Services it covers; empty: all.
        services: Vec<ServiceId>,
    },
    /// An amount of money in the business currency, in minor units.
    Gift {
        /// Its value.
        amount_minor: i64,
    },
    /// N sessions per period, renewing on the issue date's anniversary.
    Subscription {
        /// Sessions per period.
        sessions: u32,
        /// The period.
        period: Period,
        /// Services it covers; empty: all.
        services: Vec<ServiceId>,
    },
}

impl Value {
    /// Its kind (`package`, `gift`, `subscription`), amount (sessions, per period for a
    /// subscription, or minor units), period and services, as stored and shown.
    #[must_use]
    pub fn parts(&self) -> (&'static str, i64, Option<Period>, &[ServiceId]) {
        match self {
            Self::Package { sessions, services } => {
                ("package", i64::from(*sessions), None, services)
            }
            Self::Gift { amount_minor } => ("gift", *amount_minor, None, &[]),
            Self::Subscription { sessions, period, services } => {
                ("subscription", i64::from(*sessions), Some(*period), services)
            }
        }
    }
}

/// One use of a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Use {
    /// The booking it paid for.
    pub booking: Option<BookingId>,
    /// Sessions taken (packages and subscriptions) or minor units (gifts).
    pub amount: i64,
    /// When the booked occasion starts (a subscription counts it in that period).
    pub starts_at: Timestamp,
    /// Given back (the booking was canceled in time).
    pub refunded: bool,
}

/// A code's state: its value, its life, its uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    /// What it is worth.
    pub value: Value,
    /// When it was issued (a subscription's periods start there).
    pub issued_at: Timestamp,
    /// After this, nothing more is redeemed.
    pub expires_at: Option<Timestamp>,
    /// Revoked by staff: nothing more is redeemed.
    pub revoked: bool,
    /// Staff adjustments to the balance (sessions or minor units; may be negative).
    pub adjustment: i64,
    /// Its uses.
    pub uses: Vec<Use>,
}

/// Why a code cannot pay for a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    /// No such code in this business.
    #[error("unknown code")]
    Unknown,
    /// Past its expiry (or the occasion is).
    #[error("this code has expired")]
    Expired,
    /// Revoked by staff.
    #[error("this code was revoked")]
    Revoked,
    /// Nothing left (for the occasion's period, for a subscription).
    #[error("nothing is left on this code")]
    Exhausted,
    /// It does not cover this service.
    #[error("this code does not cover this service")]
    NotCovered,
}

crate::error::error_codes!(CodeRefusal, |e| match e {
    CodeRefusal::Unknown => (Kind::Invalid, "code_not_found"),
    CodeRefusal::Expired => (Kind::Conflict, "code_expired"),
    CodeRefusal::Revoked => (Kind::Conflict, "code_revoked"),
    CodeRefusal::Exhausted => (Kind::Conflict, "code_exhausted"),
    CodeRefusal::NotCovered => (Kind::Invalid, "code_not_covered"),
});

/// What is left on a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Balance {
    /// Sessions left (for a subscription: in the period containing the instant asked about).
    Sessions(i64),
    /// Minor units left.
    Money(i64),
}

impl Balance {
    /// What is left, in its unit (sessions, or minor units).
    #[must_use]
    pub const fn amount(self) -> i64 {
        match self {
            Self::Sessions(n) | Self::Money(n) => n,
        }
    }
}

/// The start of the subscription period containing `at` (periods start on `issued_at`'s
/// anniversaries, in UTC), and the next one's.
fn period_of(issued_at: Timestamp, period: Period, at: Timestamp) -> (Timestamp, Timestamp) {
    let zone = jiff::tz::TimeZone::UTC;
    let start = issued_at.to_zoned(zone.clone());
    let step = |n: i64| match period {
        Period::Week => start.checked_add(jiff::Span::new().weeks(n)),
        Period::Month => start.checked_add(jiff::Span::new().months(n)),
    };
    let at_ = at.to_zoned(zone);
    // A first guess from the calendar difference, then at most a step either way.
    let mut n = match period {
        Period::Week => (at.as_second() - issued_at.as_second()).div_euclid(7 * 86_400),
        Period::Month => {
            i64::from(at_.year() - start.year()) * 12 + i64::from(at_.month() - start.month())
        }
    };
    let bound = |n: i64| step(n).map_or(Timestamp::MAX, |z| z.timestamp());
    while n > i64::MIN / 2 && bound(n) > at {
        n -= 1;
    }
    while bound(n + 1) <= at {
        n += 1;
    }
    (bound(n), bound(n + 1))
}

impl Ledger {
    /// A fresh code.
    #[must_use]
    pub const fn new(value: Value, issued_at: Timestamp, expires_at: Option<Timestamp>) -> Self {
        Self { value, issued_at, expires_at, revoked: false, adjustment: 0, uses: Vec::new() }
    }

    /// What is left; for a subscription, in the period containing `at`.
    #[must_use]
    pub fn balance(&self, at: Timestamp) -> Balance {
        let live = self.uses.iter().filter(|u| !u.refunded);
        match &self.value {
            Value::Package { sessions, .. } => {
                let used: i64 = live.map(|u| u.amount).sum();
                Balance::Sessions(i64::from(*sessions) + self.adjustment - used)
            }
            Value::Gift { amount_minor } => {
                let used: i64 = live.map(|u| u.amount).sum();
                Balance::Money(amount_minor + self.adjustment - used)
            }
            Value::Subscription { sessions, period, .. } => {
                let (from, to) = period_of(self.issued_at, *period, at);
                let used: i64 = live
                    .filter(|u| from <= u.starts_at && u.starts_at < to)
                    .map(|u| u.amount)
                    .sum();
                Balance::Sessions(i64::from(*sessions) + self.adjustment - used)
            }
        }
    }

    /// §I2: what a booking of `units` places (1 for an appointment, the seats of a session)
    /// of `service` (none for an event's session) at `price_minor` in all, starting at
    /// `starts_at`, made at `now`, takes from this code: a session per place, or the price
    /// (capped at what is left on a gift: the rest is paid otherwise).
    ///
    /// # Errors
    /// The [`CodeRefusal`].
    pub fn quote(
        &self,
        service: Option<ServiceId>,
        units: u32,
        price_minor: i64,
        starts_at: Timestamp,
        now: Timestamp,
    ) -> Result<i64, CodeRefusal> {
        if self.revoked {
            return Err(CodeRefusal::Revoked);
        }
        if self.expires_at.is_some_and(|e| now >= e || starts_at >= e) {
            return Err(CodeRefusal::Expired);
        }
        let covers = |services: &[ServiceId]| {
            services.is_empty() || service.is_some_and(|s| services.contains(&s))
        };
        match &self.value {
            Value::Package { services, .. } | Value::Subscription { services, .. }
                if !covers(services) =>
            {
                Err(CodeRefusal::NotCovered)
            }
            Value::Package { .. } | Value::Subscription { .. } => match self.balance(starts_at) {
                Balance::Sessions(left) if left >= i64::from(units.max(1)) => {
                    Ok(i64::from(units.max(1)))
                }
                _ => Err(CodeRefusal::Exhausted),
            },
            Value::Gift { .. } => match self.balance(starts_at) {
                Balance::Money(left) if left > 0 => Ok(price_minor.clamp(0, left)),
                _ => Err(CodeRefusal::Exhausted),
            },
        }
    }

    /// Takes a use, after [`Self::quote`] allowed it (in the same transaction).
    ///
    /// # Errors
    /// As [`Self::quote`].
    pub fn redeem(
        &mut self,
        service: Option<ServiceId>,
        units: u32,
        price_minor: i64,
        starts_at: Timestamp,
        now: Timestamp,
    ) -> Result<Use, CodeRefusal> {
        let amount = self.quote(service, units, price_minor, starts_at, now)?;
        let taken = Use { booking: None, amount, starts_at, refunded: false };
        self.uses.push(taken);
        Ok(taken)
    }

    /// §I2: gives a use back (its booking was canceled in time). `false` when it was already.
    pub fn refund(&mut self, index: usize) -> bool {
        match self.uses.get_mut(index) {
            Some(u) if !u.refunded => {
                u.refunded = true;
                true
            }
            _ => false,
        }
    }
}

/// A code as stored: never its text, only its tail (§I).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCode {
    /// Id.
    pub id: CodeId,
    /// Owner tenant.
    pub business: BusinessId,
    /// Its last four symbols.
    pub tail: String,
    /// The customer it was issued to, if any.
    pub customer: Option<CustomerId>,
    /// What staff wrote about it ("10-class pass", "gift from Paul").
    pub note: String,
    /// Its value, life and uses.
    pub ledger: Ledger,
}

/// A code to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCode {
    /// Owner tenant.
    pub business: BusinessId,
    /// The keyed digest of its text.
    pub digest: CodeDigest,
    /// Its last four symbols.
    pub tail: String,
    /// The customer it is issued to, if any.
    pub customer: Option<CustomerId>,
    /// What staff write about it.
    pub note: String,
    /// Its value.
    pub value: Value,
    /// When it is issued.
    pub issued_at: Timestamp,
    /// When it expires, if ever.
    pub expires_at: Option<Timestamp>,
}

/// Why typed text does not find a code.
#[derive(Debug, thiserror::Error)]
pub enum FindError {
    /// Not a code's shape, or a typing mistake.
    #[error(transparent)]
    Text(#[from] CodeTextError),
    /// No such code in this business.
    #[error("unknown code")]
    Unknown,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn codes_read_back_forgivingly_and_catch_typos() {
        let code = CodeText::from_random([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        let shown = code.grouped();
        assert_eq!(shown.len(), 16, "{shown}");
        assert_eq!(CodeText::parse(&shown), Ok(code.clone()));
        assert_eq!(CodeText::parse(&shown.to_lowercase().replace('-', " ")), Ok(code.clone()));
        let looks_alike = shown.replace('1', "l").replace('0', "O");
        assert_eq!(CodeText::parse(&looks_alike), Ok(code.clone()));
        assert_eq!(CodeText::parse("ABC"), Err(CodeTextError::Shape));
        assert_eq!(CodeText::parse(&format!("{shown}0")), Err(CodeTextError::Shape));
        assert_eq!(CodeText::parse("0000-0000-0000-U"), Err(CodeTextError::Shape), "no U");
        assert_eq!(code.tail().len(), 4);
        let printed_end = &shown[shown.len() - 5..];
        assert_eq!(CodeText::read_tail(&printed_end.to_lowercase()), Some(code.tail()));
        assert_eq!(CodeText::read_tail("AB"), None);
        assert!(!format!("{code:?}").contains(&shown[..4]), "Debug shows the tail only");
    }

    #[test]
    fn the_digest_is_keyed() {
        let code = CodeText::from_random([7; 8]);
        let (a, b) = (CodeDigest::of(&[1; 32], &code), CodeDigest::of(&[2; 32], &code));
        assert_ne!(a, b);
        assert_eq!(CodeDigest::from_hex(&a.to_hex()), Some(a));
        let other = CodeText::from_random([8; 8]);
        assert_ne!(CodeDigest::of(&[1; 32], &other), a);
    }

    #[test]
    fn hmac_matches_rfc_4231_shape() {
        // RFC 4231 test case 2 uses a short key; ours are 32 bytes, so check the construction
        // against a straightforward reimplementation instead.
        let key = [0x0b; 32];
        let code = CodeText::from_random([1, 2, 3, 4, 5, 6, 7, 8]);
        let mut k = [0u8; 64];
        k[..32].copy_from_slice(&key);
        let pad = |x: u8| k.map(|b| b ^ x);
        let mut message = b"booking.code.v1\0".to_vec();
        message.extend_from_slice(code.as_str().as_bytes());
        let inner = Sha256::digest([pad(0x36).as_slice(), &message].concat());
        let outer = Sha256::digest([pad(0x5c).as_slice(), inner.as_slice()].concat());
        assert_eq!(CodeDigest::of(&key, &code).0, <[u8; 32]>::from(outer));
    }

    #[test]
    fn subscriptions_renew_on_the_anniversary() {
        let issued = at("2027-01-31T10:00:00Z");
        let (from, to) = period_of(issued, Period::Month, at("2027-03-05T00:00:00Z"));
        assert_eq!((from, to), (at("2027-02-28T10:00:00Z"), at("2027-03-31T10:00:00Z")));
        let (from, to) = period_of(issued, Period::Week, at("2027-02-01T00:00:00Z"));
        assert_eq!((from, to), (at("2027-01-31T10:00:00Z"), at("2027-02-07T10:00:00Z")));
        let mut s = Ledger::new(
            Value::Subscription { sessions: 2, period: Period::Month, services: Vec::new() },
            issued,
            None,
        );
        let now = issued;
        for day in ["2027-02-01", "2027-02-10"] {
            s.redeem(None, 1, 0, at(&format!("{day}T09:00:00Z")), now).unwrap();
        }
        let third = s.quote(None, 1, 0, at("2027-02-20T09:00:00Z"), now);
        assert_eq!(third, Err(CodeRefusal::Exhausted), "two per month");
        assert_eq!(s.quote(None, 1, 0, at("2027-03-01T09:00:00Z"), now), Ok(1), "a new period");
    }

    #[test]
    fn a_gift_pays_up_to_what_is_left() {
        let mut g =
            Ledger::new(Value::Gift { amount_minor: 5000 }, at("2027-01-01T00:00:00Z"), None);
        let t = at("2027-01-02T00:00:00Z");
        assert_eq!(g.redeem(None, 1, 3500, t, t).unwrap().amount, 3500);
        assert_eq!(g.redeem(None, 1, 3500, t, t).unwrap().amount, 1500, "capped");
        assert_eq!(g.quote(None, 1, 100, t, t), Err(CodeRefusal::Exhausted));
        assert!(g.refund(0));
        assert!(!g.refund(0), "once");
        assert_eq!(g.balance(t), Balance::Money(3500));
    }

    fn value() -> impl Strategy<Value = Value> {
        let services = proptest::collection::vec((1i64..4).prop_map(ServiceId::new), 0..3);
        prop_oneof![
            (0u32..6, services.clone())
                .prop_map(|(sessions, services)| Value::Package { sessions, services }),
            (0i64..10_000).prop_map(|amount_minor| Value::Gift { amount_minor }),
            (0u32..4, any::<bool>(), services).prop_map(|(sessions, monthly, services)| {
                Value::Subscription {
                    sessions,
                    period: if monthly { Period::Month } else { Period::Week },
                    services,
                }
            }),
        ]
    }

    /// (service, price, start offset in hours, now offset in hours, refund earlier use)
    fn steps() -> impl Strategy<Value = Vec<(i64, i64, i64, i64, Option<usize>)>> {
        proptest::collection::vec(
            (
                1i64..4,
                0i64..5000,
                0i64..(24 * 120),
                0i64..(24 * 60),
                proptest::option::of(0usize..8),
            ),
            0..24,
        )
    }

    proptest! {
        /// §I: a balance never goes negative, whatever is booked and given back.
        #[test]
        fn a_balance_never_goes_negative(v in value(), steps in steps()) {
            let issued = at("2027-01-01T00:00:00Z");
            let mut code = Ledger::new(v, issued, None);
            for (service, price, start, now, refund) in steps {
                let hours = |h: i64| issued + jiff::SignedDuration::from_hours(h);
                let _ = code.redeem(Some(ServiceId::new(service)), 1, price, hours(start), hours(now));
                if let Some(i) = refund {
                    code.refund(i);
                }
                for u in &code.uses {
                    prop_assert!(code.balance(u.starts_at).amount() >= 0, "{code:?}");
                }
            }
        }

        /// §I2: a redemption then its refund restores the balance exactly.
        #[test]
        fn consume_then_refund_restores(v in value(), service in 1i64..4, price in 0i64..5000, start in 0i64..(24 * 60)) {
            let issued = at("2027-01-01T00:00:00Z");
            // A gift pays the price: a free service takes nothing from it.
            let free_on_a_gift = price == 0 && matches!(v, Value::Gift { .. });
            let mut code = Ledger::new(v, issued, None);
            let starts = issued + jiff::SignedDuration::from_hours(start);
            let before = code.balance(starts);
            if code.redeem(Some(ServiceId::new(service)), 1, price, starts, issued).is_ok() {
                if !free_on_a_gift {
                    prop_assert_ne!(code.balance(starts), before, "a redemption takes something");
                }
                prop_assert!(code.refund(code.uses.len() - 1));
            }
            prop_assert_eq!(code.balance(starts), before);
        }

        /// §I: nothing is redeemed after expiry or revocation.
        #[test]
        fn no_redemption_after_expiry_or_revocation(v in value(), expiry in 1i64..(24 * 60), now in 0i64..(24 * 90), start in 0i64..(24 * 90), revoked in any::<bool>()) {
            let issued = at("2027-01-01T00:00:00Z");
            let hours = |h: i64| issued + jiff::SignedDuration::from_hours(h);
            let mut code = Ledger::new(v, issued, Some(hours(expiry)));
            code.revoked = revoked;
            let got = code.redeem(None, 1, 100, hours(start), hours(now));
            if revoked {
                prop_assert_eq!(got, Err(CodeRefusal::Revoked));
            } else if now >= expiry || start >= expiry {
                prop_assert_eq!(got, Err(CodeRefusal::Expired));
            }
        }

        /// Every generated code reads back from its grouped form, and any single mistyped
        /// symbol is caught.
        #[test]
        fn a_single_typo_is_caught(bytes in any::<[u8; 8]>(), at_ in 0usize..13, to in 0u8..32) {
            let code = CodeText::from_random(bytes);
            prop_assert_eq!(CodeText::parse(&code.grouped()), Ok(code.clone()));
            let mut symbols: Vec<u8> = code.as_str().bytes().collect();
            prop_assume!(symbols[at_] != ALPHABET[usize::from(to)]);
            symbols[at_] = ALPHABET[usize::from(to)];
            let typo = String::from_utf8(symbols).unwrap();
            prop_assert_eq!(CodeText::parse(&typo), Err(CodeTextError::Check));
        }
    }
}
