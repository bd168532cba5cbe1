//! A browser without JavaScript for the customer pages: keeps cookies, posts forms with the
//! page's form token, reads emails the app wrote.

#![allow(dead_code, unreachable_pub, reason = "each test binary uses a part of this module")]

use std::collections::BTreeMap;
use std::path::Path;

/// One answer of a page.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub html: String,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    /// The value of the first `name="<field>" value="…"` in the page.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.html.find(&marker)? + marker.len();
        let end = self.html[start..].find('"')? + start;
        Some(unescape(&self.html[start..end]))
    }

    /// The start every slot button posts (the week's, then the next free ones), in page order.
    pub fn slots(&self) -> Vec<String> {
        let marker = "name=\"start\" value=\"";
        self.html
            .match_indices(marker)
            .filter_map(|(i, _)| {
                let start = i + marker.len();
                let end = self.html[start..].find('"')? + start;
                Some(self.html[start..end].to_owned())
            })
            .collect()
    }

    /// Whether the page's text contains `text` (HTML entities of quotes decoded).
    pub fn shows(&self, text: &str) -> bool {
        unescape(&self.html).contains(text)
    }
}

fn unescape(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// A visitor: its own cookies, the form token of the last page that had one.
pub struct Visitor {
    pub base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub csrf: Option<String>,
}

impl Visitor {
    pub fn new(base: &str) -> Self {
        booking_webhooks::install_crypto_provider();
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { base: base.to_owned(), http, cookies: BTreeMap::new(), csrf: None }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers.get("location").map(|v| v.to_str().unwrap().to_owned());
        let html = response.text().await.unwrap();
        let page = Page { status, html, location, headers };
        if let Some(token) = page.field("csrf") {
            self.csrf = Some(token);
        }
        page
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.base) }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .http
            .get(self.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// GET, following redirects.
    pub async fn open(&mut self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..5 {
            match page.location.clone() {
                Some(to) if (300..400).contains(&page.status) => page = self.get(&to).await,
                _ => break,
            }
        }
        page
    }

    /// POSTs `fields` and the form token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone().expect("a page with a form was opened first");
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POSTs exactly `fields` (no form token unless given).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(self.url(path))
            .header("cookie", self.cookie_header())
            .form(fields)
            .send()
            .await
            .unwrap();
        self.read(response).await
    }

    /// POSTs, then follows the redirect if there is one.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let page = self.post(path, fields).await;
        match page.location.clone() {
            Some(to) if (300..400).contains(&page.status) => self.open(&to).await,
            _ => page,
        }
    }
}

/// Decodes a quoted-printable text part (enough for the app's own emails).
pub fn quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One email as text: headers and decoded body.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub raw: String,
}

impl Mail {
    pub fn parse(raw: &str) -> Self {
        let header = |name: &str| {
            raw.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            to: header("To"),
            subject: header("Subject"),
            body: quoted_printable(raw),
            raw: raw.to_owned(),
        }
    }

    /// The first link in the body that contains `part`.
    pub fn link(&self, part: &str) -> Option<String> {
        self.body
            .split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .find(|w| w.starts_with("http") && w.contains(part))
            .map(str::to_owned)
    }
}

/// Every email in a folder tree (`.eml` files, or a maildir's `new/` files), oldest first.
pub fn mails_in(dir: &Path) -> Vec<Mail> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(meta) = e.metadata() {
                files.push((meta.modified().unwrap(), path));
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|(_, p)| std::fs::read_to_string(p).ok())
        .map(|raw| Mail::parse(&raw))
        .collect()
}

/// The latest email to `to` whose body contains `part`, written already (a quiet server's
/// jobs have run: nothing to wait for).
pub fn mail_to(dir: &Path, to: &str, part: &str) -> Mail {
    mails_in(dir)
        .into_iter()
        .rev()
        .find(|m| m.to.contains(to) && m.body.contains(part))
        .unwrap_or_else(|| panic!("no email to {to} containing {part:?} in {}", dir.display()))
}

/// Waits (up to 10 s) for an email to `to` whose body contains `part`.
pub async fn wait_for_mail(dir: &Path, to: &str, part: &str) -> Mail {
    for _ in 0..200 {
        if let Some(m) =
            mails_in(dir).into_iter().rev().find(|m| m.to.contains(to) && m.body.contains(part))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no email to {to} containing {part:?} in {}", dir.display());
}
