//! §E Booking notifications to customers: which email a booking event sends, its default
//! templates in French and English, the §E3 placeholder values, and the `notify` job handler
//! that composes it and hands it to the [`Mailer`] port.
//!
//! A job carries ids only (§B3): the email is composed when the job runs, from the booking as
//! it is then, so an anonymised customer is never mailed. Its `Message-ID` is derived from the
//! job, so a resend after a crash between sending and completing is recognisable as the same
//! message; the `.eml` development transport overwrites the same file.

use jiff::Timestamp;
use jiff::civil::{DateTime, Weekday};

use crate::BookingStatus;
use crate::booking::{Booking, Target};
use crate::catalog::{Business, Email};
use crate::ics::{self, FeedEvent, FeedStatus};
use crate::outbox::BookingEvent;
use crate::ports::mail::Attachment;
use crate::ports::mail::Message;
use crate::settings::Locale;
use crate::template::{Escape, Template, Values};
use crate::time::Interval;

/// What happened to a booking, as its customer is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// Booked and approved.
    Approved,
    /// Booked, awaiting approval.
    Pending,
    /// Canceled.
    Canceled,
    /// Rejected by staff.
    Rejected,
    /// Moved to another time.
    Rescheduled,
    /// Starting soon (the business's reminder lead before the start).
    Reminder,
    /// Its video link changed (§J4: staff chose to tell the booked customers).
    VideoLink,
}

impl Trigger {
    /// Every trigger.
    pub const ALL: [Self; 7] = [
        Self::Approved,
        Self::Pending,
        Self::Canceled,
        Self::Rejected,
        Self::Rescheduled,
        Self::Reminder,
        Self::VideoLink,
    ];

