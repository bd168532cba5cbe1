//! Which jobs a transaction's writes enqueue (§C9, §E, §H, §J): the engine calls
//! [`jobs_for`] inside its `decide` step, so the jobs commit with the booking changes they
//! announce (ADR 0002).

use jiff::{SignedDuration, Timestamp};

use crate::ids::{BookingId, BusinessId};
use crate::outbox::{BookingEvent, BookingRef, Effect, Extras, NewJob};
use crate::ports::store::{SessionLoad, Write};

/// When reminders are due: `lead` before each new booking's start (a session's start is read
/// from the transaction's `sessions`).
#[derive(Clone, Copy, Debug)]
pub struct Reminders<'a> {
    /// How long before the start.
    pub lead: SignedDuration,
    /// The sessions the transaction loaded.
    pub sessions: &'a [SessionLoad],
}

/// Appends the jobs of the booking changes in `writes`: one per effect for each booking created
/// and for each status change (a reschedule's cancellation of the old booking is announced by
/// the new booking's `booking.rescheduled`), and with `reminders`, a `booking.reminder` email
/// due `lead` before each new booking's start (none when that moment has passed). `calendar`
/// jobs only when `calendar` (the business has calendar sync, §H).
#[must_use]
pub fn jobs_for(
    business: BusinessId,
    writes: &[Write],
    now: Timestamp,
    reminders: Option<Reminders<'_>>,
    extras: Extras,
) -> Vec<NewJob> {
    let moved: Vec<BookingId> = writes
        .iter()
        .filter_map(|w| match w {
            Write::InsertBooking(new) => new.rescheduled_from,
            _ => None,
        })
        .collect();
    let mut created = 0;
    let mut events = Vec::new();
    let mut later = Vec::new();
    for write in writes {
        match write {
            Write::InsertBooking(new) => {
                let event = if new.rescheduled_from.is_some() {
                    BookingEvent::Rescheduled
                } else {
                    BookingEvent::Created
                };
                events.push((event, BookingRef::Created(created)));
                if let Some(r) = reminders {
                    let start = match &new.target {
                        crate::booking::Target::Appointment { slot, .. } => Some(slot.start()),
                        crate::booking::Target::Session { session, .. } => r
                            .sessions
                            .iter()
                            .find(|l| l.session.id == *session)
                            .map(|l| l.session.interval.start()),
                    };
                    let due = start.and_then(|s| s.checked_sub(r.lead).ok()).filter(|d| *d > now);
                    if let Some(run_at) = due {
                        later.push(NewJob {
                            business,
                            effect: Effect::Notify,
                            event: BookingEvent::Reminder,
                            booking: BookingRef::Created(created),
                            run_at,
                        });
                    }
                }
                created += 1;
            }
            Write::ChangeStatus { booking, entry } if !moved.contains(booking) => {
                events.push((BookingEvent::Status(entry.to), BookingRef::Existing(*booking)));
            }
            _ => {}
        }
    }
    events
        .into_iter()
        .flat_map(|(event, booking)| {
            Effect::ALL.into_iter().filter(move |e| extras.wants(*e)).map(move |effect| NewJob {
                business,
                effect,
                event,
                booking,
                run_at: now,
            })
        })
        .chain(later)
        .collect()
}
