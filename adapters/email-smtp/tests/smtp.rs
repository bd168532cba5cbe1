//! The mailers against a real SMTP server process (Python's aiosmtpd, from the test
//! virtualenv) and a real folder.

use std::time::Duration;

use booking_core::catalog::Email;
use booking_core::ports::mail::Attachment;
use booking_core::ports::mail::MailError;
use booking_core::ports::mail::Mailer;
use booking_core::ports::mail::Message;
use booking_email_smtp::{FileMailer, from_url};

fn message(key: &str) -> Message {
    Message {
        to: Email::parse("zoe@example.org").unwrap(),
        subject: "Votre rendez-vous du lundi 4 janvier 2027 est confirmé".into(),
        text: "Bonjour Zoé,\n\nÀ lundi.\n".into(),
        html: None,
        attachments: vec![Attachment {
            filename: "invitation.ics".into(),
            content_type: "text/calendar; charset=utf-8; method=REQUEST".into(),
            content: b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".to_vec(),
        }],
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn a_real_smtp_server_receives_the_message_with_its_invitation() {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    let Some(server) = booking_testkit::smtp::smtp_server(&maildir) else { return };
    let port = server.port;
    let mailer =
        from_url(&format!("smtp://127.0.0.1:{port}"), "Mairie <noreply@mairie.example>").unwrap();
    let mut sent = Err(MailError::Temporary("not tried".into()));
    for _ in 0..100 {
        sent = mailer.send(&message("job-1-42")).await;
        if sent.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await; // the server is starting
    }
    sent.unwrap();
    let new = maildir.join("new");
    let mut received = Vec::new();
    for _ in 0..50 {
        received = std::fs::read_dir(&new).map(|d| d.flatten().collect()).unwrap_or_default();
        if !received.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(received.len(), 1);
    let raw = std::fs::read_to_string(received[0].path()).unwrap();
    assert!(raw.contains("Message-ID: <job-1-42@booking>"), "{raw}");
    assert!(raw.contains("To: zoe@example.org"), "{raw}");
    assert!(raw.contains("From: Mairie <noreply@mairie.example>"), "{raw}");
    assert!(
        raw.contains("Subject: Votre rendez-vous") && raw.contains("=?utf-8?"),
        "a non-ASCII subject is encoded: {raw}"
    );
    assert!(raw.contains("filename=\"invitation.ics\""), "{raw}");
    assert!(raw.contains("text/calendar; charset=utf-8; method=REQUEST"), "{raw}");
    // A server that is down is a temporary failure: the outbox retries.
    let down =
        from_url(&format!("smtp://127.0.0.1:{}", free_port()), "noreply@mairie.example").unwrap();
    assert!(matches!(down.send(&message("job-1-43")).await, Err(MailError::Temporary(_))));
}

#[tokio::test]
async fn the_development_transport_writes_one_file_per_job() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = FileMailer::new(dir.path().join("mail"), "noreply@mairie.example").unwrap();
    mailer.send(&message("job-1-42")).await.unwrap();
    mailer.send(&message("job-1-42")).await.unwrap(); // a retry after a crash
    mailer.send(&message("job-1-43")).await.unwrap();
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("mail"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["job-1-42.eml", "job-1-43.eml"], "nothing twice");
    let raw = std::fs::read_to_string(dir.path().join("mail/job-1-42.eml")).unwrap();
    assert!(raw.contains("Message-ID: <job-1-42@booking>"));
    assert!(from_url("ftp://x", "a@b.c").is_err());
    assert!(from_url("file:/tmp/x", "not an address").is_err());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
