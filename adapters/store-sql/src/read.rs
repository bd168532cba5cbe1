//! Rows to domain values. Column names are the same in both databases.

use booking_core::access::{ApiKey, KeyDigest};
use booking_core::accounts::{AuthToken, TokenDigest, TokenPurpose};
use booking_core::booking::{Actor, Booking, BookingStatus, HistoryEntry, Role, Target};
use booking_core::catalog::{
    Account, Agenda, Business, Contact, Customer, Email, Event, EventKind, Resource, ResourceKind,
    Service, Session,
};
use booking_core::holds::{Hold, LockDigest};
use booking_core::ids::{
    AccountId, AgendaId, ApiKeyId, BookingId, BusinessId, CustomerId, EventId, ExceptionId, HoldId,
    JobId, ResourceId, ServiceId, SessionId,
};
use booking_core::outbox::{BookingEvent, Effect, Job, JobState};
use booking_core::ports::store::{AuditEntry, BusyBooking, IdempotentAnswer, StoreError};
use booking_core::schedule::Exception;
use booking_core::settings::Locale;
use booking_core::time::{Interval, Zone};

use crate::{Cells, corrupt, count, duration, instant, json};

fn interval(row: &impl Cells, start: &str, end: &str) -> Result<Interval, StoreError> {
    Interval::new(instant(row.int(start)?)?, instant(row.int(end)?)?)
        .map_err(|e| corrupt("interval", e))
}

fn opt_instant(row: &impl Cells, column: &str) -> Result<Option<jiff::Timestamp>, StoreError> {
    row.opt_int(column)?.map(instant).transpose()
}

fn opt_duration(
    row: &impl Cells,
    column: &str,
) -> Result<Option<booking_core::time::SignedDuration>, StoreError> {
    Ok(row.opt_int(column)?.map(duration))
}

fn zone(row: &impl Cells) -> Result<Zone, StoreError> {
    let name = row.text("zone")?;
    Zone::parse(&name).map_err(|e| corrupt("zone", e))
}

fn email(text: Option<String>) -> Result<Option<Email>, StoreError> {
    text.map(|t| Email::parse(&t).map_err(|e| corrupt("email", e))).transpose()
}

pub(crate) fn status(text: &str) -> Result<BookingStatus, StoreError> {
    BookingStatus::parse(text).ok_or_else(|| corrupt("status", text))
}

fn actor(row: &impl Cells) -> Result<Actor, StoreError> {
    let role = row.text("actor_role")?;
    let role = Role::parse(&role).ok_or_else(|| corrupt("role", role))?;
    Ok(Actor { role, user: row.opt_int("actor_user")? })
}

fn contact(row: &impl Cells) -> Result<Contact, StoreError> {
    Ok(Contact {
        first_name: row.text("first_name")?,
        last_name: row.text("last_name")?,
        email: email(row.opt_text("email")?)?,
        phone: row.opt_text("phone")?,
    })
}

fn id_of(row: &impl Cells, column: &str) -> Result<i64, StoreError> {
    row.opt_int(column)?.ok_or_else(|| corrupt(column, "missing"))
}

/// A `businesses` row.
pub fn business(row: &impl Cells) -> Result<Business, StoreError> {
    let locale = row.text("locale")?;
    Ok(Business {
        id: BusinessId::new(row.int("id")?),
        name: row.text("name")?,
        zone: zone(row)?,
        locale: Locale::parse(&locale).ok_or_else(|| corrupt("locale", locale))?,
        settings: json::read_settings(&row.text("settings")?)?,
        email: email(row.opt_text("email")?)?,
        phone: row.opt_text("phone")?,
        address: row.opt_text("address")?,
        revision: row.int("revision")?.unsigned_abs(),
        calendar_sync: row.flag("calendar_sync")?,
        video_meetings: row.flag("video_meetings")?,
    })
}

/// The stored code of a resource kind.
#[must_use]
pub const fn resource_kind(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Staff => "staff",
        ResourceKind::Desk => "desk",
    }
}

