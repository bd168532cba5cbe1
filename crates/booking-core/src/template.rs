//! §A8 `%placeholder%` templates for emails, calendar events and meeting titles.
//!
//! A placeholder is `%name%` where `name` is lower-case ASCII letters, digits and `_`. Any other
//! `%` is literal text ("50% off"). Unknown placeholders are an error for the template author,
//! never sent silently. Known placeholders without a value render empty (a video link on an
//! in-person appointment). HTML output escapes every value. Email bodies render with
//! [`Template::render_body`], which leaves out a line whose placeholders all came out empty
//! (`Video: %video_link%` on an in-person appointment, `Phone: %company_phone%` when there is
//! none), so optional facts need no conditionals.

use std::collections::BTreeMap;

/// Every placeholder of §E3.
pub const PLACEHOLDERS: &[&str] = &[
    "customer_full_name",
    "customer_first_name",
    "customer_email",
    "customer_phone",
    "customer_panel_url",
    "employee_full_name",
    "employee_email",
    "appointment_id",
    "appointment_date",
    "appointment_date_time",
    "appointment_start_time",
    "appointment_end_time",
    "appointment_duration",
    "appointment_status",
    "appointment_cancel_url",
    "initial_appointment_date_time",
    "service_name",
    "service_duration",
    "service_price",
    "event_name",
    "event_start_date_time",
    "event_location",
    "zoom_join_url",
    "google_meet_url",
    "microsoft_teams_url",
    "video_link",
    "video_password",
    "video_description",
    "company_name",
    "company_email",
    "company_phone",
    "company_address",
    "time_zone",
];

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Text(String),
    Placeholder(String),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Placeholders the template uses that are not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown placeholders: {}", .0.iter().map(|p| format!("%{p}%")).collect::<Vec<_>>().join(", "))]
pub struct UnknownPlaceholders(pub Vec<String>);

crate::error::error_codes!(UnknownPlaceholders, |_e| (
    crate::error::Kind::Invalid,
    "unknown_placeholder"
));

/// How values are written into the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// Plain text (subjects, calendar titles).
    Text,
    /// HTML bodies: `& < > " '` are escaped.
    Html,
}

/// Placeholder values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<String, String>);

impl Values {
    /// No values.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one value (builder style).
    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.insert(name.to_owned(), value.into());
        self
    }

    /// Sets one value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_owned(), value.into());
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
}

impl Template {
    /// Parses and checks against the §E3 catalogue.
    pub fn parse(source: &str) -> Result<Self, UnknownPlaceholders> {
        Self::parse_with(source, PLACEHOLDERS)
    }

    /// Parses and checks against a given catalogue.
    pub fn parse_with(source: &str, known: &[&str]) -> Result<Self, UnknownPlaceholders> {
        let template = Self::parse_unchecked(source);
        let unknown: Vec<String> =
            template.placeholders().filter(|p| !known.contains(p)).map(str::to_owned).collect();
        if unknown.is_empty() { Ok(template) } else { Err(UnknownPlaceholders(unknown)) }
    }

    fn parse_unchecked(source: &str) -> Self {
        let bytes = source.as_bytes();
        let mut parts = Vec::new();
        let mut text_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let name_len = bytes[i + 1..].iter().take_while(|b| is_name_byte(**b)).count();
                let close = i + 1 + name_len;
                if name_len > 0 && bytes.get(close) == Some(&b'%') {
                    if text_start < i {
                        parts.push(Part::Text(source[text_start..i].to_owned()));
                    }
                    parts.push(Part::Placeholder(source[i + 1..close].to_owned()));
                    i = close + 1;
                    text_start = i;
                    continue;
                }
            }
            i += 1;
        }
        if text_start < bytes.len() {
            parts.push(Part::Text(source[text_start..].to_owned()));
        }
        Self { parts }
    }

    /// The placeholders used, in order of appearance.
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Placeholder(name) => Some(name.as_str()),
            Part::Text(_) => None,
        })
    }

    /// Renders with `values`; a known placeholder without a value renders empty.
    #[must_use]
    pub fn render(&self, values: &Values, escape: Escape) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Placeholder(name) => {
                    let value = values.0.get(name).map_or("", String::as_str);
                    match escape {
                        Escape::Text => out.push_str(value),
                        Escape::Html => escape_html(value, &mut out),
                    }
                }
            }
        }
        out
    }
}

