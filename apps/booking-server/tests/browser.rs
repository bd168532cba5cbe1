//! §D The customer journeys in a real headless Chromium, driven through WebDriver
//! (chromedriver): sign up → book → see it in the panel → cancel; a magic link (the GET shows a
//! button, the POST logs in); reschedule allowed and refused inside the window; delete profile
//! → staff see "Client n° id" (the API keeps "Customer #id"); the panel 390 px wide. A
//! screenshot of each page is saved under `target/screenshots/` (a CI artifact).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`, installed by `scripts/setup.sh`). Without them the test says so and
//! passes — except under `CI=true`, where it fails.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::web::wait_for_mail;
use common::{Server, Tenant, setup};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, killed on drop with every Chromium it started (a test that
/// panics before closing its session would otherwise leave the browser running).
struct Driver(Child, u16, std::sync::Mutex<Vec<PathBuf>>);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let profiles = self.2.lock().map(|p| p.clone()).unwrap_or_default();
        for profile in profiles {
            // Each browser runs with its own profile folder: its processes name it.
            let _ = Command::new("pkill")
                .arg("-f")
                .arg("--")
                .arg(format!("--user-data-dir={}", profile.display()))
                .status();
            let _ = std::fs::remove_dir_all(profile);
        }
    }
}

async fn driver() -> Option<Driver> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true: Chromium and chromedriver must be installed (scripts/setup.sh)"
        );
        eprintln!(
            "NOTICE: {CHROMIUM} or {CHROMEDRIVER} missing: browser tests skipped (run scripts/setup.sh)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
        port,
        std::sync::Mutex::default(),
    );
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(driver: &Driver) -> Client {
    browser_with(driver, true).await
}

/// A browser with the page's JavaScript on or off (WebDriver's own scripts still run).
async fn browser_with(driver: &Driver, javascript: bool) -> Client {
    let profile = tempfile::tempdir().unwrap().keep();
    if let Ok(mut profiles) = driver.2.lock() {
        profiles.push(profile.clone());
    }
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())],
            "prefs": {"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }},
        }
    });
    let Value::Object(caps) = caps else { unreachable!() };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a Chromium session")
}

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Checks the page against WCAG 2.0/2.1 A and AA with axe-core, then saves its screenshot.
async fn shot(c: &Client, name: &str) {
    audit(c, name).await;
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots().join(format!("{name}.png")), png).unwrap();
}

/// axe-core's source, installed by `scripts/setup.sh` outside the clone (`BOOKING_AXE_DIR`).
/// Missing: the accessibility pass is skipped with a notice, except under `CI=true`.
fn axe_source() -> Option<&'static str> {
    static SOURCE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    SOURCE
        .get_or_init(|| {
            let dir =
                std::env::var("BOOKING_AXE_DIR").unwrap_or_else(|_| "/var/tmp/booking-axe".into());
            let path = PathBuf::from(dir).join("node_modules/axe-core/axe.min.js");
            match std::fs::read_to_string(&path) {
                Ok(source) => Some(source),
                Err(e) => {
                    assert!(
                        std::env::var("CI").as_deref() != Ok("true"),
                        "CI=true: axe-core must be installed at {} (scripts/setup.sh): {e}",
                        path.display()
                    );
                    eprintln!(
                        "NOTICE: {} missing: accessibility pass skipped (run scripts/setup.sh)",
                        path.display()
                    );
                    None
                }
            }
        })
        .as_deref()
}

/// Starts axe-core with the rules of WCAG 2.0 and 2.1, levels A and AA (what the RGAA asks);
/// the result lands in `window.__axe` (polled: with the page's JavaScript off, WebDriver's
/// asynchronous scripts never call back, its synchronous ones still run).
const AXE_START: &str = r#"
window.__axe = null;
axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  resultTypes: ['violations'],
}).then(r => { window.__axe = r.violations.map(v => ({
  rule: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' ')),
})); }).catch(e => { window.__axe = [{ rule: 'axe-error', help: String(e), nodes: [] }]; });
return true;
"#;

/// Runs axe-core on the page shown (injected through WebDriver: the page's own scripts and
/// content security policy play no part, so it works with JavaScript off too); any WCAG
/// A/AA violation fails the test with the rule, the elements and the page.
async fn audit(c: &Client, what: &str) {
    let Some(violations) = violations(c, what).await else { return };
    if !violations.is_empty() {
        let url = c.current_url().await.map(|u| u.to_string()).unwrap_or_default();
        let report = serde_json::to_string_pretty(&violations).unwrap_or_default();
        panic!("{what}: WCAG 2.1 A/AA violations on {url}:\n{report}");
    }
}

/// [`audit`] of a page shown with JavaScript off: axe-core needs the page's timers, which a
/// browser without JavaScript never runs, so the DOM that browser built (the page as served,
/// no script having touched it) is audited in `checker`, a browser with JavaScript, at the
/// same width.
async fn audit_without_javascript(c: &Client, checker: &Client, what: &str) {
    let html: String = serde_json::from_value(
        c.execute("return document.documentElement.outerHTML;", vec![]).await.unwrap(),
    )
    .unwrap();
    let (width, height) = c.get_window_size().await.unwrap();
    checker
        .set_window_size(u32::try_from(width).unwrap(), u32::try_from(height).unwrap())
        .await
        .unwrap();
    checker.goto("about:blank").await.unwrap();
    let write = "document.open(); document.write(arguments[0]); document.close(); return true;";
    checker.execute(write, vec![Value::String(format!("<!doctype html>{html}"))]).await.unwrap();
    audit(checker, what).await;
}

