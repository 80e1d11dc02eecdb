//! Outgoing email through lettre: SMTP when `mail.smtp_url` is set, otherwise each message is
//! written to `{data_dir}/mail/<uuid>.eml` and logged, so a fresh instance needs no mail server.

use std::path::PathBuf;

use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

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

    /// Sends a plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse()?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
                tracing::info!(to, subject, "mail sent");
            }
            Transport::Files(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let path = dir.join(format!("{}.eml", uuid::Uuid::now_v7()));
                tokio::fs::write(&path, message.formatted()).await?;
                tracing::info!(to, subject, path = %path.display(), "mail written to file (no SMTP configured)");
            }
        }
        Ok(())
    }
}
