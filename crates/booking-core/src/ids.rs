//! Identifiers of the vocabulary's entities.
//!
//! Every id is a distinct type so that a `ResourceId` can never be passed where a `BookingId` is
//! expected. Ids are assigned by the store (integers, as the Chrono-compatible API exposes them).

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            /// Wraps a raw id (as read from storage or a URL).
            #[must_use]
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            /// The raw integer, for storage and URLs.
            #[must_use]
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

id!(
    /// A tenant.
    BusinessId
);
id!(
    /// A staff member or a desk/room.
    ResourceId
);
id!(
    /// A bookable calendar grouping resources and services.
    AgendaId
);
id!(
    /// A kind of appointment.
    ServiceId
);
id!(
    /// An event or course (a group offering).
    EventId
);
id!(
    /// One occurrence of an event or course.
    SessionId
);
id!(
    /// A customer's reservation.
    BookingId
);
id!(
    /// A temporary pre-reservation.
    HoldId
);
id!(
    /// A business's client record.
    CustomerId
);
id!(
    /// A login identity shared across businesses.
    AccountId
);
id!(
    /// A package, gift certificate or subscription code.
    CodeId
);
id!(
    /// A date exception (time off, holiday) of a resource.
    ExceptionId
);
id!(
    /// A job of the outbox.
    JobId
);
id!(
    /// An API key of a business.
    ApiKeyId
);
id!(
    /// A webhook endpoint of a business.
    WebhookId
);