/// A `resources` row.
pub fn resource(row: &impl Cells) -> Result<Resource, StoreError> {
    let kind = match row.text("kind")?.as_str() {
        "staff" => ResourceKind::Staff,
        "desk" => ResourceKind::Desk,
        other => return Err(corrupt("resource kind", other)),
    };
    Ok(Resource {
        id: ResourceId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        kind,
        name: row.text("name")?,
        email: email(row.opt_text("email")?)?,
        zone: zone(row)?,
        hours: json::read_hours(&row.text("hours")?)?,
    })
}

/// An `exceptions` row with its resource.
pub fn exception(row: &impl Cells) -> Result<(ResourceId, Exception), StoreError> {
    Ok((
        ResourceId::new(row.int("resource_id")?),
        Exception {
            id: Some(ExceptionId::new(row.int("id")?)),
            interval: interval(row, "start_us", "end_us")?,
            label: row.text("label")?,
        },
    ))
}

/// An `agendas` row with its resources and services in order, aggregated as JSON arrays in the
/// columns `resource_ids` and `service_ids`.
pub fn agenda(row: &impl Cells) -> Result<Agenda, StoreError> {
    let ids = |column: &str| json::read_ids(&row.text(column)?);
    Ok(Agenda {
        id: AgendaId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        name: row.text("name")?,
        slug: row.text("slug")?,
        resources: ids("resource_ids")?.into_iter().map(ResourceId::new).collect(),
        services: ids("service_ids")?.into_iter().map(ServiceId::new).collect(),
        hold_ttl: opt_duration(row, "hold_ttl_s")?,
        backoffice_booking: row.flag("backoffice_booking")?,
    })
}

/// A `services` row.
pub fn service(row: &impl Cells) -> Result<Service, StoreError> {
    Ok(Service {
        id: ServiceId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        name: row.text("name")?,
        slug: row.text("slug")?,
        duration: duration(row.int("duration_s")?),
        step: opt_duration(row, "step_s")?,
        buffer_before: duration(row.int("buffer_before_s")?),
        buffer_after: duration(row.int("buffer_after_s")?),
        price_minor: row.int("price_minor")?,
        default_status: row.opt_text("default_status")?.as_deref().map(status).transpose()?,
        min_before_booking: opt_duration(row, "min_before_booking_s")?,
        min_before_cancel: opt_duration(row, "min_before_cancel_s")?,
        min_before_reschedule: opt_duration(row, "min_before_reschedule_s")?,
        fields: json::read_custom_fields(&row.text("fields")?)?,
        online: row.flag("online")?,
    })
}

/// The stored code of an event kind.
#[must_use]
pub const fn event_kind(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Event => "event",
        EventKind::Course => "course",
    }
}

/// An `events` row.
pub fn event(row: &impl Cells) -> Result<Event, StoreError> {
    let kind = match row.text("kind")?.as_str() {
        "event" => EventKind::Event,
        "course" => EventKind::Course,
        other => return Err(corrupt("event kind", other)),
    };
    Ok(Event {
        id: EventId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        kind,
        name: row.text("name")?,
        location: row.opt_text("location")?,
        capacity: count(row.int("capacity")?, "capacity")?,
        price_minor: row.int("price_minor")?,
        online: row.flag("online")?,
    })
}

/// A `sessions` row.
pub fn session(row: &impl Cells) -> Result<Session, StoreError> {
    Ok(Session {
        id: SessionId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        event: EventId::new(row.int("event_id")?),
        interval: interval(row, "start_us", "end_us")?,
        capacity: count(row.int("capacity")?, "capacity")?,
        leader: row.opt_int("leader_id")?.map(ResourceId::new),
    })
}

/// A `customers` row.
pub fn customer(row: &impl Cells) -> Result<Customer, StoreError> {
    Ok(Customer {
        id: CustomerId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        account: row.opt_int("account_id")?.map(AccountId::new),
        contact: contact(row)?,
        notes: row.text("notes")?,
        fields: json::read_pairs(&row.text("fields")?)?,
        anonymised_at: opt_instant(row, "anonymised_at_us")?,
    })
}

