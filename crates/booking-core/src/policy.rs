//! §A6 Cancellation and reschedule windows.
//!
//! Evaluated on instants (UTC), so a DST change neither lengthens nor shortens a window. Bind
//! customers only; staff, agents, managers, admins and the system are exempt.

use jiff::{SignedDuration, Timestamp};

use crate::booking::Role;
use crate::catalog::Service;
use crate::error::Kind;
use crate::settings::Settings;

/// What a customer wants to do with a booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Cancel it.
    Cancel,
    /// Move it to another slot.
    Reschedule,
}

/// The windows in force for one service of one business.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowPolicy {
    /// Minimum time before the start to cancel.
    pub min_before_cancel: SignedDuration,
    /// Minimum time before the start to reschedule.
    pub min_before_reschedule: SignedDuration,
    /// Whether customers may reschedule at all.
    pub customers_may_reschedule: bool,
}

impl WindowPolicy {
    /// Business settings with the service's overrides.
    #[must_use]
    pub fn for_service(settings: &Settings, service: Option<&Service>) -> Self {
        Self {
            min_before_cancel: service
                .and_then(|s| s.min_before_cancel)
                .unwrap_or(settings.min_before_cancel),
            min_before_reschedule: service
                .and_then(|s| s.min_before_reschedule)
                .unwrap_or(settings.min_before_reschedule),
            customers_may_reschedule: settings.customers_may_reschedule,
        }
    }

    /// May `role` make `change` to a booking starting at `start`, at `now`?
    pub fn check(
        &self,
        change: Change,
        role: Role,
        start: Timestamp,
        now: Timestamp,
    ) -> Result<(), WindowError> {
        if !role.bound_by_windows() {
            return Ok(());
        }
        if start <= now {
            return Err(WindowError::InThePast);
        }
        let min = match change {
            Change::Cancel => self.min_before_cancel,
            Change::Reschedule if !self.customers_may_reschedule => {
                return Err(WindowError::RescheduleNotAllowed);
            }
            Change::Reschedule => self.min_before_reschedule,
        };
        let deadline = start.saturating_sub(min).unwrap_or(Timestamp::MIN);
        if now > deadline {
            return Err(match change {
                Change::Cancel => WindowError::CancelTooClose { deadline },
                Change::Reschedule => WindowError::RescheduleTooClose { deadline },
            });
        }
        Ok(())
    }
}

/// Why a customer may not change a booking now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// Too close to the start to cancel.
    #[error("it is too late to cancel: cancellation closed at {deadline}")]
    CancelTooClose {
        /// The last instant at which cancelling was allowed.
        deadline: Timestamp,
    },
    /// Too close to the start to reschedule.
    #[error("it is too late to reschedule: rescheduling closed at {deadline}")]
    RescheduleTooClose {
        /// The last instant at which rescheduling was allowed.
        deadline: Timestamp,
    },
    /// The business does not let customers reschedule.
    #[error("this business does not let customers reschedule")]
    RescheduleNotAllowed,
    /// The booking has started or is over.
    #[error("the appointment has already started")]
    InThePast,
}

crate::error::error_codes!(WindowError, |e| match e {
    WindowError::CancelTooClose { .. } => (Kind::Conflict, "cancel_too_close"),
    WindowError::RescheduleTooClose { .. } => (Kind::Conflict, "reschedule_too_close"),
    WindowError::RescheduleNotAllowed => (Kind::Conflict, "reschedule_not_allowed"),
    WindowError::InThePast => (Kind::Conflict, "in_the_past"),
});

/// Chrono's booking delays (§G): slots may start from the local midnight `min_days` days ahead
/// until the local midnight `max_days` days ahead (exclusive), counted in the business's zone,
/// so a delay of one day means "from tomorrow" whatever the hour. Agents may bypass them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookingDelays {
    /// Days from today's local midnight to the first bookable instant.
    pub min_days: u32,
    /// Days from today's local midnight to the first instant no longer bookable.
    pub max_days: u32,
}

impl BookingDelays {
    /// The business's Chrono delays.
    #[must_use]
    pub const fn of(settings: &Settings) -> Self {
        Self { min_days: settings.chrono_min_delay_days, max_days: settings.chrono_max_delay_days }
    }