impl Template {
    /// Renders like [`Template::render`], line by line, leaving out each line that has
    /// placeholders and whose placeholders all render empty.
    #[must_use]
    pub fn render_body(&self, values: &Values, escape: Escape) -> String {
        let mut lines: Vec<(String, bool, bool)> = vec![(String::new(), false, false)];
        for part in &self.parts {
            match part {
                Part::Text(text) => {
                    let mut pieces = text.split('\n');
                    if let (Some(first), Some(line)) = (pieces.next(), lines.last_mut()) {
                        line.0.push_str(first);
                    }
                    for piece in pieces {
                        lines.push((piece.to_owned(), false, false));
                    }
                }
                Part::Placeholder(name) => {
                    let value = values.0.get(name).map_or("", String::as_str);
                    if let Some(line) = lines.last_mut() {
                        line.1 = true;
                        line.2 |= !value.is_empty();
                        match escape {
                            Escape::Text => line.0.push_str(value),
                            Escape::Html => escape_html(value, &mut line.0),
                        }
                    }
                }
            }
        }
        // A paragraph whose lines all went leaves no second blank line behind.
        let mut kept: Vec<String> = Vec::with_capacity(lines.len());
        let mut dropped = false;
        for (text, has_placeholder, has_value) in lines {
            if has_placeholder && !has_value {
                dropped = true;
                continue;
            }
            let blank_again = text.is_empty() && kept.last().is_some_and(String::is_empty);
            if !(dropped && blank_again) {
                kept.push(text);
            }
            dropped = false;
        }
        kept.join("\n")
    }
}

fn escape_html(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, escape: Escape, expected: Result<&str, &[&str]>) {
        let values = Values::new()
            .with("customer_first_name", "Zoé <b>")
            .with("service_name", "Coupe & couleur");
        let got = Template::parse(source).map(|t| t.render(&values, escape));
        let expected = expected
            .map(str::to_owned)
            .map_err(|u| UnknownPlaceholders(u.iter().map(|s| (*s).to_owned()).collect()));
        assert_eq!(got, expected, "{source}");
    }

    #[test]
    fn templates() {
        check("Hello %customer_first_name%!", Escape::Text, Ok("Hello Zoé <b>!"));
        check("Hello %customer_first_name%!", Escape::Html, Ok("Hello Zoé &lt;b&gt;!"));
        check("%service_name% -50% off", Escape::Html, Ok("Coupe &amp; couleur -50% off"));
        check("100%", Escape::Text, Ok("100%"));
        check("%%", Escape::Text, Ok("%%"));
        check("%zoom_join_url%", Escape::Text, Ok(""));
        check("%costumer_name% and %oops%", Escape::Text, Err(&["costumer_name", "oops"]));
        check("%Service_Name%", Escape::Text, Ok("%Service_Name%"));
        check("", Escape::Text, Ok(""));
        check("é%service_name%é", Escape::Text, Ok("éCoupe & couleuré"));
    }

    #[test]
    fn bodies_leave_out_lines_whose_placeholders_are_all_empty() {
        let values = Values::new().with("service_name", "Coupe").with("company_phone", "");
        let body = "Hello\n%service_name%\nPhone: %company_phone%\nVideo: %video_link% %zoom_join_url%\n\n%service_name% %video_link%\nBye\n";
        let got = Template::parse(body).unwrap().render_body(&values, Escape::Text);
        assert_eq!(got, "Hello\nCoupe\n\nCoupe \nBye\n");
    }

    #[test]
    fn a_paragraph_left_out_leaves_one_blank_line() {
        let values = Values::new().with("service_name", "Coupe");
        let body = "Hello\n\nOnline: %video_link%\nPassword: %video_password%\n\n%service_name%\n\n\nBye\n";
        let got = Template::parse(body).unwrap().render_body(&values, Escape::Text);
        assert_eq!(got, "Hello\n\nCoupe\n\n\nBye\n", "a blank line written twice stays");
    }
}