    /// The stable code (`booking_approved`, …) naming the template.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Approved => "booking_approved",
            Self::Pending => "booking_pending",
            Self::Canceled => "booking_canceled",
            Self::Rejected => "booking_rejected",
            Self::Rescheduled => "booking_rescheduled",
            Self::Reminder => "booking_reminder",
            Self::VideoLink => "booking_video_link",
        }
    }

    /// Reads [`Self::code`] back.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == text)
    }

    /// The email a booking event sends, if any (a no-show sends none; a reminder only for a
    /// booking that still holds).
    #[must_use]
    pub const fn of(event: BookingEvent, status: BookingStatus) -> Option<Self> {
        match event {
            BookingEvent::Rescheduled => Some(Self::Rescheduled),
            BookingEvent::Anonymised => None,
            BookingEvent::Reminder => match status {
                BookingStatus::Approved | BookingStatus::Pending => Some(Self::Reminder),
                _ => None,
            },
            BookingEvent::VideoChanged => match status {
                BookingStatus::Approved | BookingStatus::Pending => Some(Self::VideoLink),
                _ => None,
            },
            BookingEvent::Created | BookingEvent::Status(_) => match status {
                BookingStatus::Approved => Some(Self::Approved),
                BookingStatus::Pending => Some(Self::Pending),
                BookingStatus::Canceled => Some(Self::Canceled),
                BookingStatus::Rejected => Some(Self::Rejected),
                BookingStatus::NoShow => None,
            },
        }
    }

    /// The default subject and text in `locale`.
    #[must_use]
    pub const fn default_template(self, locale: Locale) -> (&'static str, &'static str) {
        match (locale, self) {
            (Locale::Fr, Self::Approved) => (
                "Votre rendez-vous du %appointment_date% est confirmé",
                "Bonjour %customer_first_name%,\n\nVotre rendez-vous « %service_name% » est confirmé le %appointment_date_time% (%time_zone%).\n\nEn ligne : %video_link%\nMot de passe : %video_password%\n%video_description%\n\nVos rendez-vous : %customer_panel_url%\nAnnuler ce rendez-vous : %appointment_cancel_url%\n\n%company_name%\n%company_address%\n%company_phone%\n",
            ),
            (Locale::Fr, Self::Pending) => (
                "Votre demande de rendez-vous du %appointment_date% est enregistrée",
                "Bonjour %customer_first_name%,\n\nVotre demande de rendez-vous « %service_name% » le %appointment_date_time% (%time_zone%) attend la confirmation de %company_name%. Vous recevrez un message dès qu'elle sera traitée.\n\nEn ligne : %video_link%\nMot de passe : %video_password%\n%video_description%\n\nVos rendez-vous : %customer_panel_url%\nAnnuler ce rendez-vous : %appointment_cancel_url%\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::Fr, Self::Canceled) => (
                "Votre rendez-vous du %appointment_date% est annulé",
                "Bonjour %customer_first_name%,\n\nVotre rendez-vous « %service_name% » du %appointment_date_time% (%time_zone%) est annulé.\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::Fr, Self::Rejected) => (
                "Votre demande de rendez-vous du %appointment_date% n'a pas pu être acceptée",
                "Bonjour %customer_first_name%,\n\n%company_name% n'a pas pu accepter votre demande de rendez-vous « %service_name% » du %appointment_date_time% (%time_zone%).\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::Fr, Self::Rescheduled) => (
                "Votre rendez-vous est déplacé au %appointment_date%",
                "Bonjour %customer_first_name%,\n\nVotre rendez-vous « %service_name% » du %initial_appointment_date_time% est déplacé au %appointment_date_time% (%time_zone%).\n\nEn ligne : %video_link%\nMot de passe : %video_password%\n%video_description%\n\nVos rendez-vous : %customer_panel_url%\nAnnuler ce rendez-vous : %appointment_cancel_url%\n\n%company_name%\n%company_address%\n%company_phone%\n",
            ),
            (Locale::Fr, Self::Reminder) => (
                "Rappel : votre rendez-vous du %appointment_date%",
                "Bonjour %customer_first_name%,\n\nNous vous rappelons votre rendez-vous « %service_name% » le %appointment_date_time% (%time_zone%).\n\nEn ligne : %video_link%\nMot de passe : %video_password%\n%video_description%\n\nVos rendez-vous : %customer_panel_url%\nAnnuler ce rendez-vous : %appointment_cancel_url%\n\n%company_name%\n%company_address%\n%company_phone%\n",
            ),
            (Locale::En, Self::Reminder) => (
                "Reminder: your appointment on %appointment_date%",
                "Hello %customer_first_name%,\n\nThis is a reminder of your appointment \"%service_name%\" on %appointment_date_time% (%time_zone%).\n\nOnline: %video_link%\nPassword: %video_password%\n%video_description%\n\nYour appointments: %customer_panel_url%\nCancel this appointment: %appointment_cancel_url%\n\n%company_name%\n%company_address%\n%company_phone%\n",
            ),
            (Locale::En, Self::Approved) => (
                "Your appointment on %appointment_date% is confirmed",
                "Hello %customer_first_name%,\n\nYour appointment \"%service_name%\" is confirmed for %appointment_date_time% (%time_zone%).\n\nOnline: %video_link%\nPassword: %video_password%\n%video_description%\n\nYour appointments: %customer_panel_url%\nCancel this appointment: %appointment_cancel_url%\n\n%company_name%\n%company_address%\n%company_phone%\n",
            ),
            (Locale::En, Self::Pending) => (
                "Your appointment request for %appointment_date% is received",
                "Hello %customer_first_name%,\n\nYour request for \"%service_name%\" on %appointment_date_time% (%time_zone%) awaits confirmation by %company_name%. You will hear from us as soon as it is handled.\n\nOnline: %video_link%\nPassword: %video_password%\n%video_description%\n\nYour appointments: %customer_panel_url%\nCancel this appointment: %appointment_cancel_url%\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::En, Self::Canceled) => (
                "Your appointment on %appointment_date% is canceled",
                "Hello %customer_first_name%,\n\nYour appointment \"%service_name%\" on %appointment_date_time% (%time_zone%) is canceled.\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::En, Self::Rejected) => (
                "Your appointment request for %appointment_date% could not be accepted",
                "Hello %customer_first_name%,\n\n%company_name% could not accept your request for \"%service_name%\" on %appointment_date_time% (%time_zone%).\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::Fr, Self::VideoLink) => (
                "Nouveau lien pour votre rendez-vous du %appointment_date%",
                "Bonjour %customer_first_name%,\n\nLe lien de votre rendez-vous « %service_name% » du %appointment_date_time% (%time_zone%) a changé.\n\nEn ligne : %video_link%\nMot de passe : %video_password%\n%video_description%\n\nVos rendez-vous : %customer_panel_url%\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::En, Self::VideoLink) => (
                "New link for your appointment on %appointment_date%",
                "Hello %customer_first_name%,\n\nThe link of your appointment \"%service_name%\" on %appointment_date_time% (%time_zone%) has changed.\n\nOnline: %video_link%\nPassword: %video_password%\n%video_description%\n\nYour appointments: %customer_panel_url%\n\n%company_name%\n%company_phone%\n",
            ),
            (Locale::En, Self::Rescheduled) => (
                "Your appointment is moved to %appointment_date%",
                "Hello %customer_first_name%,\n\nYour appointment \"%service_name%\" on %initial_appointment_date_time% is moved to %appointment_date_time% (%time_zone%).\n\nOnline: %video_link%\nPassword: %video_password%\n%video_description%\n\nYour appointments: %customer_panel_url%\nCancel this appointment: %appointment_cancel_url%\n\n%company_name%\n%company_address%\n%company_phone%\n",
            ),
        }
    }
}

