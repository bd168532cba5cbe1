//! Lower-case hex for the 32-byte digests stored in place of secrets (API keys, lock codes,
//! account tokens, codes), and their `to_hex` / `from_hex` ([`hex_digest!`]).

use std::fmt::Write as _;

/// Lower-case hex of a digest.
pub(crate) fn encode(bytes: &[u8; 32]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Reads [`encode`] back; `None` unless `text` is 64 hex digits.
pub(crate) fn decode(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// `to_hex` and `from_hex` for a digest newtype over `[u8; 32]`, stored as lower-case hex.
macro_rules! hex_digest {
    ($digest:ident) => {
        impl $digest {
            /// Lower-case hex, for storage.
            #[must_use]
            pub fn to_hex(&self) -> String {
                crate::hex::encode(&self.0)
            }

            /// Reads [`Self::to_hex`] back; `None` unless 64 hex digits.
            #[must_use]
            pub fn from_hex(text: &str) -> Option<Self> {
                crate::hex::decode(text).map(Self)
            }
        }
    };
}
pub(crate) use hex_digest;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_what_is_not_a_digest() {
        let bytes: [u8; 32] = std::array::from_fn(|i| u8::try_from(i * 7).unwrap());
        let text = encode(&bytes);
        assert_eq!(text.len(), 64);
        assert_eq!(decode(&text), Some(bytes));
        assert_eq!(decode(&text[..62]), None);
        assert_eq!(decode(&format!("{}zz", &text[..62])), None);
        assert_eq!(decode(&"é".repeat(32)), None);
    }
}
