//! A small client for the parts of Stripe's API Herd uses: creating Checkout Sessions for
//! dues, and reading back the objects a webhook does not carry in full (a charge's balance
//! transaction for Stripe's fee, a subscription's metadata). Requests go to
//! `stripe.api_base` (Stripe's own by default, a fake on loopback in tests), form-encoded as
//! Stripe expects, with the secret key as a bearer token.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;

use crate::error::AppError;
use crate::state::AppState;

/// The API version Herd's requests are written against (its webhook handling accepts others).
pub const API_VERSION: &str = "2024-06-20";

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    #[error("Stripe is not configured on this instance (no secret key): dues are recorded by a treasurer")]
    NotConfigured,
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
    #[error("Stripe answered {status}: {message}")]
    Refused { status: u16, message: String },
}

impl From<StripeError> for AppError {
    fn from(e: StripeError) -> Self {
        let status = match e {
            StripeError::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_GATEWAY,
        };
        AppError::new(status, e.to_string())
    }
}

pub struct Stripe {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Stripe {
    /// The client, when the instance has a secret key.
    pub fn from_state(state: &AppState) -> Result<Stripe, StripeError> {
        let key = state.config.stripe.secret_key.trim();
        if key.is_empty() {
            return Err(StripeError::NotConfigured);
        }
        let base = match state.config.stripe.api_base.trim() {
            "" => "https://api.stripe.com",
            b => b,
        }
        .trim_end_matches('/')
        .to_string();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StripeError::Unreachable(e.to_string()))?;
        Ok(Stripe {
            base,
            key: key.to_string(),
            http,
        })
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, StripeError> {
        let res = req
            .bearer_auth(&self.key)
            .header("Stripe-Version", API_VERSION)
            .send()
            .await
            .map_err(|e| StripeError::Unreachable(e.to_string()))?;
        let status = res.status();
        let body: Value = res
            .json()
            .await
            .map_err(|e| StripeError::Unreachable(format!("unreadable answer: {e}")))?;
        if !status.is_success() {
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or("no message")
                .chars()
                .take(300)
                .collect();
            return Err(StripeError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        Ok(body)
    }

    /// `POST {base}{path}` with form fields (Stripe's `a[b][c]=…` nesting is in the names).
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(String, String)],
        idempotency_key: Option<&str>,
    ) -> Result<Value, StripeError> {
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in fields {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        self.send(req).await
    }

    /// `GET {base}/v1/{kind}/{id}`; the id must look like a Stripe id (no path tricks).
    pub async fn retrieve(
        &self,
        kind: &str,
        id: &str,
        expand: &[&str],
    ) -> Result<Value, StripeError> {
        if id.is_empty()
            || id.len() > 255
            || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(StripeError::Refused {
                status: 400,
                message: format!("{id:?} is not a Stripe id"),
            });
        }
        let mut req = self.http.get(format!("{}/v1/{kind}/{id}", self.base));
        let pairs: Vec<(&str, &str)> = expand.iter().map(|e| ("expand[]", *e)).collect();
        if !pairs.is_empty() {
            req = req.query(&pairs);
        }
        self.send(req).await
    }

    /// Stripe's fee for a charge (a charge object, possibly with its balance transaction
    /// expanded), reading the balance transaction when it is only an id.
    pub async fn fee_of_charge(&self, charge: &Value) -> Result<i64, StripeError> {
        match &charge["balance_transaction"] {
            Value::Object(_) => Ok(charge["balance_transaction"]["fee"].as_i64().unwrap_or(0)),
            Value::String(id) => {
                let txn = self.retrieve("balance_transactions", id, &[]).await?;
                Ok(txn["fee"].as_i64().unwrap_or(0))
            }
            _ => Ok(0),
        }
    }

    /// The fee of the payment behind a paid invoice: its charge (`charge`, older API
    /// versions) or its payment intent's latest charge.
    pub async fn fee_of_invoice(&self, invoice: &Value) -> Result<Option<i64>, StripeError> {
        let charge = match &invoice["charge"] {
            Value::Object(_) => Some(invoice["charge"].clone()),
            Value::String(id) => Some(self.retrieve("charges", id, &[]).await?),
            _ => None,
        };
        let charge = match charge {
            Some(c) => Some(c),
            None => match invoice["payment_intent"].as_str() {
                Some(pi) => {
                    let pi = self.retrieve("payment_intents", pi, &[]).await?;
                    match (&pi["latest_charge"], &pi["charges"]["data"][0]) {
                        (Value::String(id), _) => Some(self.retrieve("charges", id, &[]).await?),
                        (Value::Object(c), _) => Some(Value::Object(c.clone())),
                        (_, Value::Object(c)) => Some(Value::Object(c.clone())),
                        _ => None,
                    }
                }
                None => None,
            },
        };
        match charge {
            Some(c) => Ok(Some(self.fee_of_charge(&c).await?)),
            None => Ok(None),
        }
    }
}