const FR_DAYS: [&str; 7] =
    ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const EN_DAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn day_index(w: Weekday) -> usize {
    usize::try_from(w.to_monday_zero_offset()).unwrap_or(0)
}

fn month_index(m: i8) -> usize {
    usize::try_from(m - 1).unwrap_or(0).min(11)
}

/// `lundi 4 janvier 2027` / `Monday, January 4, 2027`.
#[must_use]
pub fn date(at: DateTime, locale: Locale) -> String {
    let (d, m, y) = (at.day(), month_index(at.month()), at.year());
    match locale {
        Locale::Fr => format!("{} {d} {} {y}", FR_DAYS[day_index(at.weekday())], FR_MONTHS[m]),
        Locale::En => format!("{}, {} {d}, {y}", EN_DAYS[day_index(at.weekday())], EN_MONTHS[m]),
    }
}

/// `09:00` / `9:00 AM`.
#[must_use]
pub fn time(at: DateTime, locale: Locale) -> String {
    match locale {
        Locale::Fr => format!("{:02}:{:02}", at.hour(), at.minute()),
        Locale::En => {
            let h = at.hour() % 12;
            let suffix = if at.hour() < 12 { "AM" } else { "PM" };
            format!("{}:{:02} {suffix}", if h == 0 { 12 } else { h }, at.minute())
        }
    }
}

/// `lundi 4 janvier 2027 à 09:00` / `Monday, January 4, 2027 at 9:00 AM`.
#[must_use]
pub fn date_time(at: DateTime, locale: Locale) -> String {
    let word = match locale {
        Locale::Fr => "à",
        Locale::En => "at",
    };
    format!("{} {word} {}", date(at, locale), time(at, locale))
}

fn minutes_text(minutes: i64, locale: Locale) -> String {
    match locale {
        Locale::Fr => format!("{minutes} min"),
        Locale::En => format!("{minutes} minutes"),
    }
}

/// Money in minor units as `12,50 €`-like text in the business locale (the currency is not a
/// setting yet: the amount only).
#[must_use]
pub fn price(minor: i64, locale: Locale) -> String {
    let (units, cents) = (minor / 100, (minor % 100).abs());
    match locale {
        Locale::Fr => format!("{units},{cents:02}"),
        Locale::En => format!("{units}.{cents:02}"),
    }
}

