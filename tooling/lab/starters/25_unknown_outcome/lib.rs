//! # Exercise 25: a payment client whose retry charges twice
//!
//! Chapter: "Timed out, but did it happen?" (`src/unknown-outcome.md`). Solve
//! it with `cargo test` in this folder, or `cargo lab check unknown-outcome`
//! from anywhere in the course.
//!
//! `PaymentClient::pay` charges an order through a payment provider's HTTP
//! API. The provider is sometimes slow, so each attempt gets
//! `ATTEMPT_TIMEOUT`, and a failed attempt is tried again, up to `ATTEMPTS`.
//!
//! The provider's API (the tests serve it on a loopback port):
//!
//! - `POST /orders/{id}/charges` with the amount in cents as the body
//!   charges the order and answers `201 Created` with the receipt id.
//! - `503 Service Unavailable`: the provider is busy and charged nothing;
//!   try again.
//! - `402 Payment Required`: the card was declined; trying again will not
//!   help.
//! - A request with an `Idempotency-Key` header the provider has seen before
//!   charges nothing: it gets the answer of the first request with that key.
//!
//! Customers complain that they were charged twice for one order. Each
//! order must be charged exactly once, however slow the provider is and
//! even if the caller gives up on `pay` and calls it again for the same
//! order.

use std::time::Duration;

/// How long one attempt may take before the client gives up on it.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// How many attempts `pay` makes at most.
pub const ATTEMPTS: u32 = 2;

/// What to charge. Each order is paid for exactly once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: u64,
    pub amount_cents: u64,
}

/// The provider's receipt id for a charge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt(pub String);

#[derive(Debug, PartialEq, Eq)]
pub enum PayError {
    /// The provider said no (the status it answered).
    Declined(u16),
    /// No attempt got an answer.
    Unreachable,
}

/// A client of the payment provider at `base_url` (`http://host:port`).
pub struct PaymentClient {
    http: reqwest::Client,
    base_url: String,
}

impl PaymentClient {
    pub fn new(base_url: impl Into<String>) -> PaymentClient {
        PaymentClient {
            http: reqwest::Client::new(),
            base_url: base_url.into(),
        }
    }

    /// Charges `order` and returns the provider's receipt.
    pub async fn pay(&self, order: Order) -> Result<Receipt, PayError> {
        let url = format!("{}/orders/{}/charges", self.base_url, order.id);
        for _attempt in 1..=ATTEMPTS {
            let request = self.http.post(&url).body(order.amount_cents.to_string());
            match tokio::time::timeout(ATTEMPT_TIMEOUT, answer(request)).await {
                Ok(Ok(Answer::Charged(receipt))) => return Ok(receipt),
                Ok(Ok(Answer::Declined(status))) => return Err(PayError::Declined(status)),
                // Busy, or the connection failed: the charge did not happen.
                Ok(Ok(Answer::Busy) | Err(_)) => continue,
                // Timed out: the charge did not go through, try again.
                Err(_elapsed) => continue,
            }
        }
        Err(PayError::Unreachable)
    }
}

/// What one attempt heard back.
enum Answer {
    Charged(Receipt),
    Busy,
    Declined(u16),
}

/// Sends one request and reads the provider's answer.
async fn answer(request: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
    let response = request.send().await?;
    let status = response.status();
    if status.is_success() {
        Ok(Answer::Charged(Receipt(response.text().await?)))
    } else if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
        Ok(Answer::Busy)
    } else {
        Ok(Answer::Declined(status.as_u16()))
    }
}

#[cfg(test)]
mod tests;