/// axe-core's WCAG A/AA violations on the page shown (`None` without axe-core).
async fn violations(c: &Client, what: &str) -> Option<Vec<Value>> {
    let axe = axe_source()?;
    let loaded = c.execute("return typeof window.axe === 'object';", vec![]).await.unwrap();
    if loaded != Value::Bool(true) {
        c.execute(&format!("{axe}\n;return true;"), vec![]).await.unwrap();
    }
    c.execute(AXE_START, vec![]).await.unwrap();
    let mut found = Value::Null;
    for _ in 0..600 {
        found = c.execute("return window.__axe;", vec![]).await.unwrap();
        if !found.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!found.is_null(), "{what}: axe-core gave no result in 30 s");
    Some(found.as_array().cloned().unwrap_or_default())
}

/// Waits (up to 10 s) until the page shows `needle` (a click's navigation may still run).
async fn see(c: &Client, needle: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(body) = c.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
        {
            if text.contains(needle) {
                return;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {needle:?}; it shows: {last}");
}

async fn fill(c: &Client, css: &str, value: &str) {
    let field = c.wait().for_element(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.wait().for_element(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

/// The demo agenda "accueil" with the back-office booking of agents on.
async fn agents_book_on_accueil(server: &Server, t: &Tenant, c: &common::Catalog) {
    let agenda = json!({"name": "Accueil", "slug": "accueil", "resources": [c.desk, c.staff],
                        "services": [c.service], "backoffice_booking": true});
    let path = t.path(&format!("/agendas/{}", c.agenda));
    let r = server.call(reqwest::Method::PUT, &path, Some(&t.admin), Some(agenda), &[]).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// The first slot offered starts at least ten minutes ahead: one listed at 18:59:59 must not
/// have started by the time the journey has booked it and looks at the panel.
async fn no_slot_starting_now(server: &Server, t: &Tenant) {
    settings(server, t, json!({"min_before_booking_minutes": 10})).await;
}

async fn settings(server: &Server, t: &Tenant, patch: Value) {
    let r = server
        .call(reqwest::Method::PATCH, &t.path("/settings"), Some(&t.admin), Some(patch), &[])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
}

/// Signs up, follows the verification email, logs in: the browser ends on the panel.
async fn sign_up_and_log_in(c: &Client, server: &Server, t: &Tenant, email: &str, shots_too: bool) {
    let base = &server.base;
    c.goto(&format!("{base}/b/{}/signup", t.id)).await.unwrap();
    fill(c, "#first_name", "Zoé").await;
    fill(c, "#last_name", "Martin").await;
    fill(c, "#email", email).await;
    fill(c, "#password", "correct horse battery").await;
    click(c, "#terms").await;
    if shots_too {
        shot(c, "01-sign-up").await;
    }
    click(c, "#sign-up").await;
    see(c, "Vérifiez votre messagerie").await;
    let link = wait_for_mail(&server.mail_dir, email, "/verify?token=")
        .await
        .link("/verify?token=")
        .unwrap();
    c.goto(&link).await.unwrap();
    if shots_too {
        shot(c, "02-verify-button").await;
    }
    c.find(Locator::Css("main form button")).await.unwrap().click().await.unwrap();
    see(c, "Votre adresse est confirmée").await;
    click(c, "main a.button").await;
    fill(c, "#email", email).await;
    fill(c, "#password", "correct horse battery").await;
    if shots_too {
        shot(c, "03-log-in").await;
    }
    click(c, "#log-in").await;
    c.wait().for_element(Locator::Css("#upcoming")).await.unwrap();
}

/// From the panel: book the `nth` free slot of the only service, back to the panel.
async fn book_from_panel(c: &Client, nth: usize, shots_too: bool) {
    click(c, "main a.button").await; // "Prendre un autre rendez-vous"
    if shots_too {
        shot(c, "04-services").await;
    }
    click(c, "ul.services a").await;
    c.wait().for_element(Locator::Css("button.slot")).await.unwrap();
    if shots_too {
        shot(c, "05-week").await;
    }
    let slots = c.find_all(Locator::Css("button.slot")).await.unwrap();
    slots[nth].click().await.unwrap();
    c.wait().for_element(Locator::Css("#confirm")).await.unwrap();
    let email = c.find(Locator::Css("#email")).await.unwrap();
    assert!(
        email.attr("readonly").await.unwrap().is_some(),
        "a logged-in customer's email is fixed"
    );
    if shots_too {
        shot(c, "06-details").await;
    }
    click(c, "#confirm").await;
    c.wait().for_element(Locator::Css("#booked")).await.unwrap();
    if shots_too {
        shot(c, "07-booked").await;
    }
    click(c, "#to-panel").await;
    c.wait().for_element(Locator::Css("#upcoming")).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customer_journeys_in_a_real_browser() {
    let Some(driver) = driver().await else { return };
    let server = Server::sqlite().await;
    let base = server.base.clone();

    // 1. Sign up → book → see it in the panel → cancel.
    let t = server.tenant("Mairie").await;
    setup(&server, &t).await;
    no_slot_starting_now(&server, &t).await;
    let c = browser(&driver).await;
    sign_up_and_log_in(&c, &server, &t, "zoe@example.org", true).await;
    book_from_panel(&c, 0, true).await;
    let upcoming = c.find(Locator::Css("#upcoming")).await.unwrap().text().await.unwrap();
    assert!(upcoming.contains("Passeport") && upcoming.contains("Confirmé"), "{upcoming}");
    shot(&c, "08-panel").await;
    click(&c, "#upcoming button.cancel").await;
    c.wait().for_element(Locator::Css("#confirm-yes")).await.unwrap();
    shot(&c, "09-cancel-asks-first").await;
    click(&c, "#confirm-yes").await;
    c.wait().for_element(Locator::Css("#notice")).await.unwrap();
    see(&c, "Le rendez-vous est annulé").await;
    shot(&c, "09-canceled").await;

    // 5. The panel on a phone: 390 px wide, nothing wider than the screen.
    book_from_panel(&c, 1, false).await;
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/b/{}/panel", t.id)).await.unwrap();
    let fits = c
        .execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(fits, Value::Bool(true), "the panel fits 390 px");
    shot(&c, "10-panel-390px").await;
    c.goto(&format!("{base}/b/{}/book?agenda=1&service=1", t.id)).await.unwrap();
    shot(&c, "11-week-390px").await;
    c.set_window_size(1280, 900).await.unwrap();
    c.close().await.unwrap();

    // 2. Magic link: the GET shows a button and logs nobody in; the POST does.
    let t2 = server.tenant("Sans mot de passe").await;
    let c2 = setup(&server, &t2).await;
    no_slot_starting_now(&server, &t2).await;
    settings(&server, &t2, json!({"require_password": false})).await;
    let c = browser(&driver).await;
    c.goto(&format!("{base}/b/{}/book?agenda={}&service={}", t2.id, c2.agenda, c2.service))
        .await
        .unwrap();
    click(&c, "button.slot").await;
    fill(&c, "#first_name", "Bo").await;
    fill(&c, "#last_name", "Diaz").await;
    fill(&c, "#email", "bo@example.org").await;
    click(&c, "#confirm").await;
    c.wait().for_element(Locator::Css("#booked")).await.unwrap();
    let magic = wait_for_mail(&server.mail_dir, "bo@example.org", "/magic?token=")
        .await
        .link("/magic?token=")
        .unwrap();
    c.goto(&magic).await.unwrap();
    see(&c, "Ouvrir mon espace").await;
    shot(&c, "12-magic-link-button").await;
    c.goto(&format!("{base}/b/{}/panel", t2.id)).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"), "the GET logged nobody in");
    c.goto(&magic).await.unwrap();
    click(&c, "main form button").await;
    c.wait().for_element(Locator::Css("#upcoming")).await.unwrap();
    assert!(
        c.find(Locator::Css("#upcoming"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Passeport")
    );
    shot(&c, "13-magic-link-panel").await;
    c.close().await.unwrap();

    // 3. Reschedule: allowed outside the window, refused (with the reason) inside it.
    let t3 = server.tenant("Déplacements").await;
    setup(&server, &t3).await;
    no_slot_starting_now(&server, &t3).await;
    settings(
        &server,
        &t3,
        json!({"customers_may_reschedule": true, "min_before_reschedule_minutes": 1440}),
    )
    .await;
    let c = browser(&driver).await;
    sign_up_and_log_in(&c, &server, &t3, "al@example.org", false).await;
    book_from_panel(&c, 1, false).await; // within the next day: inside the window
    book_far(&c).await;
    let rows = c.find_all(Locator::Css("#upcoming li")).await.unwrap();
    assert_eq!(rows.len(), 2);
    let near = rows[0].text().await.unwrap();
    assert!(near.contains("trop tard pour déplacer"), "{near}");
    assert!(rows[0].find(Locator::Css("a.reschedule")).await.is_err());
    shot(&c, "14-reschedule-refused-and-allowed").await;
    rows[1].find(Locator::Css("a.reschedule")).await.unwrap().click().await.unwrap();
    c.wait().for_element(Locator::Css("button.slot")).await.unwrap();
    shot(&c, "15-reschedule-week").await;
    let slots = c.find_all(Locator::Css("button.slot")).await.unwrap();
    slots[5].click().await.unwrap();
    c.wait().for_element(Locator::Css("#confirm-yes")).await.unwrap();
    click(&c, "#confirm-yes").await;
    c.wait().for_element(Locator::Css("#notice")).await.unwrap();
    see(&c, "Le rendez-vous est déplacé").await;
    let upcoming = c.find(Locator::Css("#upcoming")).await.unwrap().text().await.unwrap();
    let past = c.find(Locator::Css("#past")).await.unwrap().text().await.unwrap();
    assert!(
        !upcoming.contains("Annulé") && past.contains("Déplacé") && !past.contains("Annulé"),
        "the old time says it moved, not that it was canceled: {upcoming} / {past}"
    );
    shot(&c, "16-rescheduled").await;
    c.close().await.unwrap();

    // 4. Delete profile → logged out; staff see "Customer #id".
    let t4 = server.tenant("Effacement").await;
    setup(&server, &t4).await;
    no_slot_starting_now(&server, &t4).await;
    settings(&server, &t4, json!({"customers_may_delete_profile": true})).await;
    let c = browser(&driver).await;
    sign_up_and_log_in(&c, &server, &t4, "ed@example.org", false).await;
    book_from_panel(&c, 0, false).await;
    let id: i64 = c
        .find(Locator::Css("#upcoming li"))
        .await
        .unwrap()
        .attr("data-booking")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    c.goto(&format!("{base}/b/{}/panel/profile", t4.id)).await.unwrap();
    shot(&c, "17-profile").await;
    assert!(c.find(Locator::Css("#delete-account")).await.is_ok(), "the account's own exit shows");
    let title = c.title().await.unwrap();
    assert!(!title.contains('<'), "the title is text: {title}");
    click(&c, "#delete-profile").await;
    c.wait().for_element(Locator::Css("#delete-upcoming")).await.unwrap();
    // Keep the appointment (without the name): staff see it as "Client n° id".
    click(&c, "#cancel-upcoming").await;
    shot(&c, "18-delete-confirm").await;
    click(&c, "#confirm-yes").await;
    see(&c, "Votre profil est supprimé").await;
    shot(&c, "19-deleted").await;
    c.goto(&format!("{base}/b/{}/panel", t4.id)).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/login"), "logged out");
    let booking = server.get(&t4.path(&format!("/bookings/{id}")), Some(&t4.admin)).await;
    let customer = booking.body["customer_id"].as_i64().unwrap();
    let staff_view = server.get(&t4.path(&format!("/customers/{customer}")), Some(&t4.admin)).await;
    assert_eq!(staff_view.body["display_name"], format!("Customer #{customer}"));
    // And in the back office's calendar, in the agent's language.
    let office = server
        .post(&t4.path("/api-keys"), Some(&t4.admin), json!({"name": "agent", "role": "agent"}))
        .await;
    let agent = office.body["key"].as_str().unwrap().to_owned();
    c.goto(&format!("{base}/b/{}/office/login", t4.id)).await.unwrap();
    fill(&c, "#key", &agent).await;
    click(&c, "#office-log-in").await;
    c.wait().for_element(Locator::Css("#agendas")).await.unwrap();
    let when = booking.body["start"].as_str().unwrap_or_default().to_owned();
    let date = when.get(..10).unwrap_or_default().to_owned();
    c.goto(&format!("{base}/b/{}/office/agendas/accueil?date={date}", t4.id)).await.unwrap();
    see(&c, &format!("Client n° {customer}")).await;
    shot(&c, "29-office-anonymised-customer").await;
    c.close().await.unwrap();
    server.stop().await;
}

/// From the panel: book a slot three days ahead (outside a one-day window).
async fn book_far(c: &Client) {
    click(c, "main a.button").await;
    click(c, "ul.services a").await;
    c.wait().for_element(Locator::Css("#next-week")).await.unwrap();
    let url = c.current_url().await.unwrap();
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let from = common::now().to_zoned(paris).date() + jiff::Span::new().days(3);
    c.goto(&format!("{url}&from={from}")).await.unwrap();
    click(c, "button.slot").await;
    click(c, "#confirm").await;
    c.wait().for_element(Locator::Css("#booked")).await.unwrap();
    click(c, "#to-panel").await;
    c.wait().for_element(Locator::Css("#upcoming")).await.unwrap();
}

/// §F1–§F3 in a real browser: an agent signs in, opens the day and week views, clicks a free
/// slot — the prefilled form opens in a `<dialog>` — goes to the booking form and confirms; the
/// booking shows in the view. A second agent's session trying the same slot meanwhile is told
/// it is taken; "Add a booking" prefills the first free slot; a staff member without the role
/// cannot reach the form. Screenshots of the day and week views under `target/screenshots/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_agent_books_from_the_calendar_in_a_real_browser() {
    let Some(driver) = driver().await else { return };
    let server = Server::sqlite().await;
    let base = server.base.clone();
    let t = server.tenant("Mairie").await;
    let c = setup(&server, &t).await;
    let admin = Some(t.admin.as_str());
    agents_book_on_accueil(&server, &t, &c).await;
    let mut keys = Vec::new();
    for (role, subject) in [("agent", None), ("agent", None), ("staff", Some(c.staff))] {
        let k = server
            .post(
                &t.path("/api-keys"),
                admin,
                json!({"name": role, "role": role, "subject": subject}),
            )
            .await;
        keys.push(k.body["key"].as_str().unwrap().to_owned());
    }
    let sign_in = async |c: &Client, key: &str| {
        c.goto(&format!("{base}/b/{}/office/login", t.id)).await.unwrap();
        fill(c, "#key", key).await;
        click(c, "#office-log-in").await;
        c.wait().for_element(Locator::Css("#agendas")).await.unwrap();
    };
    let a = browser(&driver).await;
    sign_in(&a, &keys[0]).await;
    shot(&a, "20-office-home").await;
    click(&a, "#agendas a").await;
    a.wait().for_element(Locator::Css("#calendar")).await.unwrap();
    let day = common::next_monday();
    let view = format!("{base}/b/{}/office/agendas/accueil?service={}&date={day}", t.id, c.service);
    a.goto(&format!("{view}&view=week")).await.unwrap();
    a.wait().for_element(Locator::Css("#calendar")).await.unwrap();
    shot(&a, "21-office-week").await;
    a.goto(&view).await.unwrap();
    a.wait().for_element(Locator::Css("#calendar")).await.unwrap();
    shot(&a, "22-office-day").await;
    let slot =
        a.find(Locator::Css(&format!("a.free-slot[href$='start={day}T10:00']"))).await.unwrap();
    let href = slot.attr("href").await.unwrap().unwrap();
    slot.click().await.unwrap();
    a.wait().for_element(Locator::Css("dialog[open] #to-form")).await.unwrap();
    let start =
        a.find(Locator::Css("dialog[open] #start")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(start.as_deref(), Some(format!("{day}T10:00").as_str()), "the popup is prefilled");
    shot(&a, "23-office-dialog").await;
    click(&a, "dialog[open] #to-form").await;
    a.wait().for_element(Locator::Css("#confirm")).await.unwrap();
    // Meanwhile a second agent tries the same slot on the same desk.
    let b = browser(&driver).await;
    sign_in(&b, &keys[1]).await;
    b.goto(&format!("{base}{href}")).await.unwrap();
    click(&b, "#to-form").await;
    see(&b, "vient d'être pris").await;
    shot(&b, "24-office-slot-taken").await;
    // The first agent completes the form: the booking is in the view.
    fill(&a, "#first_name", "Zoé").await;
    fill(&a, "#last_name", "Martin").await;
    shot(&a, "25-office-form").await;
    click(&a, "#confirm").await;
    see(&a, "Le rendez-vous est enregistré").await;
    assert!(
        a.find(Locator::Css("td.booked"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Zoé Martin")
    );
    shot(&a, "26-office-booked").await;
    // "Add a booking": the popup opens on the first free slot.
    click(&a, "#add-booking").await;
    let first = a
        .wait()
        .for_element(Locator::Css("dialog[open] #start"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(!first.is_empty());
    // On a phone: the page fits the screen (the calendar scrolls inside its own box) and
    // "Add a booking" opens the form by touch as well.
    a.set_window_size(390, 844).await.unwrap();
    a.goto(&view).await.unwrap();
    a.wait().for_element(Locator::Css("#calendar")).await.unwrap();
    let fits = a
        .execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(fits, Value::Bool(true), "the back office fits 390 px");
    shot(&a, "27-office-day-390px").await;
    click(&a, "#add-booking").await;
    a.wait().for_element(Locator::Css("dialog[open] #to-form")).await.unwrap();
    shot(&a, "28-office-add-390px").await;
    a.close().await.unwrap();
    b.close().await.unwrap();
    // A staff member sees the calendar but no way to book.
    let s = browser(&driver).await;
    sign_in(&s, &keys[2]).await;
    s.goto(&view).await.unwrap();
    s.wait().for_element(Locator::Css("#calendar")).await.unwrap();
    assert!(s.find(Locator::Css("a.free-slot")).await.is_err());
    s.goto(&format!("{base}/b/{}/office/agendas/accueil/new", t.id)).await.unwrap();
    assert!(s.find(Locator::Css("#to-form")).await.is_err(), "no form for a staff member");
    s.close().await.unwrap();
    server.stop().await;
}

/// The back office's set-up pages an admin uses — profile and calendar, calendar integrations
/// and options, video, codes — in French and in English, at 1280 px and on a 390 px phone:
/// each shows its heading, fits the screen, and its forms work (calendar options, video
/// privacy, issuing a code shown once and finding it by its last symbols).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_back_office_set_up_pages_in_a_real_browser() {
    let Some(driver) = driver().await else { return };
    let server = Server::sqlite().await;
    let base = server.base.clone();
    let t = server.tenant("Mairie").await;
    setup(&server, &t).await;
    let c = browser(&driver).await;
    c.goto(&format!("{base}/b/{}/office/login", t.id)).await.unwrap();
    fill(&c, "#key", &t.admin).await;
    click(&c, "#office-log-in").await;
    c.wait().for_element(Locator::Css("#agendas")).await.unwrap();
    let page = |rest: &str| format!("{base}/b/{}/office{rest}", t.id);
    for (lang, heading, google, zoom) in [
        ("fr", "forfaits, cartes cadeaux", "Google Agenda", "Zoom (application serveur à serveur)"),
        ("en", "packages, gift certificates", "Google Calendar", "Zoom (server-to-server app)"),
    ] {
        for width in [1280_u32, 390] {
            c.set_window_size(width, 900).await.unwrap();
            for (name, rest, css) in [
                ("profile", "/profile", "#profile-name"),
                ("integrations", "/integrations", "#calendar-options"),
                ("video", "/video", "#video-privacy"),
                ("codes", "/codes", "#issue-code"),
            ] {
                c.goto(&format!("{}?lang={lang}", page(rest))).await.unwrap();
                c.wait().for_element(Locator::Css(css)).await.unwrap();
                assert!(c.find(Locator::Css("h1")).await.is_ok(), "{name} has a heading");
                let html_lang = c.find(Locator::Css("html")).await.unwrap().attr("lang").await;
                assert_eq!(html_lang.unwrap().as_deref(), Some(lang), "{name} in {lang}");
                let fits = c
                    .execute(
                        "return document.documentElement.scrollWidth <= window.innerWidth;",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(fits, Value::Bool(true), "{name} fits {width} px in {lang}");
                shot(&c, &format!("40-office-{name}-{lang}-{width}px")).await;
            }
        }
        // The providers are named by their adapters, in the page's language.
        c.goto(&format!("{}?lang={lang}", page("/integrations"))).await.unwrap();
        see(&c, google).await;
        see(&c, "Outlook").await;
        // So are the meeting services, each a kind of video account.
        c.goto(&format!("{}?lang={lang}", page("/video"))).await.unwrap();
        see(&c, zoom).await;
        c.find(Locator::Css("#default-kind-zoom")).await.expect("Zoom is a kind of account");
        // Issue a package: its text is shown once, and its last symbols find it again.
        c.set_window_size(1280, 900).await.unwrap();
        c.goto(&format!("{}?lang={lang}", page("/codes"))).await.unwrap();
        see(&c, heading).await;
        fill(&c, "#amount", "5").await;
        click(&c, "#issue").await;
        let code =
            c.wait().for_element(Locator::Css("#issued-code")).await.unwrap().text().await.unwrap();
        assert_eq!(code.len(), 16, "XXXX-XXXX-XXXX-X: {code}");
        shot(&c, &format!("41-office-code-issued-{lang}")).await;
        c.goto(&page("/codes")).await.unwrap();
        assert!(c.find(Locator::Css("#issued-code")).await.is_err(), "shown once");
        fill(&c, "#tail", &code[code.len() - 5..]).await;
        click(&c, "#find").await;
        c.wait().for_element(Locator::Css("#found li")).await.unwrap();
    }
    // The video privacy and calendar options save and stay saved.
    c.goto(&page("/video")).await.unwrap();
    click(&c, "#hide-in-panel").await;
    click(&c, "#save-privacy").await;
    see(&c, "Changes saved.").await;
    let checked = c.find(Locator::Css("#hide-in-panel")).await.unwrap().prop("checked").await;
    assert_eq!(checked.unwrap().as_deref(), Some("true"), "the privacy setting is kept");
    c.goto(&page("/integrations")).await.unwrap();
    click(&c, "#opt-add_pending").await;
    click(&c, "#save-options").await;
    see(&c, "Changes saved.").await;
    let checked = c.find(Locator::Css("#opt-add_pending")).await.unwrap().prop("checked").await;
    assert_eq!(checked.unwrap().as_deref(), Some("true"), "the calendar option is kept");
    shot(&c, "42-office-integrations-saved").await;
    c.close().await.unwrap();
    server.stop().await;
}

/// Every page a customer or an agent reaches, checked by axe-core (WCAG 2.0/2.1 A and AA) in
/// French and English, at 1280 px and on a 390 px phone (and 320 px in French), with the
/// page's JavaScript on and off; each also fits its width (reflow: nothing wider than the
/// screen but the calendar's own scrolling box) and, on a phone, has no target under 44 px. Error pages and pages reached by a POST (the booking form, the
/// confirmation, the back office's booking form) are checked too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_passes_axe_core_in_both_languages_widths_and_with_javascript_on_and_off() {
    let Some(driver) = driver().await else { return };
    let server = Server::sqlite().await;
    let base = server.base.clone();
    let t = server.tenant("Mairie").await;
    let cat = setup(&server, &t).await;
    no_slot_starting_now(&server, &t).await;
    settings(
        &server,
        &t,
        json!({"customers_may_reschedule": true, "customers_may_delete_profile": true}),
    )
    .await;
    agents_book_on_accueil(&server, &t, &cat).await;
    let page = |rest: &str| format!("{base}/b/{}{rest}", t.id);
    let week = page(&format!("/book?agenda={}&service={}", cat.agenda, cat.service));
    let day = common::next_monday();
    let checker = browser(&driver).await;
    // The checker itself finds what it should: an image without a text, a field without
    // a label, grey on white.
    let bad = "data:text/html,<html lang=en><title>t</title><main><img src=x.png>\
               <input id=q><p style='color:%23bbb'>faint</p></main></html>";
    checker.goto(bad).await.unwrap();
    if let Some(found) = violations(&checker, "a page made to fail").await {
        let rules: Vec<&str> = found.iter().filter_map(|v| v["rule"].as_str()).collect();
        for rule in ["image-alt", "label", "color-contrast"] {
            assert!(rules.contains(&rule), "axe-core found {rules:?}, not {rule}");
        }
    }
    for javascript in [true, false] {
        let c = browser_with(&driver, javascript).await;
        let js = if javascript { "js" } else { "nojs" };
        let off = (!javascript).then_some(&checker);
        let email = format!("{js}@example.org");
        sign_up_and_log_in(&c, &server, &t, &email, false).await;
        book_from_panel(&c, 0, false).await;
        let booking = c
            .find(Locator::Css("#upcoming li"))
            .await
            .unwrap()
            .attr("data-booking")
            .await
            .unwrap()
            .unwrap();
        c.goto(&page("/office/login")).await.unwrap();
        fill(&c, "#key", &t.admin).await;
        click(&c, "#office-log-in").await;
        c.wait().for_element(Locator::Css("#agendas")).await.unwrap();
        for lang in ["fr", "en"] {
            // 320 px: reflow as WCAG 1.4.10 asks (a 1280 px screen at 400 % zoom), in French.
            for width in [1280_u32, 390, 320] {
                if width == 320 && lang == "en" {
                    continue;
                }
                c.set_window_size(width, 900).await.unwrap();
                let pages = [
                    ("services", page("")),
                    ("week", week.clone()),
                    ("panel", page("/panel")),
                    ("profile", page("/panel/profile")),
                    ("delete-profile", page("/panel/delete")),
                    ("delete-account", page("/panel/account/delete")),
                    ("reschedule", page(&format!("/panel/bookings/{booking}/reschedule"))),
                    ("accessibility", page("/accessibility")),
                    ("verify-link", page("/verify?token=nothing")),
                    ("magic-link", page("/magic?token=nothing")),
                    ("cancel-link", page("/cancel?token=nothing")),
                    ("reset-request", page("/reset")),
                    ("reset-form", page("/reset/new?token=nothing")),
                    ("not-found", page("/book?agenda=999&service=999")),
                    ("no-business", format!("{base}/b/999999")),
                    ("office", page("/office")),
                    ("office-day", page(&format!("/office/agendas/accueil?date={day}"))),
                    ("office-week", page(&format!("/office/agendas/accueil?date={day}&view=week"))),
                    ("office-new", page("/office/agendas/accueil/new")),
                    ("office-profile", page("/office/profile")),
                    ("office-integrations", page("/office/integrations")),
                    ("office-video", page("/office/video")),
                    ("office-codes", page("/office/codes")),
                ];
                for (name, url) in pages {
                    let joint = if url.contains('?') { '&' } else { '?' };
                    c.goto(&format!("{url}{joint}lang={lang}")).await.unwrap();
                    check_page(&c, off, &format!("{name}-{lang}-{width}px-{js}")).await;
                }
                // Pages behind a POST: the booking form after choosing a slot, and the back
                // office's form after choosing a time.
                c.goto(&week).await.unwrap();
                click(&c, "button.slot").await;
                c.wait().for_element(Locator::Css("#confirm")).await.unwrap();
                check_page(&c, off, &format!("details-{lang}-{width}px-{js}")).await;
                c.goto(&page(&format!("/office/agendas/accueil/new?start={day}T10:00")))
                    .await
                    .unwrap();
                click(&c, "#to-form").await;
                c.wait().for_element(Locator::Css("#abandon")).await.unwrap();
                check_page(&c, off, &format!("office-form-{lang}-{width}px-{js}")).await;
                click(&c, "#abandon").await;
                c.wait().for_element(Locator::Css("#calendar")).await.unwrap();
            }
        }
        // The log-in pages, signed out, and the confirmation of a guest's booking.
        c.delete_all_cookies().await.unwrap();
        for (name, rest) in
            [("log-in", "/login"), ("sign-up", "/signup"), ("office-log-in", "/office/login")]
        {
            c.goto(&page(rest)).await.unwrap();
            check_page(&c, off, &format!("{name}-{js}")).await;
        }
        c.goto(&week).await.unwrap();
        click(&c, "button.slot").await;
        fill(&c, "#first_name", "Bo").await;
        fill(&c, "#last_name", "Diaz").await;
        fill(&c, "#email", &format!("guest-{js}@example.org")).await;
        click(&c, "#confirm").await;
        c.wait().for_element(Locator::Css("#booked")).await.unwrap();
        check_page(&c, off, &format!("done-{js}")).await;
        c.close().await.unwrap();
    }
    checker.close().await.unwrap();
    server.stop().await;
}

/// The controls and standalone links under 44 px high, on a window under 600 px wide.
const SMALL_TARGETS: &str = r#"
if (window.innerWidth >= 600) return [];
const small = [];
const all = 'button, .button, select, label.check, a, \
  input:not([type=hidden]):not([type=checkbox]):not([type=radio])';
for (const e of document.querySelectorAll(all)) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 || e.closest('.vh') || e.classList.contains('skip')) continue;
  const alone = e.tagName !== 'A'
    || e.parentElement.textContent.trim() === e.textContent.trim()
    || getComputedStyle(e).display !== 'inline';
  if (alone && r.height < 44) small.push(e.outerHTML.slice(0, 100) + ' → ' + Math.round(r.height) + ' px');
}
return small;
"#;

/// axe-core on the page, and its width: nothing wider than the window (the calendar scrolls
/// inside its own box, which data tables may).
/// `without_javascript`: `c` runs no page script, the audit runs in that checker. On a phone
/// (under 600 px), every control and every link that stands on its own is at least 44 px
/// high (links inside a sentence are exempt).
async fn check_page(c: &Client, without_javascript: Option<&Client>, what: &str) {
    match without_javascript {
        Some(checker) => audit_without_javascript(c, checker, what).await,
        None => audit(c, what).await,
    }
    let small = c.execute(SMALL_TARGETS, vec![]).await.unwrap();
    assert_eq!(small, json!([]), "{what}: targets under 44 px on a phone");
    let fits = c
        .execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(fits, Value::Bool(true), "{what} fits the window");
}

/// Presses one key (WebDriver key actions: no mouse event, no element click).
async fn press(c: &Client, key: Key) {
    let k: char = key.into();
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    c.perform_actions(actions).await.unwrap();
}

/// Types `text` into whatever has the focus, key by key.
async fn type_keys(c: &Client, text: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for ch in text.chars() {
        actions = actions.then(KeyAction::Down { value: ch }).then(KeyAction::Up { value: ch });
    }
    c.perform_actions(actions).await.unwrap();
}

/// Presses Tab until the focused element matches `css` (at most 150 times), and checks the
/// focus is visible there (an outline of at least 2 px).
async fn tab_to(c: &Client, css: &str) {
    for _ in 0..150 {
        let here = c
            .execute(
                "const e = document.activeElement; return !!e && e.matches(arguments[0]);",
                vec![json!(css)],
            )
            .await
            .unwrap();
        if here == Value::Bool(true) {
            let visible = c
                .execute(
                    "const s = getComputedStyle(document.activeElement); \
                     return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(visible, Value::Bool(true), "the focus on {css} is visible");
            return;
        }
        press(c, Key::Tab).await;
    }
    panic!("Tab never reached {css}");
}

/// The id of the focused element.
async fn focused(c: &Client) -> String {
    let id = c.execute("return document.activeElement ? document.activeElement.id : '';", vec![]);
    id.await.unwrap().as_str().unwrap_or_default().to_owned()
}

/// RGAA's keyboard criteria, walked with the keyboard alone (key actions only, no click):
/// the skip link is the first stop and moves the focus to the content; a guest books (a wrong
/// code first: the error summary takes the focus, links to the field, and the form keeps
/// what was typed) and cancels from the email's link; an agent signs in, opens a free slot of
/// the day view — the dialog opens, `Escape` closes it — and books it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keyboard_only_journeys_in_a_real_browser() {
    let Some(driver) = driver().await else { return };
    let server = Server::sqlite().await;
    let base = server.base.clone();
    let t = server.tenant("Mairie").await;
    let cat = setup(&server, &t).await;
    no_slot_starting_now(&server, &t).await;
    agents_book_on_accueil(&server, &t, &cat).await;
    let c = browser(&driver).await;

    // The skip link comes first and leads into the content.
    c.goto(&format!("{base}/b/{}", t.id)).await.unwrap();
    press(&c, Key::Tab).await;
    tab_to(&c, "a.skip").await;
    press(&c, Key::Enter).await;
    assert_eq!(focused(&c).await, "main", "the skip link moves the focus to the content");
    tab_to(&c, "ul.services a").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("button.slot")).await.unwrap();
    slots_say_their_day(&c).await;
    tab_to(&c, "button.slot").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("#confirm")).await.unwrap();
    tab_to(&c, "#first_name").await;
    type_keys(&c, "Zoe").await;
    tab_to(&c, "#last_name").await;
    type_keys(&c, "Martin").await;
    tab_to(&c, "#email").await;
    type_keys(&c, "kb@example.org").await;
    tab_to(&c, "#code").await;
    type_keys(&c, "AAAA-BBBB-CCCC-D").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("#problem")).await.unwrap();
    shot(&c, "50-keyboard-error-summary").await;
    assert_eq!(focused(&c).await, "problem", "the error summary takes the focus");
    let link = c.find(Locator::Css("#problem a")).await.unwrap().attr("href").await.unwrap();
    assert_eq!(link.as_deref(), Some("#code"), "the summary links to the field");
    let code = c.find(Locator::Css("#code")).await.unwrap();
    assert_eq!(code.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(code.attr("aria-describedby").await.unwrap().as_deref(), Some("code-error"));
    let kept = c.find(Locator::Css("#first_name")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("Zoe"), "what was typed is kept");
    tab_to(&c, "#code").await;
    let select_all: char = Key::Control.into();
    let a = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: select_all })
        .then(KeyAction::Down { value: 'a' })
        .then(KeyAction::Up { value: 'a' })
        .then(KeyAction::Up { value: select_all });
    c.perform_actions(a).await.unwrap();
    press(&c, Key::Backspace).await;
    tab_to(&c, "#confirm").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("#booked")).await.unwrap();
    shot(&c, "51-keyboard-booked").await;
    // Cancel from the email's link, by keyboard.
    let cancel = wait_for_mail(&server.mail_dir, "kb@example.org", "/cancel?token=")
        .await
        .link("/cancel?token=")
        .unwrap();
    c.goto(&cancel).await.unwrap();
    tab_to(&c, "main form button").await;
    press(&c, Key::Enter).await;
    see(&c, "annulé").await;
    shot(&c, "52-keyboard-canceled").await;

    // An agent, by keyboard: sign in, a free slot of the day view, the dialog.
    c.goto(&format!("{base}/b/{}/office/login", t.id)).await.unwrap();
    tab_to(&c, "#key").await;
    type_keys(&c, &t.admin).await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("#agendas")).await.unwrap();
    tab_to(&c, "#agendas a").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("#calendar")).await.unwrap();
    let day = common::next_monday();
    c.goto(&format!("{base}/b/{}/office/agendas/accueil?date={day}", t.id)).await.unwrap();
    tab_to(&c, "#add-booking").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("dialog[open] #to-form")).await.unwrap();
    press(&c, Key::Escape).await;
    for _ in 0..50 {
        if c.find(Locator::Css("dialog[open]")).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(c.find(Locator::Css("dialog[open]")).await.is_err(), "Escape closes the dialog");
    assert_eq!(focused(&c).await, "add-booking", "the focus is back on what opened it");
    tab_to(&c, "a.free-slot").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("dialog[open] #to-form")).await.unwrap();
    shot(&c, "53-keyboard-dialog").await;
    tab_to(&c, "dialog[open] #to-form").await;
    press(&c, Key::Enter).await;
    c.wait().for_element(Locator::Css("#confirm")).await.unwrap();
    tab_to(&c, "#first_name").await;
    type_keys(&c, "Ana").await;
    tab_to(&c, "#last_name").await;
    type_keys(&c, "Diaz").await;
    press(&c, Key::Enter).await;
    see(&c, "Le rendez-vous est enregistré").await;
    let booked = c.find(Locator::Css("td.booked")).await.unwrap().text().await.unwrap();
    assert!(booked.contains("Ana Diaz"), "{booked}");
    states_in_words(&c, 3).await;
    c.goto(&format!("{base}/b/{}/office/agendas/accueil?date={day}&view=week", t.id))
        .await
        .unwrap();
    states_in_words(&c, 2).await;
    shot(&c, "54-keyboard-agent-booked").await;
    c.close().await.unwrap();
    server.stop().await;
}

/// Each slot button's accessible name (as axe-core computes it) holds its day's heading and its
/// time: a screen reader listing buttons hears "lundi 14 décembre 2026, 09:00", not "09:00".
async fn slots_say_their_day(c: &Client) {
    audit(c, "week").await; // loads axe-core into the page
    let names = c
        .execute(
            "axe.setup(document); \
             const names = [...document.querySelectorAll('button.slot')].map(b => [\
               axe.commons.text.accessibleTextVirtual(axe.utils.getNodeFromTree(b)), \
               b.closest('section').querySelector('h3').textContent.trim(), \
               [...b.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim()]); \
             axe.teardown(); \
             return names;",
            vec![],
        )
        .await
        .unwrap();
    let names = names.as_array().cloned().unwrap_or_default();
    assert!(!names.is_empty(), "the week shows slots");
    for n in names {
        let (name, day, time) =
            (n[0].as_str().unwrap(), n[1].as_str().unwrap(), n[2].as_str().unwrap());
        assert!(
            !time.is_empty() && name.contains(day) && name.contains(time),
            "{name:?} names {day} and {time}"
        );
    }
}

/// No state of the calendar is told by colour alone: every booking, hold, unavailable and
/// closed cell holds words (shown, or for screen readers), every booking a mark beside its
/// colour, and the legend says what each colour means. `kinds` is how many kinds of state
/// the view must show at least.
async fn states_in_words(c: &Client, kinds: usize) {
    let found = c
        .execute(
            "const out = {}; \
             for (const e of document.querySelectorAll('td.booked, .entry.booked, td.held, .entry.held, td.free, .entry.free, a.free-slot, td.taken, td.closed')) { \
               const kind = e.className; \
               const words = e.textContent.trim(); \
               const mark = e.querySelector('.mark'); \
               const booked = e.classList.contains('booked'); \
               if (!words || (booked && !(mark && mark.textContent.trim()))) return 'no words: ' + e.outerHTML; \
               out[kind] = true; } \
             const legend = document.querySelector('#legend'); \
             if (!legend || legend.querySelectorAll('.key').length < 6) return 'no legend'; \
             return Object.keys(out);",
            vec![],
        )
        .await
        .unwrap();
    let kinds_seen = found.as_array().unwrap_or_else(|| panic!("{found}"));
    assert!(kinds_seen.len() >= kinds, "the view shows {kinds_seen:?}");
}
