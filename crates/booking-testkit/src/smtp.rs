//! A real SMTP server process for the email tests: Python's `aiosmtpd` from the test
//! virtualenv (`scripts/setup.sh` installs it), writing what it receives into a Maildir.

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running aiosmtpd, killed on drop.
#[derive(Debug)]
pub struct SmtpServer {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts aiosmtpd on a free 127.0.0.1 port, delivering into the Maildir `maildir`, or `None`
/// with a notice when the virtualenv has no aiosmtpd — except under `CI=true`, where that
/// panics. The server takes a moment to listen: retry the first send.
///
/// # Panics
/// Under `CI=true` without aiosmtpd, or when the process cannot start.
#[must_use]
pub fn smtp_server(maildir: &Path) -> Option<SmtpServer> {
    let venv = std::env::var("BOOKING_VENV").unwrap_or_else(|_| "/var/tmp/booking-venv".into());
    let python = format!("{venv}/bin/python");
    let has =
        Command::new(&python).args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
    if !has {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and aiosmtpd is missing (scripts/setup.sh)"
        );
        eprintln!("notice: skipping an SMTP test: {python} has no aiosmtpd (run scripts/setup.sh)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let child = Command::new(python)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("aiosmtpd starts");
    Some(SmtpServer { child, port })
}