    /// The earliest bookable instant and the first one past the window, at `now` in `zone`.
    #[must_use]
    pub fn window(&self, zone: &crate::time::Zone, now: Timestamp) -> (Timestamp, Timestamp) {
        let today = zone.local_date(now);
        let day = |n: u32| {
            today
                .checked_add(jiff::Span::new().days(i64::from(n)))
                .map_or(Timestamp::MAX, |d| zone.start_of_day(d))
        };
        (day(self.min_days), day(self.max_days))
    }

    /// Whether a slot starting at `start` lies inside the delays at `now`.
    #[must_use]
    pub fn allow(&self, zone: &crate::time::Zone, now: Timestamp, start: Timestamp) -> bool {
        let (earliest, latest) = self.window(zone, now);
        earliest <= start && start < latest
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn policy(cancel_h: i64, resched_h: i64, may: bool) -> WindowPolicy {
        WindowPolicy {
            min_before_cancel: SignedDuration::from_hours(cancel_h),
            min_before_reschedule: SignedDuration::from_hours(resched_h),
            customers_may_reschedule: may,
        }
    }

    fn check(
        p: WindowPolicy,
        change: Change,
        role: Role,
        hours_before: i64,
        expected: Result<(), &str>,
    ) {
        let start: Timestamp = "2026-10-25T10:00:00Z".parse().unwrap();
        let now = start - SignedDuration::from_hours(hours_before);
        assert_eq!(
            p.check(change, role, start, now).map_err(|e| e.code()),
            expected,
            "{change:?} {role:?} {hours_before}h"
        );
    }

    #[test]
    fn windows() {
        use Change::{Cancel, Reschedule};
        use Role::{Admin, Agent, Customer, Staff};
        check(policy(24, 0, false), Cancel, Customer, 25, Ok(()));
        check(policy(24, 0, false), Cancel, Customer, 24, Ok(()));
        check(policy(24, 0, false), Cancel, Customer, 23, Err("cancel_too_close"));
        check(policy(24, 0, false), Cancel, Staff, 1, Ok(()));
        check(policy(24, 0, false), Cancel, Agent, 0, Ok(()));
        check(policy(0, 0, false), Cancel, Customer, 0, Err("in_the_past"));
        check(policy(0, 0, false), Cancel, Customer, -3, Err("in_the_past"));
        check(policy(0, 0, false), Reschedule, Customer, 48, Err("reschedule_not_allowed"));
        check(policy(0, 0, false), Reschedule, Admin, 1, Ok(()));
        check(policy(0, 2, true), Reschedule, Customer, 3, Ok(()));
        check(policy(0, 2, true), Reschedule, Customer, 1, Err("reschedule_too_close"));
    }

    #[test]
    fn a_dst_night_does_not_change_the_window() {
        // Paris falls back on 2026-10-25 at 03:00: 24 h before 10:00Z is still exactly 24 h.
        check(policy(24, 0, false), Change::Cancel, Role::Customer, 24, Ok(()));
    }

    #[test]
    fn chrono_delays_count_local_midnights() {
        let paris = crate::time::Zone::parse("Europe/Paris").unwrap();
        let delays = BookingDelays { min_days: 1, max_days: 2 };
        // 23:30 on Saturday in Paris, the night the clocks go forward.
        let now: Timestamp = "2027-03-27T22:30:00Z".parse().unwrap();
        let (earliest, latest) = delays.window(&paris, now);
        assert_eq!(earliest, "2027-03-27T23:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(latest, "2027-03-28T22:00:00Z".parse::<Timestamp>().unwrap(), "a 23-hour day");
        assert!(!delays.allow(&paris, now, "2027-03-27T22:59:00Z".parse().unwrap()));
        assert!(delays.allow(&paris, now, earliest));
        assert!(!delays.allow(&paris, now, latest), "the maximal delay is exclusive");
        let none = BookingDelays { min_days: 0, max_days: 0 };
        assert!(!none.allow(&paris, now, now), "an empty window allows nothing");
    }
}
