//! The back office's agendas (§F): which agendas a member of staff sees (staff members the
//! ones they work in, agents and up all of them), whether they may book on each (the agenda's
//! setting and the role's, §F3), and what an agenda's calendar shows over a window.

use super::App;
use super::access::{UseCase, permits};
use super::catalog::CatalogError;
use crate::access::Principal;
use crate::booking::{Booking, Role};
use crate::catalog::{Agenda, Resource};
use crate::ids::BusinessId;
use crate::ports::store::Occupancy;
use crate::time::Interval;

/// An agenda as the back office shows it to one member of staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeAgenda {
    /// The agenda.
    pub agenda: Agenda,
    /// Whether they may book on it for customers.
    pub may_book: bool,
}

/// What an agenda's calendar shows over a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgendaDays {
    /// The agenda's resources, in its order (its columns).
    pub columns: Vec<Resource>,
    /// The bookings overlapping the window.
    pub bookings: Vec<Booking>,
    /// Its resources' occupancy (bookings and holds).
    pub occupancy: Occupancy,
}

impl App {
    /// The agendas this member of staff sees, with whether they may book on each.
    ///
    /// # Errors
    /// Denied (a caller of another business), storage.
    pub async fn office_agendas(
        &self,
        caller: &Principal,
        business: BusinessId,
    ) -> Result<Vec<OfficeAgenda>, CatalogError> {
        caller.member_of(business)?;
        if caller.role == Role::Customer {
            return Ok(Vec::new());
        }
        let books = permits(caller, business, UseCase::BookForCustomers);
        let all = self.engine.ports().store.agendas(business).await?;
        Ok(all
            .into_iter()
            .filter(|a| match caller.role {
                Role::Staff => {
                    caller.subject.is_some_and(|me| a.resources.iter().any(|r| r.get() == me))
                }
                _ => true,
            })
            .map(|agenda| OfficeAgenda { may_book: books && agenda.backoffice_booking, agenda })
            .collect())
    }

    /// The agenda of `slug`, when this member of staff sees it.
    ///
    /// # Errors
    /// Denied, not found (or not theirs), storage.
    pub async fn office_agenda(
        &self,
        caller: &Principal,
        business: BusinessId,
        slug: &str,
    ) -> Result<OfficeAgenda, CatalogError> {
        let all = self.office_agendas(caller, business).await?;
        all.into_iter().find(|a| a.agenda.slug == slug).ok_or(CatalogError::NotFound)
    }

    /// What the calendar of an agenda this member of staff sees shows over `window`.
    ///
    /// # Errors
    /// Denied, not found, storage.
    pub async fn agenda_days(
        &self,
        caller: &Principal,
        business: BusinessId,
        slug: &str,
        window: Interval,
    ) -> Result<AgendaDays, CatalogError> {
        let seen = self.office_agenda(caller, business, slug).await?;
        let store = &self.engine.ports().store;
        let resources = store.resources(business).await?;
        let ids = &seen.agenda.resources;
        Ok(AgendaDays {
            columns: ids
                .iter()
                .filter_map(|id| resources.iter().find(|r| r.id == *id).cloned())
                .collect(),
            bookings: store.bookings_in(business, window).await?,
            occupancy: store.occupancy(business, ids, window).await?,
        })
    }
}