/// Everything an email about a booking may show.
#[derive(Clone, Debug)]
pub struct Subject<'a> {
    /// The business.
    pub business: &'a Business,
    /// The booking as it is now.
    pub booking: &'a Booking,
    /// What is booked (a service name or an event name) and its price in minor units.
    pub what: (String, i64),
    /// When.
    pub interval: Interval,
    /// Where (an event's location), if known.
    pub location: Option<String>,
    /// The staff member taking it, if any (name, email).
    pub employee: Option<(String, Option<Email>)>,
    /// Before a reschedule: when it was.
    pub initial: Option<Interval>,
    /// `%customer_panel_url%`, when the business has a panel.
    pub panel_url: Option<String>,
    /// `%appointment_cancel_url%`, while the booking can be canceled.
    pub cancel_url: Option<String>,
    /// The meeting link the employee's calendar made (§H3): the placeholder its provider fills
    /// (`google_meet_url`, `microsoft_teams_url`), if any, and the link.
    pub meeting: Option<(Option<&'static str>, String)>,
    /// The occasion's video link (§J), for `%video_link%`, `%video_password%`,
    /// `%video_description%` and, for a Zoom meeting, `%zoom_join_url%`.
    pub video: Option<crate::video::VideoLink>,
    /// The booking's place in its reschedule chain: its invitation keeps the chain's UID and
    /// a growing `SEQUENCE`.
    pub lineage: crate::booking::Lineage,
}

impl Subject<'_> {
    /// The customer's language: the one they booked in, else the business's.
    #[must_use]
    pub fn locale(&self) -> Locale {
        self.booking.locale.unwrap_or(self.business.locale)
    }

    /// The §E3 values, dates in the business zone and the customer's language.
    #[must_use]
    pub fn values(&self) -> Values {
        let b = self.business;
        let (locale, zone) = (self.locale(), &b.zone);
        let local = |t: Timestamp| zone.local(t);
        let start = local(self.interval.start());
        let end = local(self.interval.end());
        let minutes = self.interval.duration().as_mins();
        let c = &self.booking.contact;
        let mut v = Values::new()
            .with("customer_full_name", c.full_name())
            .with("customer_first_name", c.first_name.clone())
            .with("customer_email", c.email.as_ref().map(Email::as_str).unwrap_or_default())
            .with("customer_phone", c.phone.clone().unwrap_or_default())
            .with("appointment_id", self.booking.id.to_string())
            .with("appointment_date", date(start, locale))
            .with("appointment_date_time", date_time(start, locale))
            .with("appointment_start_time", time(start, locale))
            .with("appointment_end_time", time(end, locale))
            .with("appointment_duration", minutes_text(minutes, locale))
            .with("appointment_status", self.booking.status.code())
            .with("company_name", b.name.clone())
            .with("company_email", b.email.as_ref().map(Email::as_str).unwrap_or_default())
            .with("company_phone", b.phone.clone().unwrap_or_default())
            .with("company_address", b.address.clone().unwrap_or_default())
            .with("time_zone", zone.name());
        let (name, price_minor) = &self.what;
        match self.booking.target {
            Target::Appointment { .. } => {
                v.set("service_name", name.clone());
                v.set("service_duration", minutes_text(minutes, locale));
                v.set("service_price", price(*price_minor, locale));
            }
            Target::Session { .. } => {
                v.set("service_name", name.clone());
                v.set("event_name", name.clone());
                v.set("event_start_date_time", date_time(start, locale));
                v.set("event_location", self.location.clone().unwrap_or_default());
            }
        }
        if let Some((name, email)) = &self.employee {
            v.set("employee_full_name", name.clone());
            v.set("employee_email", email.as_ref().map(Email::as_str).unwrap_or_default());
        }
        if let Some(initial) = self.initial {
            v.set("initial_appointment_date_time", date_time(local(initial.start()), locale));
        }
        if let Some(url) = &self.panel_url {
            v.set("customer_panel_url", url.clone());
        }
        if let Some(url) = &self.cancel_url {
            v.set("appointment_cancel_url", url.clone());
        }
        if let Some((Some(placeholder), url)) = &self.meeting {
            v.set(placeholder, url.clone());
        }
        if let Some(link) = &self.video {
            // A meeting service's own placeholder (`%zoom_join_url%`), beside `%video_link%`.
            if let Some(service) = link.made_by {
                v.set(&format!("{service}_join_url"), link.url.clone());
            }
            v.set("video_link", link.url.clone());
            v.set("video_password", link.password.clone().unwrap_or_default());
            v.set("video_description", link.description.clone().unwrap_or_default());
        } else if let Some((_, url)) = &self.meeting {
            v.set("video_link", url.clone()); // the calendar's Meet / Teams link (§H3)
        }
        v
    }
}

