//! # Solution of exercise 25: a payment client whose retry charges twice
//!
//! Chapter: "Timed out, but did it happen?" (`src/unknown-outcome.md`).
//!
//! A timed-out attempt has an unknown outcome: the provider may have charged
//! the card and been slow to say so, or never have seen the request. The
//! starter read a timeout as "nothing happened" and sent a new charge. The
//! fix sends an idempotency key, made from the order (one key per payment,
//! not per attempt and not per call), on every attempt: a retry of a charge
//! that did happen gets the first answer back, and charges nothing. Because
//! the key comes from the order, a caller that gave up on `pay` and calls it
//! again is recognised as well.

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

    // ANCHOR: pay
    /// Charges `order` and returns the provider's receipt.
    pub async fn pay(&self, order: Order) -> Result<Receipt, PayError> {
        let url = format!("{}/orders/{}/charges", self.base_url, order.id);
        // One key per payment: the same on every attempt, and on every call
        // for this order.
        let key = idempotency_key(order);
        for _attempt in 1..=ATTEMPTS {
            let request = self
                .http
                .post(&url)
                .header("Idempotency-Key", &key)
                .body(order.amount_cents.to_string());
            match tokio::time::timeout(ATTEMPT_TIMEOUT, answer(request)).await {
                Ok(Ok(Answer::Charged(receipt))) => return Ok(receipt),
                Ok(Ok(Answer::Declined(status))) => return Err(PayError::Declined(status)),
                // Busy, a failed connection, or no answer in time: the
                // charge may or may not have happened. The key makes the
                // retry safe either way.
                Ok(Ok(Answer::Busy) | Err(_)) | Err(_) => continue,
            }
        }
        Err(PayError::Unreachable)
    }
    // ANCHOR_END: pay
}

// ANCHOR: key
/// The key of the one payment an order gets. It comes from the order, not
/// from the attempt or the call: whoever retries, and however often, the
/// provider sees the same payment.
fn idempotency_key(order: Order) -> String {
    format!("order-{}", order.id)
}
// ANCHOR_END: key

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
#[path = "../../../exercises/25_unknown_outcome/src/tests.rs"]
mod tests;