/// An `accounts` row.
pub fn account(row: &impl Cells) -> Result<Account, StoreError> {
    let address = row.text("email")?;
    Ok(Account {
        id: AccountId::new(row.int("id")?),
        email: Email::parse(&address).map_err(|e| corrupt("email", e))?,
        verified_at: opt_instant(row, "verified_at_us")?,
    })
}

/// An `auth_tokens` row.
pub fn auth_token(row: &impl Cells) -> Result<AuthToken, StoreError> {
    let digest = row.text("digest")?;
    let purpose = row.text("purpose")?;
    Ok(AuthToken {
        digest: TokenDigest::from_hex(&digest).ok_or_else(|| corrupt("digest", &digest))?,
        purpose: TokenPurpose::parse(&purpose).ok_or_else(|| corrupt("purpose", &purpose))?,
        account: row.opt_int("account_id")?.map(AccountId::new),
        business: row.opt_int("business_id")?.map(BusinessId::new),
        customer: row.opt_int("customer_id")?.map(CustomerId::new),
        booking: row.opt_int("booking_id")?.map(BookingId::new),
        api_key: row.opt_int("api_key_id")?.map(ApiKeyId::new),
        created_at: instant(row.int("created_at_us")?)?,
        expires_at: instant(row.int("expires_at_us")?)?,
    })
}

/// A `bookings` row.
pub fn booking(row: &impl Cells) -> Result<Booking, StoreError> {
    let target = match row.text("kind")?.as_str() {
        "appointment" => Target::Appointment {
            agenda: AgendaId::new(id_of(row, "agenda_id")?),
            service: ServiceId::new(id_of(row, "service_id")?),
            resource: ResourceId::new(id_of(row, "resource_id")?),
            slot: interval(row, "slot_start_us", "slot_end_us")?,
            busy: interval(row, "busy_start_us", "busy_end_us")?,
        },
        "session" => Target::Session {
            session: SessionId::new(id_of(row, "session_id")?),
            seats: count(row.int("seats")?, "seats")?,
        },
        other => return Err(corrupt("booking kind", other)),
    };
    Ok(Booking {
        id: BookingId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        target,
        customer: row.opt_int("customer_id")?.map(CustomerId::new),
        contact: contact(row)?,
        answers: json::read_pairs(&row.text("answers")?)?,
        status: status(&row.text("status")?)?,
        created_at: instant(row.int("created_at_us")?)?,
        rescheduled_from: row.opt_int("rescheduled_from")?.map(BookingId::new),
        locale: row.opt_text("locale")?.as_deref().and_then(booking_core::settings::Locale::parse),
    })
}

/// The occupancy columns of a `bookings` row.
pub fn busy_booking(row: &impl Cells) -> Result<BusyBooking, StoreError> {
    Ok(BusyBooking {
        id: BookingId::new(row.int("id")?),
        resource: ResourceId::new(id_of(row, "resource_id")?),
        busy: interval(row, "busy_start_us", "busy_end_us")?,
        status: status(&row.text("status")?)?,
    })
}

/// A `booking_history` row.
pub fn history_entry(row: &impl Cells) -> Result<HistoryEntry, StoreError> {
    Ok(HistoryEntry {
        at: instant(row.int("at_us")?)?,
        actor: actor(row)?,
        from: row.opt_text("from_status")?.as_deref().map(status).transpose()?,
        to: status(&row.text("to_status")?)?,
        reason: row.opt_text("reason")?,
    })
}

/// A `holds` row.
pub fn hold(row: &impl Cells) -> Result<Hold, StoreError> {
    let digest = row.text("lock_digest")?;
    let target = match row.text("kind")?.as_str() {
        "slot" => Target::Appointment {
            agenda: AgendaId::new(id_of(row, "agenda_id")?),
            service: ServiceId::new(id_of(row, "service_id")?),
            resource: ResourceId::new(id_of(row, "resource_id")?),
            slot: interval(row, "slot_start_us", "slot_end_us")?,
            busy: interval(row, "busy_start_us", "busy_end_us")?,
        },
        "session" => Target::Session {
            session: SessionId::new(id_of(row, "session_id")?),
            seats: count(row.int("seats")?, "seats")?,
        },
        other => return Err(corrupt("hold kind", other)),
    };
    Ok(Hold {
        id: HoldId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        lock: LockDigest::from_hex(&digest).ok_or_else(|| corrupt("lock digest", digest))?,
        target,
        created_at: instant(row.int("created_at_us")?)?,
        expires_at: instant(row.int("expires_at_us")?)?,
    })
}