/// A business's own wording of one email in one language (§E3), checked when saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailTemplate {
    /// Owner tenant.
    pub business: crate::ids::BusinessId,
    /// Which email.
    pub trigger: Trigger,
    /// In which language.
    pub locale: Locale,
    /// Subject line, with `%placeholders%`.
    pub subject: String,
    /// Plain-text body, with `%placeholders%`.
    pub text: String,
}

/// Why a template is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// Placeholders that do not exist (listed, for the author).
    #[error(transparent)]
    Unknown(#[from] crate::template::UnknownPlaceholders),
    /// Empty, too long, or a subject over one line.
    #[error("{0}")]
    Invalid(&'static str),
}

impl EmailTemplate {
    /// Checks a business's wording: known placeholders only (never sent silently wrong), a
    /// one-line subject of at most 200 characters, a body of 1 to 20,000.
    pub fn check(&self) -> Result<(), TemplateError> {
        if self.subject.trim().is_empty() || self.subject.chars().count() > 200 {
            return Err(TemplateError::Invalid("a subject is 1 to 200 characters"));
        }
        if self.subject.contains(['\r', '\n']) {
            return Err(TemplateError::Invalid("a subject is one line"));
        }
        if self.text.trim().is_empty() || self.text.chars().count() > 20_000 {
            return Err(TemplateError::Invalid("a body is 1 to 20000 characters"));
        }
        Template::parse(&self.subject)?;
        Template::parse(&self.text)?;
        Ok(())
    }
}

/// The email for `trigger`, or `None` when the customer gave no address. The invitation
/// (`.ics`) carries the UID of the booking's reschedule chain and a `SEQUENCE` that grows with
/// each move: `METHOD:REQUEST` for a booking that holds, `METHOD:CANCEL` otherwise.
#[must_use]
pub fn compose(
    trigger: Trigger,
    subject: &Subject<'_>,
    custom: Option<&EmailTemplate>,
    key: &str,
    now: Timestamp,
) -> Option<Message> {
    let to = subject.booking.contact.email.clone()?;
    let (subject_text, body) = match custom {
        Some(t) => (t.subject.as_str(), t.text.as_str()),
        None => trigger.default_template(subject.locale()),
    };
    let values = subject.values();
    let cancel = matches!(trigger, Trigger::Canceled | Trigger::Rejected);
    // An online appointment's invitation says where to join: the link as its place, in its
    // details (with the password) and as its conference, as calendar clients read them.
    let online = subject.video.as_ref().map(|v| v.url.clone());
    let description = subject.video.as_ref().map_or_else(String::new, |v| {
        let mut lines = vec![v.url.clone()];
        let password = match subject.locale() {
            Locale::Fr => "Mot de passe :",
            Locale::En => "Password:",
        };
        lines.extend(v.password.as_ref().map(|p| format!("{password} {p}")));
        lines.extend(v.description.clone());
        lines.join("\n")
    });
    let event = FeedEvent {
        uid: subject.lineage.uid(subject.business.id),
        sequence: subject.lineage.sequence(cancel),
        interval: subject.interval,
        summary: format!("{} — {}", subject.what.0, subject.business.name),
        description,
        location: online
            .clone()
            .or_else(|| subject.location.clone())
            .or_else(|| subject.business.address.clone()),
        conference: online,
        status: if cancel { FeedStatus::Cancelled } else { FeedStatus::Confirmed },
        stamp: now,
    };
    let method = if cancel { "CANCEL" } else { "REQUEST" };
    Some(Message {
        to,
        subject: render(subject_text, &values, false),
        text: render(body, &values, true),
        html: None,
        attachments: vec![Attachment {
            filename: "invitation.ics".to_owned(),
            content_type: format!("text/calendar; charset=utf-8; method={method}"),
            content: ics::invitation(
                method,
                subject.business.email.as_ref().map(Email::as_str),
                &event,
            )
            .into_bytes(),
        }],
        idempotency_key: key.to_owned(),
    })
}

/// Emails about a customer's account rather than a booking (§E1): each carries one link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountMail {
    /// Prove the address after signing up.
    Verify,
    /// Someone signed up with an address that already has an account: tell its owner.
    AlreadyRegistered,
    /// Choose a new password.
    Reset,
    /// Open the panel without a password (§D2).
    MagicLink,
}

