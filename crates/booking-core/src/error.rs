//! Error codes and their kinds: every refusal a use case gives carries a stable,
//! machine-readable code (`slot_taken`, `cancel_too_close`, …) and one [`Kind`], which is all an
//! adapter needs to answer it (HTTP maps the kind to a status in one place; the pages and the
//! Chrono-compatible API choose their wording from it). [`StoreError`], every storage port's
//! error, lives here too, so that this module depends on nothing else of the core.

/// What sort of refusal an error is, independent of any protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The thing acted on does not exist (for this caller).
    NotFound,
    /// The request is valid but the current state refuses it (a taken slot, a closed window).
    Conflict,
    /// A value given is not acceptable; the message says which and why.
    Invalid,
    /// The caller may not do this.
    Forbidden,
    /// Storage (or another of our own dependencies) failed; retrying later may work.
    Unavailable,
    /// An outside provider (calendar, video) refused or failed.
    Upstream,
}

/// A stable, machine-readable error code (`slot_taken`, `cancel_too_close`, …) and its kind.
pub trait ErrorCode {
    /// The code.
    fn code(&self) -> &'static str;
    /// What sort of refusal it is.
    fn kind(&self) -> Kind;
}

/// Declares a use case's error enum: each variant with its kind and code, or `delegate` to the
/// error it wraps, and its message.
///
/// ```ignore
/// error_enum!(
///     /// Why a hold was refused.
///     HoldError {
///         /// The slot is not free.
///         SlotTaken => (Conflict, "slot_taken"), "this slot is no longer available";
///         /// Storage failed.
///         Store(#[from] StoreError) => delegate, "{0}";
///     }
/// );
/// ```
macro_rules! error_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident $( ( $(#[$from:meta])? $inner:ty ) )? => $code:tt, $msg:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        pub enum $name {
            $($(#[$vdoc])* #[error($msg)] $variant $( ( $(#[$from])? $inner ) )?,)*
        }

        impl $crate::error::ErrorCode for $name {
            #[allow(unused_variables, reason = "the macro binds every payload, not all codes use it")]
            fn code(&self) -> &'static str {
                match self {
                    $($crate::error::error_enum!(@pat $name $variant $( ( $inner ) )?, e) => $crate::error::error_enum!(@code e $code),)*
                }
            }

            #[allow(unused_variables, reason = "the macro binds every payload, not all kinds use it")]
            fn kind(&self) -> $crate::error::Kind {
                match self {
                    $($crate::error::error_enum!(@pat $name $variant $( ( $inner ) )?, e) => $crate::error::error_enum!(@kind e $code),)*
                }
            }
        }
    };
    (@pat $name:ident $variant:ident ( $inner:ty ), $e:ident) => { $name::$variant($e) };
    (@pat $name:ident $variant:ident, $e:ident) => { $name::$variant };
    (@code $e:ident delegate) => { $crate::error::ErrorCode::code($e) };
    (@code $e:ident ($kind:ident, $code:literal)) => { $code };
    (@kind $e:ident delegate) => { $crate::error::ErrorCode::kind($e) };
    (@kind $e:ident ($kind:ident, $code:literal)) => { $crate::error::Kind::$kind };
}
pub(crate) use error_enum;

/// Implements [`ErrorCode`] for a type from a `match` of its values to `(Kind, "code")`.
macro_rules! error_codes {
    ($t:ty, |$e:ident| $body:expr) => {
        impl $crate::error::ErrorCode for $t {
            fn code(&self) -> &'static str {
                let $e = self;
                let (_, code): ($crate::error::Kind, &'static str) = $body;
                code
            }

            fn kind(&self) -> $crate::error::Kind {
                let $e = self;
                let (kind, _): ($crate::error::Kind, &'static str) = $body;
                kind
            }
        }
    };
}
pub(crate) use error_codes;

/// A value given that is not acceptable; the message names the field and says why. The
/// refusal of the core's input checks that have nothing more specific to say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl ErrorCode for InvalidValue {
    fn code(&self) -> &'static str {
        "invalid_value"
    }

    fn kind(&self) -> Kind {
        Kind::Invalid
    }
}

/// A storage failure that is not a business rule (every storage port's error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or the operation failed; retrying may help.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The stored data could not be read back into domain types.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A uniqueness rule of the store was violated (a duplicate slug, say).
    #[error("duplicate: {0}")]
    Duplicate(String),
}

impl ErrorCode for StoreError {
    fn code(&self) -> &'static str {
        "storage_unavailable"
    }

    fn kind(&self) -> Kind {
        Kind::Unavailable
    }
}
