//! The `booking` binary against a fresh SQLite file.

use std::process::Command;

fn booking(db: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_booking"))
        .args(["--database", db])
        .args(args)
        .output()
        .expect("the binary runs");
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn operators_set_up_and_maintain_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("b.db").to_string_lossy().into_owned();
    let (ok, text) = booking(&db, &["migrate"]);
    assert!(ok, "{text}");
    let (ok, text) =
        booking(&db, &["create-business", "--name", "Mairie", "--zone", "Europe/Paris"]);
    assert!(ok, "{text}");
    assert!(text.contains("business 1 created"), "{text}");
    let key = text.split("shown once): ").nth(1).unwrap().trim();
    assert!(key.starts_with("bk_") && key.len() == 52, "{key}");
    let (ok, text) = booking(&db, &["create-business", "--name", "X", "--zone", "Mars/Olympus"]);
    assert!(!ok && text.contains("Mars/Olympus"), "{text}");
    let (ok, text) = booking(&db, &["parked-jobs", "--business", "1"]);
    assert!(ok && text.contains("no parked jobs"), "{text}");
    let (ok, text) = booking(&db, &["anonymise", "--business", "1", "--customer", "42"]);
    assert!(!ok && text.contains("unknown customer"), "{text}");
    let ics = dir.path().join("off.ics");
    std::fs::write(&ics, "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20300101\r\nSUMMARY:Off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").unwrap();
    let (ok, text) =
        booking(&db, &["import-ics", "--business", "1", "--resource", "1", ics.to_str().unwrap()]);
    assert!(!ok && text.contains("no such resource"), "{text}");
}