impl AccountMail {
    /// Subject and body in `locale`; `{company}` and `{link}` are filled in.
    const fn wording(self, locale: Locale) -> (&'static str, &'static str) {
        match (locale, self) {
            (Locale::Fr, Self::Verify) => (
                "Confirmez votre adresse e-mail — {company}",
                "Bonjour,\n\nPour confirmer votre adresse et activer votre compte client, ouvrez ce lien puis cliquez sur « Confirmer mon adresse » :\n\n{link}\n\nLe lien est valable 48 heures. Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.\n\n{company}\n",
            ),
            (Locale::Fr, Self::AlreadyRegistered) => (
                "Vous avez déjà un compte — {company}",
                "Bonjour,\n\nQuelqu'un (vous, sans doute) a voulu créer un compte avec cette adresse, qui en a déjà un. Connectez-vous, ou choisissez un nouveau mot de passe ici :\n\n{link}\n\nSi ce n'était pas vous, ignorez ce message : rien n'a changé.\n\n{company}\n",
            ),
            (Locale::Fr, Self::Reset) => (
                "Choisir un nouveau mot de passe — {company}",
                "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien :\n\n{link}\n\nIl est valable une heure et ne sert qu'une fois. Si vous n'avez rien demandé, ignorez ce message.\n\n{company}\n",
            ),
            (Locale::Fr, Self::MagicLink) => (
                "Votre lien de connexion — {company}",
                "Bonjour,\n\nPour ouvrir votre espace client, ouvrez ce lien puis cliquez sur « Ouvrir mon espace » :\n\n{link}\n\nIl ne sert qu'une fois. Si vous n'avez rien demandé, ignorez ce message.\n\n{company}\n",
            ),
            (Locale::En, Self::Verify) => (
                "Confirm your email address — {company}",
                "Hello,\n\nTo confirm your address and activate your customer account, open this link and click \"Confirm my address\":\n\n{link}\n\nThe link is valid for 48 hours. If you did not sign up, ignore this message.\n\n{company}\n",
            ),
            (Locale::En, Self::AlreadyRegistered) => (
                "You already have an account — {company}",
                "Hello,\n\nSomeone (probably you) tried to sign up with this address, which already has an account. Log in, or choose a new password here:\n\n{link}\n\nIf it was not you, ignore this message: nothing has changed.\n\n{company}\n",
            ),
            (Locale::En, Self::Reset) => (
                "Choose a new password — {company}",
                "Hello,\n\nTo choose a new password, open this link:\n\n{link}\n\nIt is valid for one hour and works once. If you asked for nothing, ignore this message.\n\n{company}\n",
            ),
            (Locale::En, Self::MagicLink) => (
                "Your log-in link — {company}",
                "Hello,\n\nTo open your customer space, open this link and click \"Open my space\":\n\n{link}\n\nIt works once. If you asked for nothing, ignore this message.\n\n{company}\n",
            ),
        }
    }

