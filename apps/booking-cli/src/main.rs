//! `booking`: the operator's command line. It works on the database directly (the same store
//! code as the server), so it runs with the server stopped or beside it.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use booking_core::Actor;
use booking_core::ids::{BusinessId, CustomerId, JobId, ResourceId};
use booking_core::outbox::JobState;
use booking_core::settings::Locale;
use booking_core::{Engine, Ports};
use booking_store::open_store;
use booking_system::{OsTokens, SystemClock};
use clap::{Parser, Subcommand};

/// Operate a booking database.
#[derive(Parser, Debug)]
#[command(name = "booking", version, about)]
struct Cli {
    /// The database: a SQLite file or `sqlite:` URL, or a `postgres://` URL.
    #[arg(long, env = "BOOKING_DATABASE_URL", default_value = "booking.db", global = true)]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Creates the database if missing and applies every migration.
    Migrate,
    /// Creates a business and prints its id and first admin API key (shown once).
    CreateBusiness {
        /// Its name.
        #[arg(long)]
        name: String,
        /// Its IANA time zone.
        #[arg(long)]
        zone: String,
        /// `fr` or `en`.
        #[arg(long, default_value = "fr")]
        locale: String,
    },
    /// Imports the events of an .ics file as exceptions (time off) of a resource.
    ImportIcs {
        /// The business.
        #[arg(long)]
        business: i64,
        /// The resource.
        #[arg(long)]
        resource: i64,
        /// The file.
        file: PathBuf,
    },
    /// Erases a customer's personal data and keeps their bookings.
    Anonymise {
        /// The business.
        #[arg(long)]
        business: i64,
        /// The customer.
        #[arg(long)]
        customer: i64,
    },
    /// Lists outbox jobs parked after repeated failures.
    ParkedJobs {
        /// The business.
        #[arg(long)]
        business: i64,
        /// Puts this parked job back in the queue.
        #[arg(long)]
        retry: Option<i64>,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let store = open_store(&cli.database, 2).await?;
    let engine = Engine::new(Ports {
        store: store.clone(),
        clock: Arc::new(SystemClock),
        tokens: Arc::new(OsTokens),
    });
    match cli.command {
        Command::Migrate => println!("{} is up to date", cli.database),
        Command::CreateBusiness { name, zone, locale } => {
            let locale = Locale::parse(&locale).context("--locale is fr or en")?;
            let (business, key) = engine.create_business(&name, &zone, locale).await?;
            println!(
                "business {} created ({}, {})",
                business.id,
                business.name,
                business.zone.name()
            );
            println!("admin API key (shown once): {}", key.expose());
        }
        Command::ImportIcs { business, resource, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let b = BusinessId::new(business);
            let r = ResourceId::new(resource);
            let found = store.resource(b, r).await?.context("no such resource in this business")?;
            let parsed = booking_core::ics::import(&text, &found.zone)?;
            for exception in parsed.exceptions.iter().cloned() {
                engine.add_exception(b, r, exception).await?;
            }
            println!("{} exceptions imported to {}", parsed.exceptions.len(), found.name);
            for why in &parsed.skipped {
                println!("skipped: {why}");
            }
        }
        Command::Anonymise { business, customer } => {
            let erased = engine
                .anonymise_customer(
                    BusinessId::new(business),
                    CustomerId::new(customer),
                    Actor::system(),
                )
                .await?;
            println!("{} anonymised; their bookings are kept", erased.display_name());
        }
        Command::ParkedJobs { business, retry } => {
            let b = BusinessId::new(business);
            if let Some(id) = retry {
                let now = engine.ports().clock.now();
                let queued = store.retry_parked(b, JobId::new(id), now).await?;
                anyhow::ensure!(queued, "job {id} is not a parked job of business {business}");
                println!("job {id} queued again");
                return Ok(());
            }
            let parked: Vec<_> =
                store.jobs(b).await?.into_iter().filter(|j| j.state == JobState::Parked).collect();
            if parked.is_empty() {
                println!("no parked jobs");
            }
            for j in parked {
                println!(
                    "job {}\t{}\t{}\tbooking {}\tattempts {}\t{}",
                    j.id,
                    j.effect.code(),
                    j.event.code(),
                    j.booking,
                    j.attempts,
                    j.last_error.unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}
