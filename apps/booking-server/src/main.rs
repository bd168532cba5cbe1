//! `booking-server`: serves the booking API over SQLite (default) or PostgreSQL.

use std::path::PathBuf;

use anyhow::Context as _;
use booking_server::{Config, Wiring, demo, open_store, start};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// The booking server. Settings come from `BOOKING_*` environment variables and an optional
/// TOML file; see docs/OPERATIONS.md.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// A TOML configuration file (environment variables override it).
    #[arg(long, env = "BOOKING_CONFIG")]
    config: Option<PathBuf>,
    /// Seed a demo business in a fresh database (`booking-demo.db` unless a database is
    /// configured) and print the URLs to open.
    #[arg(long)]
    demo: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = Config::load(args.config.as_deref(), |k| std::env::var(k).ok())?;
    init_logs(&config)?;
    let demo_file =
        args.demo && std::env::var("BOOKING_DATABASE_URL").is_err() && args.config.is_none();
    if demo_file {
        config.database_url = "booking-demo.db".to_owned();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("booking-demo.db{suffix}"));
        }
    }
    tracing::info!(
        database = %config.database_for_logs(),
        mail = %config.mail_for_logs(),
        listen = %config.listen,
        "starting"
    );
    let store = open_store(&config.database_url, config.pg_connections).await?;
    let running = start(&config, Wiring::from_config(&config, store)?, shutdown_signal()).await?;
    let base = format!("http://{}", running.addr);
    if args.demo {
        let d = demo::seed(running.state.engine()).await.context("cannot seed the demo")?;
        let b = d.business;
        let now = running.state.engine().ports().clock.now();
        let today = booking_core::time::Zone::parse("Europe/Paris")?.local_date(now);
        let week = today.checked_add(jiff::Span::new().days(7))?;
        println!("\nDemo business {b} is ready. Open:");
        println!("  booking page  {base}/b/{b}          (customers: pick a slot, sign up, log in)");
        println!("  customer area {base}/b/{b}/panel");
        println!("  API docs      {base}/api/v1/docs");
        println!("  services      {base}/api/v1/businesses/{b}/services");
        println!(
            "  availability  {base}/api/v1/businesses/{b}/availability?agenda_id={}&service_id={}&from={today}&to={week}",
            d.agenda, d.services[0]
        );
        println!(
            "  first slot    {base}/api/v1/businesses/{b}/availability/first?agenda_id={}&service_id={}",
            d.agenda, d.services[0]
        );
        println!("  yoga sessions {base}/api/v1/businesses/{b}/events/{}/sessions", d.event);
        println!("  health        {base}/healthz   metrics {base}/metrics");
        if let Some(dir) = config.mail_url.strip_prefix("file:") {
            println!("  emails        written as .eml files into {dir}/");
        }
        println!("\nAdmin API key (shown once): {}", d.admin_key);
        println!(
            "  curl -H 'Authorization: Bearer {}' {base}/api/v1/businesses/{b}/settings\n",
            d.admin_key
        );
    } else {
        println!("booking-server listening on {base} (API docs: {base}/api/v1/docs)");
    }
    running.wait().await
}

fn init_logs(config: &Config) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&config.log).context("BOOKING_LOG is not a valid filter")?;
    // Logs go to stderr (stdout carries the URLs to open); colours only on a terminal.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