    /// The email to `to` in `locale` for `business`, carrying `link`.
    #[must_use]
    pub fn message(
        self,
        locale: Locale,
        business: &Business,
        to: Email,
        link: &str,
        key: String,
    ) -> Message {
        let (subject, text) = self.wording(locale);
        let fill = |s: &str| s.replace("{company}", &business.name).replace("{link}", link);
        Message {
            to,
            subject: fill(subject),
            text: fill(text),
            html: None,
            attachments: Vec::new(),
            idempotency_key: key,
        }
    }
}

/// Renders a shipped or checked template (known placeholders only, so parsing cannot fail);
/// a body leaves out the lines whose placeholders all came out empty.
pub(crate) fn render(source: &str, values: &Values, body: bool) -> String {
    Template::parse(source)
        .map(|t| {
            if body { t.render_body(values, Escape::Text) } else { t.render(values, Escape::Text) }
        })
        .unwrap_or_default()
}

/// What the staff member taking a booking is told (§E1 staff notifications), in `locale`:
/// subject and body with §E3 placeholders. `None`: nothing to tell (a reminder, a no-show).
#[must_use]
pub const fn staff_template(
    trigger: Trigger,
    locale: Locale,
) -> Option<(&'static str, &'static str)> {
    Some(match (locale, trigger) {
        (_, Trigger::Reminder | Trigger::VideoLink) => return None,
        (Locale::Fr, Trigger::Approved) => (
            "Nouveau rendez-vous : %service_name%, %appointment_date_time%",
            "Bonjour %employee_full_name%,\n\nNouveau rendez-vous « %service_name% » le %appointment_date_time% (%time_zone%).\nEn ligne : %video_link%\n\nClient : %customer_full_name%\nE-mail : %customer_email%\nTéléphone : %customer_phone%\n\n%company_name%\n",
        ),
        (Locale::Fr, Trigger::Pending) => (
            "Demande à confirmer : %service_name%, %appointment_date_time%",
            "Bonjour %employee_full_name%,\n\nUne demande de rendez-vous « %service_name% » le %appointment_date_time% (%time_zone%) attend d'être confirmée.\nEn ligne : %video_link%\n\nClient : %customer_full_name%\nE-mail : %customer_email%\nTéléphone : %customer_phone%\n\n%company_name%\n",
        ),
        (Locale::Fr, Trigger::Canceled) => (
            "Rendez-vous annulé : %service_name%, %appointment_date_time%",
            "Bonjour %employee_full_name%,\n\nLe rendez-vous « %service_name% » du %appointment_date_time% (%time_zone%) est annulé.\n\nClient : %customer_full_name%\n\n%company_name%\n",
        ),
        (Locale::Fr, Trigger::Rejected) => (
            "Demande refusée : %service_name%, %appointment_date_time%",
            "Bonjour %employee_full_name%,\n\nLa demande de rendez-vous « %service_name% » du %appointment_date_time% (%time_zone%) est refusée.\n\nClient : %customer_full_name%\n\n%company_name%\n",
        ),
        (Locale::Fr, Trigger::Rescheduled) => (
            "Rendez-vous déplacé : %service_name%, %appointment_date_time%",
            "Bonjour %employee_full_name%,\n\nLe rendez-vous « %service_name% » du %initial_appointment_date_time% est déplacé au %appointment_date_time% (%time_zone%).\nEn ligne : %video_link%\n\nClient : %customer_full_name%\nE-mail : %customer_email%\nTéléphone : %customer_phone%\n\n%company_name%\n",
        ),
        (Locale::En, Trigger::Approved) => (
            "New appointment: %service_name%, %appointment_date_time%",
            "Hello %employee_full_name%,\n\nNew appointment \"%service_name%\" on %appointment_date_time% (%time_zone%).\nOnline: %video_link%\n\nCustomer: %customer_full_name%\nEmail: %customer_email%\nPhone: %customer_phone%\n\n%company_name%\n",
        ),
        (Locale::En, Trigger::Pending) => (
            "Request to confirm: %service_name%, %appointment_date_time%",
            "Hello %employee_full_name%,\n\nA request for \"%service_name%\" on %appointment_date_time% (%time_zone%) awaits confirmation.\nOnline: %video_link%\n\nCustomer: %customer_full_name%\nEmail: %customer_email%\nPhone: %customer_phone%\n\n%company_name%\n",
        ),
        (Locale::En, Trigger::Canceled) => (
            "Appointment canceled: %service_name%, %appointment_date_time%",
            "Hello %employee_full_name%,\n\nThe appointment \"%service_name%\" on %appointment_date_time% (%time_zone%) is canceled.\n\nCustomer: %customer_full_name%\n\n%company_name%\n",
        ),
        (Locale::En, Trigger::Rejected) => (
            "Request rejected: %service_name%, %appointment_date_time%",
            "Hello %employee_full_name%,\n\nThe request for \"%service_name%\" on %appointment_date_time% (%time_zone%) is rejected.\n\nCustomer: %customer_full_name%\n\n%company_name%\n",
        ),
        (Locale::En, Trigger::Rescheduled) => (
            "Appointment moved: %service_name%, %appointment_date_time%",
            "Hello %employee_full_name%,\n\nThe appointment \"%service_name%\" on %initial_appointment_date_time% is moved to %appointment_date_time% (%time_zone%).\nOnline: %video_link%\n\nCustomer: %customer_full_name%\nEmail: %customer_email%\nPhone: %customer_phone%\n\n%company_name%\n",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        text.parse().unwrap()
    }

    #[test]
    fn dates_read_naturally_in_each_locale() {
        let t = at("2027-01-04T09:05");
        assert_eq!(date_time(t, Locale::Fr), "lundi 4 janvier 2027 à 09:05");
        assert_eq!(date_time(t, Locale::En), "Monday, January 4, 2027 at 9:05 AM");
        assert_eq!(time(at("2027-08-15T00:30"), Locale::En), "12:30 AM");
        assert_eq!(time(at("2027-08-15T12:00"), Locale::En), "12:00 PM");
        assert_eq!(date(at("2027-08-15T12:00"), Locale::Fr), "dimanche 15 août 2027");
        assert_eq!(price(1250, Locale::Fr), "12,50");
        assert_eq!(price(1250, Locale::En), "12.50");
    }

    #[test]
    fn every_shipped_template_uses_known_placeholders() {
        for locale in [Locale::Fr, Locale::En] {
            for t in Trigger::ALL {
                let (subject, body) = t.default_template(locale);
                assert!(Template::parse(subject).is_ok(), "{t:?} {locale:?}");
                assert!(Template::parse(body).is_ok(), "{t:?} {locale:?}");
            }
        }
    }

    #[test]
    fn every_staff_template_uses_known_placeholders() {
        for locale in [Locale::Fr, Locale::En] {
            for t in Trigger::ALL {
                if let Some((subject, body)) = staff_template(t, locale) {
                    assert!(Template::parse(subject).is_ok(), "{t:?} {locale:?}");
                    assert!(Template::parse(body).is_ok(), "{t:?} {locale:?}");
                }
            }
        }
    }

    #[test]
    fn events_pick_their_email() {
        use BookingStatus::{Approved, Canceled, NoShow, Pending};
        assert_eq!(Trigger::of(BookingEvent::Created, Approved), Some(Trigger::Approved));
        assert_eq!(Trigger::of(BookingEvent::Created, Pending), Some(Trigger::Pending));
        assert_eq!(Trigger::of(BookingEvent::Rescheduled, Approved), Some(Trigger::Rescheduled));
        assert_eq!(Trigger::of(BookingEvent::Status(Canceled), Canceled), Some(Trigger::Canceled));
        assert_eq!(Trigger::of(BookingEvent::Status(NoShow), NoShow), None);
        assert_eq!(Trigger::of(BookingEvent::Reminder, Approved), Some(Trigger::Reminder));
        assert_eq!(Trigger::of(BookingEvent::Reminder, Pending), Some(Trigger::Reminder));
        assert_eq!(Trigger::of(BookingEvent::Reminder, Canceled), None);
    }
}
