// WRONG FIX: race the call against the token and pick out timeouts, but drop `error_for_status()` on the way. reqwest returns a 500 as an ordinary Response, so the error page comes back as a price list.
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
    let call = async {
        let response = client.get(url).timeout(FETCH_LIMIT).send().await?;
        response.text().await
    };
    match token.run_until_cancelled(call).await {
        Some(Ok(body)) => Ok(body),
        Some(Err(error)) if error.is_timeout() => Err(FetchError::Timeout),
        Some(Err(error)) => Err(FetchError::Http(error)),
        None => Err(FetchError::Cancelled),
    }
}

#[cfg(test)]
mod tests;
