//! Outgoing email through lettre: SMTP when `mail.smtp_url` is set, otherwise each message is
//! written to `{data_dir}/mail/<uuid>.eml` and logged, so a fresh instance needs no mail server.
//!
//! No request talks to SMTP: a use case queues its mails (`queue`) in the transaction of the
//! change that causes them, so a mail goes out if and only if the change commits, and the job
//! queue sends them in lanes of their own (`jobs::MAIL_LANES`), retrying a transient failure
//! (4xx, refused connection, timeout) with the queue's backoff and dropping a permanent one
//! (5xx, an address that does not parse) with a log line.
//!
//! Mail bodies are rendered here too, from plain-text Tera templates (`templates/mail/`)
//! embedded in the binary (`render`).

use std::path::PathBuf;

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tera::{Context, Tera};

use crate::config::Config;
use crate::jobs::{self, Job};
use crate::state::AppState;

/// Why a mail was not sent: `permanent` when trying again cannot help (the server answered
/// 5xx, or the address or message is malformed).
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub error: anyhow::Error,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.permanent {
            "permanent"
        } else {
            "transient"
        };
        write!(f, "{kind}: {:#}", self.error)
    }
}

impl std::error::Error for SendError {}

impl SendError {
    fn permanent(e: impl Into<anyhow::Error>) -> SendError {
        SendError {
            permanent: true,
            error: e.into(),
        }
    }

    fn transient(e: impl Into<anyhow::Error>) -> SendError {
        SendError {
            permanent: false,
            error: e.into(),
        }
    }

    /// SMTP's own classes: a 5xx reply is permanent; a 4xx reply, a refused or broken
    /// connection, a timeout or a TLS failure may pass.
    fn smtp(e: lettre::transport::smtp::Error) -> SendError {
        if e.is_permanent() {
            SendError::permanent(e)
        } else {
            SendError::transient(e)
        }
    }
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let host = config.domain.split(':').next().unwrap_or("localhost");
        let from = if config.mail.from.is_empty() {
            let host = if host.contains('.') {
                host.to_string()
            } else {
                format!("{host}.localdomain")
            };
            format!("{} <notifications@{host}>", config.instance.title).parse()?
        } else {
            config.mail.from.parse()?
        };
        let transport = if config.mail.smtp_url.is_empty() {
            Transport::Files(config.mail_dir())
        } else {
            Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.mail.smtp_url)?.build(),
            )
        };
        Ok(Mailer { transport, from })
    }

    /// Sends a plain-text message now. Use cases call `queue` instead; this is the queue's.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), SendError> {
        self.send_with(to, subject, body, None).await
    }

    /// As [`Mailer::send`], with RFC 8058's one-click unsubscribe headers when `unsubscribe`
    /// (an HTTPS URL that takes a POST) is given.
    pub async fn send_with(
        &self,
        to: &str,
        subject: &str,
        body: String,
        unsubscribe: Option<&str>,
    ) -> Result<(), SendError> {
        let to: Mailbox = to.parse().map_err(SendError::permanent)?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to.clone())
            .subject(subject)
            .header(ContentType::TEXT_PLAIN);
        if let Some(url) = unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{url}>")))
                .header(ListUnsubscribePost);
        }
        let message = builder.body(body).map_err(SendError::permanent)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.map_err(SendError::smtp)?;
                tracing::info!(to = %to, subject, "mail sent");
            }
            Transport::Files(dir) => {
                let written = async {
                    tokio::fs::create_dir_all(dir).await?;
                    let path = dir.join(format!("{}.eml", uuid::Uuid::now_v7()));
                    tokio::fs::write(&path, message.formatted()).await?;
                    std::io::Result::Ok(path)
                }
                .await
                .map_err(SendError::transient)?;
                tracing::info!(to = %to, subject, path = %written.display(), "mail written to file (no SMTP configured)");
            }
        }
        Ok(())
    }
}

/// `List-Unsubscribe: <URL>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the URL unsubscribes on
/// a POST, with no page to visit.
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

const TEMPLATES: &[(&str, &str)] = &[
    (
        "mail/confirmation.txt",
        include_str!("../templates/mail/confirmation.txt"),
    ),
    (
        "mail/password_reset.txt",
        include_str!("../templates/mail/password_reset.txt"),
    ),
    (
        "mail/email_change.txt",
        include_str!("../templates/mail/email_change.txt"),
    ),
    (
        "mail/role_term_ending.txt",
        include_str!("../templates/mail/role_term_ending.txt"),
    ),
];

/// The mail templates, embedded in the binary. Mail is plain text: no HTML escaping there.
pub fn load_templates() -> anyhow::Result<Tera> {
    let mut tera = Tera::default();
    tera.add_raw_templates(TEMPLATES.iter().copied())?;
    tera.autoescape_on(vec![]);
    Ok(tera)
}

/// A plain-text mail body from a template.
pub fn render(state: &AppState, name: &str, vars: &[(&str, &str)]) -> String {
    let mut ctx = Context::new();
    for (k, v) in vars {
        ctx.insert(*k, v);
    }
    state.mail_templates.render(name, &ctx).unwrap_or_else(|e| {
        tracing::error!(error = %e, template = name, "mail template failed");
        vars.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
    })
}

/// Queues one plain-text mail inside the caller's transaction: it is sent once that commits
/// (the caller wakes the worker after its commit).
pub async fn queue(
    conn: &mut sqlx::AnyConnection,
    to: &str,
    subject: &str,
    body: String,
    now: i64,
) -> sqlx::Result<()> {
    let job = Job::Mail {
        to: to.to_string(),
        subject: subject.to_string(),
        body,
        mail_kind: None,
    };
    jobs::enqueue(conn, &job, now).await
}

/// Queues an optional mail of `kind` (`services::mail_prefs::KINDS`): when it is sent, a
/// member who turned the kind off is skipped and the others get the unsubscribe link.
pub async fn queue_kind(
    conn: &mut sqlx::AnyConnection,
    to: &str,
    subject: &str,
    body: String,
    kind: &str,
    now: i64,
) -> sqlx::Result<()> {
    let job = Job::Mail {
        to: to.to_string(),
        subject: subject.to_string(),
        body,
        mail_kind: Some(kind.to_string()),
    };
    jobs::enqueue(conn, &job, now).await
}

/// Sends one queued mail (the `Mail` job and each recipient of a mass mail). A transient
/// failure is an error, so the queue tries again later; a permanent one is logged and the
/// mail dropped (trying again would fail the same way).
pub async fn deliver(mailer: &Mailer, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
    deliver_with(mailer, to, subject, body, None).await
}

/// As [`deliver`], with the one-click unsubscribe URL of an optional mail.
pub async fn deliver_with(
    mailer: &Mailer,
    to: &str,
    subject: &str,
    body: String,
    unsubscribe: Option<&str>,
) -> anyhow::Result<()> {
    match mailer.send_with(to, subject, body, unsubscribe).await {
        Ok(()) => Ok(()),
        Err(e) if e.permanent => {
            tracing::warn!(to, subject, error = %e, "mail refused for good; dropped");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}
