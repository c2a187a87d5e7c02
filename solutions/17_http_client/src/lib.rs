//! # Solution of exercise 17: a client call that does not hear its caller
//!
//! Chapter: "HTTP client calls" (`src/http-client.md`).
//!
//! Two changes:
//!
//! - reqwest never looks at a `CancellationToken`, so the call is raced
//!   against it with `token.run_until_cancelled(..)`. When the token wins,
//!   the request's future is dropped right there, and dropping reqwest's
//!   future closes the connection: the server sees its handler dropped at
//!   the same instant. (A `tokio::spawn`ed request would go on running.)
//! - reqwest reports its own time limit as a `reqwest::Error`;
//!   `is_timeout()` picks it out, so it gets its own variant.
//!
//! The result keeps each ending apart: `None` from `run_until_cancelled` is
//! the cancel, `is_timeout()` the limit, every other error is `Http`.

use std::time::Duration;

use reqwest::Client;
use tokio_util::sync::CancellationToken;

/// How long the supplier may take, from connecting to the last byte.
pub const FETCH_LIMIT: Duration = Duration::from_secs(10);

/// Why `fetch` gave no price list.
#[derive(Debug)]
pub enum FetchError {
    /// The caller cancelled the token.
    Cancelled,
    /// The supplier took longer than `FETCH_LIMIT`.
    Timeout,
    /// Anything else reqwest reports, including an error status.
    Http(reqwest::Error),
}

// ANCHOR: fetch
/// Downloads `url` and returns its body as text.
pub async fn fetch(
    client: &Client,
    url: &str,
    token: &CancellationToken,
) -> Result<String, FetchError> {
    let call = async {
        let response = client.get(url).timeout(FETCH_LIMIT).send().await?;
        // A 4xx or 5xx answer is a normal `Response` until this line.
        response.error_for_status()?.text().await
    };
    match token.run_until_cancelled(call).await {
        Some(Ok(body)) => Ok(body),
        Some(Err(error)) if error.is_timeout() => Err(FetchError::Timeout),
        Some(Err(error)) => Err(FetchError::Http(error)),
        // The token won: `call` (and the connection) is already dropped.
        None => Err(FetchError::Cancelled),
    }
}
// ANCHOR_END: fetch

#[cfg(test)]
#[path = "../../../exercises/17_http_client/src/tests.rs"]
mod tests;