/// An `outbox` row.
pub fn job(row: &impl Cells) -> Result<Job, StoreError> {
    let effect = row.text("effect")?;
    let event = row.text("event")?;
    let state = row.text("state")?;
    Ok(Job {
        id: JobId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        effect: Effect::parse(&effect).ok_or_else(|| corrupt("effect", effect))?,
        event: BookingEvent::parse(&event).ok_or_else(|| corrupt("event", event))?,
        booking: BookingId::new(row.int("booking_id")?),
        state: JobState::parse(&state).ok_or_else(|| corrupt("job state", state))?,
        attempts: count(row.int("attempts")?, "attempts")?,
        run_at: instant(row.int("run_at_us")?)?,
        lease_until: opt_instant(row, "lease_until_us")?,
        last_error: row.opt_text("last_error")?,
        created_at: instant(row.int("created_at_us")?)?,
    })
}

/// An `audit_log` row.
pub fn audit_entry(row: &impl Cells) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        business: BusinessId::new(row.int("business_id")?),
        at: instant(row.int("at_us")?)?,
        actor: actor(row)?,
        action: row.text("action")?,
        subject: row.text("subject")?,
    })
}

/// An `idempotency_keys` row.
pub fn answer(row: &impl Cells) -> Result<IdempotentAnswer, StoreError> {
    Ok(IdempotentAnswer {
        fingerprint: row.text("fingerprint")?,
        subject: row.text("subject")?,
        created_at: instant(row.int("created_at_us")?)?,
    })
}

/// An `external_busy` row.
pub fn external_busy(row: &impl Cells) -> Result<(ResourceId, Interval), StoreError> {
    Ok((ResourceId::new(row.int("resource_id")?), interval(row, "start_us", "end_us")?))
}

/// An `api_keys` row.
pub fn api_key(row: &impl Cells) -> Result<ApiKey, StoreError> {
    let role = row.text("role")?;
    let digest = row.text("digest")?;
    Ok(ApiKey {
        id: ApiKeyId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        name: row.text("name")?,
        role: Role::parse(&role).ok_or_else(|| corrupt("role", role))?,
        subject: row.opt_int("subject")?,
        prefix: row.text("prefix")?,
        digest: KeyDigest::from_hex(&digest).ok_or_else(|| corrupt("digest", "not hex"))?,
        created_at: instant(row.int("created_at_us")?)?,
        revoked_at: opt_instant(row, "revoked_at_us")?,
    })
}

/// A `webhooks` row.
pub fn webhook(row: &impl Cells) -> Result<booking_core::webhooks::Endpoint, StoreError> {
    Ok(booking_core::webhooks::Endpoint {
        id: booking_core::ids::WebhookId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        url: row.text("url")?,
        secret: booking_core::ports::tokens::Secret::new(row.text("secret")?),
        events: json::read_strings(&row.text("events")?)?,
        created_at: instant(row.int("created_at_us")?)?,
    })
}

/// A `webhook_deliveries` row.
pub fn delivery(row: &impl Cells) -> Result<booking_core::webhooks::Delivery, StoreError> {
    let status = row.opt_int("status")?;
    Ok(booking_core::webhooks::Delivery {
        business: BusinessId::new(row.int("business_id")?),
        endpoint: booking_core::ids::WebhookId::new(row.int("endpoint_id")?),
        job: JobId::new(row.int("job_id")?),
        booking: BookingId::new(row.int("booking_id")?),
        event: row.text("event")?,
        at: instant(row.int("at_us")?)?,
        status: status.map(|s| u16::try_from(s).map_err(|e| corrupt("status", e))).transpose()?,
        ok: row.flag("ok")?,
        error: row.opt_text("error")?,
    })
}

