//! The examples of the "unknown-outcome" chapter (src/unknown-outcome.md) that are not the
//! exercise's solution, compiled and tested here.
//!
//! A provider that remembers idempotency keys (the server's half), and a
//! client helper that retries one request under one key (the client's half).
//! The tests pin what the chapter says about reqwest and axum: a client
//! timeout says nothing about what the server did.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

// ANCHOR: timeout_is_not_a_no
/// One attempt at a charge, given up after `limit`.
///
/// `Err(Elapsed)` says when the client stopped listening. It does not say
/// whether the server read the request, charged the card, or is about to.
pub async fn charge_within(
    client: &reqwest::Client,
    url: &str,
    limit: Duration,
) -> Result<Result<String, reqwest::Error>, tokio::time::error::Elapsed> {
    tokio::time::timeout(limit, async {
        client.post(url).body("1999").send().await?.text().await
    })
    .await
}
// ANCHOR_END: timeout_is_not_a_no

// ANCHOR: server_side
/// The provider's memory of keys: the answer it gave each one.
#[derive(Default)]
pub struct Charges {
    answers: Mutex<HashMap<String, String>>,
}

impl Charges {
    /// Charges once per key. The check and the charge happen under one
    /// lock, with no `.await` between them: two requests with one key can
    /// never both get past the check.
    pub fn charge_once(&self, key: &str, amount_cents: u64) -> (StatusCode, String) {
        let mut answers = self.answers.lock().unwrap();
        if let Some(receipt) = answers.get(key) {
            return (StatusCode::OK, receipt.clone()); // a retry: the same answer
        }
        let receipt = format!("r{}-{amount_cents}", answers.len() + 1);
        answers.insert(key.to_owned(), receipt.clone());
        (StatusCode::CREATED, receipt)
    }
}

/// `POST /charges`: a request without a key is refused.
pub async fn charge(
    State(charges): State<Arc<Charges>>,
    headers: HeaderMap,
    amount: String,
) -> (StatusCode, String) {
    let Some(key) = headers.get("idempotency-key").and_then(|v| v.to_str().ok()) else {
        return (
            StatusCode::BAD_REQUEST,
            "an Idempotency-Key is required".into(),
        );
    };
    let Ok(amount_cents) = amount.parse() else {
        return (
            StatusCode::BAD_REQUEST,
            "the body is the amount in cents".into(),
        );
    };
    charges.charge_once(key, amount_cents)
}
// ANCHOR_END: server_side

// ANCHOR: client_side
/// Sends one POST up to `attempts` times, each given `limit`, all under the
/// one `key` the caller made for this operation (and kept with it).
pub async fn post_with_key(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &str,
    attempts: u32,
    limit: Duration,
) -> Option<String> {
    for _ in 0..attempts {
        let send = client
            .post(url)
            .header("Idempotency-Key", key) // the same on every attempt
            .body(body.to_owned())
            .send();
        if let Ok(Ok(response)) = tokio::time::timeout(limit, send).await
            && response.status().is_success()
            && let Ok(text) = response.text().await
        {
            return Some(text);
        }
        // Timed out or failed: unknown, and safe to send again.
    }
    None
}
// ANCHOR_END: client_side

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use axum::Router;
    use axum::routing::post;
    use test_support::paused;

    use super::*;

    async fn serve(router: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        format!("http://{addr}")
    }

    /// Counts the charges a handler made.
    #[derive(Default)]
    struct Seen {
        charged: AtomicU32,
    }

    /// reqwest: a timeout is an error whose `is_timeout()` is true
    /// (reqwest 0.13.5 `src/error.rs`, `Error::is_timeout`; the per-request
    /// timer is `RequestBuilder::timeout`, `src/async_impl/request.rs`), and
    /// tokio's `timeout` around `send` gives `Elapsed`. Neither knows what the
    /// server did: here it had charged at once and was slow to answer.
    #[test]
    fn a_client_timeout_after_the_server_acted_leaves_the_charge_in_place() {
        paused(|| async {
            let seen = Arc::new(Seen::default());
            let router = Router::new()
                .route(
                    "/charges",
                    post(async |State(seen): State<Arc<Seen>>| {
                        seen.charged.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_secs(3)).await; // slow to answer
                        "r1"
                    }),
                )
                .with_state(seen.clone());
            let base = serve(router).await;
            let client = reqwest::Client::new();

            let outcome =
                charge_within(&client, &format!("{base}/charges"), Duration::from_secs(2)).await;
            assert!(outcome.is_err(), "tokio's timeout gave up: {outcome:?}");
            assert_eq!(
                seen.charged.load(Ordering::SeqCst),
                1,
                "yet the card was charged"
            );

            // reqwest's own per-request timeout says the same thing.
            let error = client
                .post(format!("{base}/charges"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .unwrap_err();
            assert!(error.is_timeout(), "{error:?}");
            assert_eq!(seen.charged.load(Ordering::SeqCst), 2, "charged again");
        });
    }

    #[test]
    fn one_key_is_charged_once_and_two_keys_twice() {
        let charges = Charges::default();
        let (first, receipt) = charges.charge_once("order-7", 1999);
        assert_eq!(first, StatusCode::CREATED);
        assert_eq!(
            charges.charge_once("order-7", 1999),
            (StatusCode::OK, receipt)
        );
        assert_eq!(charges.charge_once("order-8", 500).0, StatusCode::CREATED);
        assert_eq!(charges.answers.lock().unwrap().len(), 2);
    }

    /// The client half against the server half: a slow first answer (the
    /// charge done, the answer late) and a retry under the same key give
    /// one charge and the first receipt.
    #[test]
    fn a_retry_under_the_same_key_gets_the_first_answer() {
        paused(|| async {
            let charges = Arc::new(Charges::default());
            let calls = Arc::new(AtomicU32::new(0));
            let router = Router::new()
                .route(
                    "/charges",
                    post(
                        async move |State((charges, calls)): State<(
                            Arc<Charges>,
                            Arc<AtomicU32>,
                        )>,
                                    headers: HeaderMap,
                                    amount: String| {
                            let answer = charge(State(charges), headers, amount).await;
                            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                                tokio::time::sleep(Duration::from_secs(3)).await;
                            }
                            answer
                        },
                    ),
                )
                .with_state((charges.clone(), calls.clone()));
            let base = serve(router).await;
            let client = reqwest::Client::new();
            let url = format!("{base}/charges");

            let receipt =
                post_with_key(&client, &url, "order-7", "1999", 2, Duration::from_secs(2)).await;
            assert_eq!(receipt.as_deref(), Some("r1-1999"));
            assert_eq!(calls.load(Ordering::SeqCst), 2, "one retry");
            assert_eq!(charges.answers.lock().unwrap().len(), 1, "one charge");

            // Without a key, the provider refuses: nothing is charged blind.
            let refused = client.post(&url).body("1999").send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        });
    }
}
