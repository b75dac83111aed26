//! The shop's SMTP relay, behind `app::mail::Mailer`: lettre over rustls (no OpenSSL),
//! STARTTLS or TLS — a relay without encryption only on this machine (the configuration
//! refuses it elsewhere) —, authenticated when `[smtp] user` is set. A message is the
//! template's text and the PDF as stored, with a Message-ID of our own so that the order
//! records it. Errors are sorted: the relay refused (its words), or it could not be
//! reached or did not answer in time; none carries the password.

use crate::app::mail::{MailError, Mailer, OutgoingMail, SentMail};
use crate::config::{SmtpConfig, SmtpTls};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

pub struct SmtpMailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(cfg: &SmtpConfig) -> Result<SmtpMailer, String> {
        let from: Mailbox = cfg
            .from
            .parse()
            .map_err(|e| format!("smtp.from « {} » : {e}", cfg.from))?;
        let builder = match cfg.tls {
            SmtpTls::StartTls => SmtpTransport::starttls_relay(&cfg.host),
            SmtpTls::Tls => SmtpTransport::relay(&cfg.host),
            SmtpTls::None => Ok(SmtpTransport::builder_dangerous(&cfg.host)),
        }
        .map_err(|e| format!("smtp.host « {} » : {e}", cfg.host))?;
        let mut builder = builder
            .port(cfg.port)
            .timeout(Some(Duration::from_secs(cfg.timeout_seconds)));
        if let (Some(u), Some(p)) = (&cfg.user, &cfg.password) {
            builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
        })
    }

    /// Connects to the relay and says hello (`config check`).
    pub fn test_connection(&self) -> Result<(), String> {
        match self.transport.test_connection() {
            Ok(true) => Ok(()),
            Ok(false) => Err("le relais ne répond pas comme un serveur SMTP".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// `<random.seconds@domain-of-the-sender>`.
    fn message_id(&self) -> String {
        let domain = self.from.email.domain().to_string();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        format!("<{:016x}.{now}@{domain}>", rand::random::<u64>())
    }
}

impl Mailer for SmtpMailer {
    fn send(&self, mail: &OutgoingMail) -> Result<SentMail, MailError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(mail.subject.clone());
        for to in &mail.to {
            let mailbox: Mailbox = to
                .parse()
                .map_err(|e| MailError::Address(format!("« {to} » : {e}")))?;
            builder = builder.to(mailbox);
        }
        let message_id = self.message_id();
        let pdf = ContentType::parse("application/pdf")
            .map_err(|e| MailError::Refused(format!("type de pièce jointe : {e}")))?;
        let message = builder
            .message_id(Some(message_id.clone()))
            .multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(mail.body.clone()))
                    .singlepart(
                        Attachment::new(mail.attachment_name.clone())
                            .body(mail.attachment.clone(), pdf),
                    ),
            )
            .map_err(|e| MailError::Address(e.to_string()))?;
        match self.transport.send(&message) {
            Ok(response) => Ok(SentMail {
                message_id,
                answer: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )
                .trim()
                .to_string(),
            }),
            Err(e) if e.status().is_some() => Err(MailError::Refused(e.to_string())),
            Err(e) => Err(MailError::Unreachable(e.to_string())),
        }
    }
}