/// An `email_templates` row.
pub fn email_template(row: &impl Cells) -> Result<booking_core::notify::EmailTemplate, StoreError> {
    let trigger = row.text("trigger_code")?;
    let locale = row.text("locale")?;
    Ok(booking_core::notify::EmailTemplate {
        business: BusinessId::new(row.int("business_id")?),
        trigger: booking_core::notify::Trigger::parse(&trigger)
            .ok_or_else(|| corrupt("trigger", &trigger))?,
        locale: Locale::parse(&locale).ok_or_else(|| corrupt("locale", &locale))?,
        subject: row.text("subject")?,
        text: row.text("body")?,
    })
}

fn provider(row: &impl Cells) -> Result<booking_core::provider::Provider, StoreError> {
    let code = row.text("provider")?;
    booking_core::provider::Provider::parse(&code).ok_or_else(|| corrupt("provider", &code))
}

/// A `calendar_integrations` row.
pub fn integration(row: &impl Cells) -> Result<booking_core::calendar::Integration, StoreError> {
    Ok(booking_core::calendar::Integration {
        business: BusinessId::new(row.int("business_id")?),
        provider: provider(row)?,
        client_id: row.text("client_id")?,
        sealed_secret: row.text("sealed_secret")?,
        redirect_uri: row.text("redirect_uri")?,
    })
}

/// A `calendar_connections` row.
pub fn connection(row: &impl Cells) -> Result<booking_core::calendar::Connection, StoreError> {
    let state = row.text("state")?;
    Ok(booking_core::calendar::Connection {
        business: BusinessId::new(row.int("business_id")?),
        resource: ResourceId::new(row.int("resource_id")?),
        provider: provider(row)?,
        account: row.text("account")?,
        sealed_access: row.text("sealed_access")?,
        sealed_refresh: row.text("sealed_refresh")?,
        expires_at: instant(row.int("expires_at_us")?)?,
        state: booking_core::calendar::ConnectionState::parse(&state)
            .ok_or_else(|| corrupt("connection state", &state))?,
        last_sync: opt_instant(row, "last_sync_us")?,
        last_error: row.opt_text("last_error")?,
        connected_at: instant(row.int("connected_at_us")?)?,
    })
}

/// A `calendar_events` row.
pub fn pushed(row: &impl Cells) -> Result<booking_core::calendar::PushedRecord, StoreError> {
    Ok(booking_core::calendar::PushedRecord {
        business: BusinessId::new(row.int("business_id")?),
        key: row.text("event_key")?,
        resource: ResourceId::new(row.int("resource_id")?),
        provider: provider(row)?,
        external_id: row.text("external_id")?,
        meeting_url: row.opt_text("meeting_url")?,
    })
}

fn custom_link(row: &impl Cells) -> Result<booking_core::video::CustomLink, StoreError> {
    Ok(booking_core::video::CustomLink {
        url: row.opt_text("url")?.ok_or_else(|| corrupt("custom link", "no url"))?,
        password: row.opt_text("password")?,
        description: row.opt_text("description")?,
    })
}

/// A `video_accounts` row: its owner (`None`: the business's default) and the account.
pub fn video_account(
    row: &impl Cells,
) -> Result<(Option<ResourceId>, booking_core::video::StoredAccount), StoreError> {
    use booking_core::video::{MeetingApp, StoredAccount};
    let owner = row.int("owner")?;
    let owner = (owner != 0).then(|| ResourceId::new(owner));
    let kind = row.text("kind")?;
    let missing = |what: &str| corrupt("meeting service account", what);
    let account = match kind.as_str() {
        "meetings" => StoredAccount::Meetings(MeetingApp {
            provider: provider(row)?,
            account_id: row.opt_text("app_account_id")?.ok_or_else(|| missing("account id"))?,
            client_id: row.opt_text("app_client_id")?.ok_or_else(|| missing("client id"))?,
            sealed_secret: row.opt_text("app_sealed_secret")?.ok_or_else(|| missing("secret"))?,
            user: row.opt_text("app_user")?.ok_or_else(|| missing("user"))?,
        }),
        "custom" => StoredAccount::Custom(custom_link(row)?),
        "calendar" => StoredAccount::Calendar,
        other => return Err(corrupt("video account kind", other)),
    };
    Ok((owner, account))
}

