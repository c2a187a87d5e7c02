//! # Exercise 17: a client call that does not hear its caller
//!
//! Chapter: "HTTP client calls" (`src/http-client.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check http-client`.
//!
//! `fetch` downloads a supplier's price list over HTTP with reqwest. Its
//! callers need to tell three endings apart:
//!
//! - `FetchError::Cancelled`: the caller cancelled `token` (the user pressed
//!   Stop, the service is shutting down). Not a failure: nothing to retry,
//!   nothing to alert on.
//! - `FetchError::Timeout`: the supplier did not answer within
//!   `FETCH_LIMIT`. Worth a retry later.
//! - `FetchError::Http`: anything else (no connection, an error status such
//!   as 500, a broken body).
//!
//! Today a cancel is not heard until the time limit, and a time limit is
//! reported as an ordinary HTTP failure. Make `fetch` stop at once when the
//! token is cancelled, and report each ending as its own variant. When
//! `fetch` gives up, for either reason, the request must be gone from the
//! supplier's server too, not left running behind the caller's back.

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

/// Downloads `url` and returns its body as text.
pub async fn fetch(
    client: &Client,
    url: &str,
    token: &CancellationToken,
) -> Result<String, FetchError> {
    // Do not even start if the caller has already given up.
    if token.is_cancelled() {
        return Err(FetchError::Cancelled);
    }
    let response = client
        .get(url)
        .timeout(FETCH_LIMIT)
        .send()
        .await
        .map_err(FetchError::Http)?;
    let response = response.error_for_status().map_err(FetchError::Http)?;
    response.text().await.map_err(FetchError::Http)
}

#[cfg(test)]
mod tests;
