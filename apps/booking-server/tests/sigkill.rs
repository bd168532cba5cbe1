//! §B4 over HTTP: the real binary books under load, is killed with SIGKILL, restarts on the same
//! database, and every booking that was answered 201 is there (SQLite and PostgreSQL).

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use booking_core::settings::Locale;
use booking_server::{create_business, engine, open_store};
use booking_store_postgres::scratch::ScratchDatabase;
use serde_json::json;

/// Starts the binary on `url`; its base URL from the line it prints.
fn spawn(url: &str, mail: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_booking-server"))
        .env("BOOKING_DATABASE_URL", url)
        .env("BOOKING_MAIL_URL", format!("file:{}", mail.display()))
        .env("BOOKING_LISTEN", "127.0.0.1:0")
        .env("BOOKING_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (child, base)
}

async fn books_under_load_then_sigkill(url: &str) {
    let store = open_store(url, 4).await.unwrap();
    let (b, key) = create_business(&engine(store.clone()), "Mairie", "Europe/Paris", Locale::Fr)
        .await
        .unwrap();
    drop(store);
    let key = key.expose().to_owned();
    let mail = tempfile::tempdir().unwrap();
    let (mut child, base) = spawn(url, mail.path());
    let http = common::client();
    let api = format!("{base}/api/v1/businesses/{}", b.id);
    let post = |path: &str, body: serde_json::Value| {
        http.post(format!("{api}{path}")).bearer_auth(&key).json(&body).send()
    };
    let desk =
        post("/resources", json!({"kind": "desk", "name": "G", "hours": common::always_open()}))
            .await
            .unwrap();
    let desk: serde_json::Value = desk.json().await.unwrap();
    let service: serde_json::Value = post(
        "/services",
        json!({"name": "S", "slug": "s", "duration_minutes": 5, "step_minutes": 5}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let agenda: serde_json::Value = post(
        "/agendas",
        json!({"name": "A", "slug": "a", "resources": [desk["id"]], "services": [service["id"]]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    // 8 clients book distinct 5-minute slots, one after another, until the kill.
    let start = common::now() + jiff::SignedDuration::from_hours(24 * 30);
    let start = jiff::Timestamp::from_second(start.as_second() - start.as_second() % 300).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..8_i64 {
        let (http, api, key, stop) = (http.clone(), api.clone(), key.clone(), stop.clone());
        let body = json!({"agenda_id": agenda["id"], "service_id": service["id"]});
        clients.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = 0_i64;
            while !stop.load(Ordering::Relaxed) {
                let at = start + jiff::SignedDuration::from_mins(5 * (n * 8 + client));
                n += 1;
                let mut body = body.clone();
                body["start"] = json!(at.to_string());
                let sent =
                    http.post(format!("{api}/bookings")).bearer_auth(&key).json(&body).send().await;
                match sent {
                    Ok(r) if r.status().as_u16() == 201 => {
                        if let Ok(v) = r.json::<serde_json::Value>().await {
                            acknowledged.push(v["id"].as_i64().unwrap());
                        }
                    }
                    Ok(r) => assert!(
                        r.status().as_u16() < 500 || stop.load(Ordering::Relaxed),
                        "{}",
                        r.status()
                    ),
                    Err(_) => break, // killed
                }
            }
            acknowledged
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for c in clients {
        acknowledged.extend(c.await.unwrap());
    }
    assert!(acknowledged.len() > 20, "the load ran: {} bookings", acknowledged.len());
    let (mut again, base) = spawn(url, mail.path());
    let api = format!("{base}/api/v1/businesses/{}", b.id);
    for id in &acknowledged {
        let r = http.get(format!("{api}/bookings/{id}")).bearer_auth(&key).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "booking {id} was acknowledged, then lost");
    }
    eprintln!("{url}: {} acknowledged bookings, all found after SIGKILL", acknowledged.len());
    again.kill().unwrap();
    again.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_keeps_every_acknowledged_booking() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("kill.db").to_string_lossy().into_owned();
    books_under_load_then_sigkill(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keeps_every_acknowledged_booking() {
    if let Some(db) = ScratchDatabase::for_test().await {
        books_under_load_then_sigkill(db.url()).await;
    }
}