/// A `course_links` row.
pub fn course_link(
    row: &impl Cells,
) -> Result<(EventId, booking_core::video::CustomLink), StoreError> {
    Ok((EventId::new(row.int("event_id")?), custom_link(row)?))
}

/// A `video_meetings` row.
pub fn meeting_record(row: &impl Cells) -> Result<booking_core::video::MeetingRecord, StoreError> {
    let provider = provider(row)?;
    Ok(booking_core::video::MeetingRecord {
        business: BusinessId::new(row.int("business_id")?),
        key: row.text("occasion_key")?,
        meeting: booking_core::video::StoredMeeting {
            host: booking_core::video::MeetingHost { provider, account: row.text("account")? },
            meeting_id: row.text("meeting_id")?,
        },
        join_url: row.text("join_url")?,
        start_url: row.opt_text("start_url")?,
        password: row.opt_text("password")?,
        app: booking_core::video::MeetingApp {
            provider,
            account_id: row.text("app_account_id")?,
            client_id: row.text("app_client_id")?,
            sealed_secret: row.text("app_sealed_secret")?,
            user: row.text("app_user")?,
        },
        interval: interval(row, "start_us", "end_us")?,
        made_at: instant(row.int("made_at_us")?)?,
    })
}

/// The stored kind, amount, period and services of a code's value.
#[must_use]
pub fn code_value(
    value: &booking_core::codes::Value,
) -> (&'static str, i64, Option<&'static str>, String) {
    let (kind, amount, period, services) = value.parts();
    let ids = json::ids(&services.iter().map(|s| s.get()).collect::<Vec<_>>());
    (kind, amount, period.map(booking_core::codes::Period::code), ids)
}

/// A `code_uses` row.
pub fn code_use(row: &impl Cells) -> Result<booking_core::codes::Use, StoreError> {
    Ok(booking_core::codes::Use {
        booking: row.opt_int("booking_id")?.map(BookingId::new),
        amount: row.int("amount")?,
        starts_at: instant(row.int("starts_at_us")?)?,
        refunded: row.opt_int("refunded_at_us")?.is_some(),
    })
}

/// A `codes` row, with its uses.
pub fn code(
    row: &impl Cells,
    uses: Vec<booking_core::codes::Use>,
) -> Result<booking_core::codes::StoredCode, StoreError> {
    use booking_core::codes::{Ledger, Period, Value};
    let amount = row.int("amount")?;
    let sessions = || u32::try_from(amount).map_err(|_| corrupt("code amount", amount));
    let services = || -> Result<Vec<ServiceId>, StoreError> {
        Ok(json::read_ids(&row.text("services")?)?.into_iter().map(ServiceId::new).collect())
    };
    let value = match row.text("kind")?.as_str() {
        "package" => Value::Package { sessions: sessions()?, services: services()? },
        "gift" => Value::Gift { amount_minor: amount },
        "subscription" => Value::Subscription {
            sessions: sessions()?,
            period: match row.opt_text("period")?.as_deref() {
                Some("week") => Period::Week,
                Some("month") => Period::Month,
                other => return Err(corrupt("code period", other.unwrap_or_default())),
            },
            services: services()?,
        },
        other => return Err(corrupt("code kind", other)),
    };
    Ok(booking_core::codes::StoredCode {
        id: booking_core::ids::CodeId::new(row.int("id")?),
        business: BusinessId::new(row.int("business_id")?),
        tail: row.text("tail")?,
        customer: row.opt_int("customer_id")?.map(CustomerId::new),
        note: row.text("note")?,
        ledger: Ledger {
            value,
            issued_at: instant(row.int("issued_at_us")?)?,
            expires_at: opt_instant(row, "expires_at_us")?,
            revoked: row.opt_int("revoked_at_us")?.is_some(),
            adjustment: row.int("adjustment")?,
            uses,
        },
    })
}
