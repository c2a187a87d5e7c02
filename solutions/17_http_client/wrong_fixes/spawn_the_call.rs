// WRONG FIX: spawn the call and race its JoinHandle against the token. fetch returns Cancelled at once, but dropping a JoinHandle does not stop the task: the request runs on until its own time limit.
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
    // Run the call on its own task, so that we can stop waiting for it.
    let request = client.get(url).timeout(FETCH_LIMIT);
    let call = tokio::spawn(async move { request.send().await?.error_for_status()?.text().await });
    tokio::select! {
        _ = token.cancelled() => Err(FetchError::Cancelled),
        joined = call => match joined.expect("the call panicked") {
            Ok(body) => Ok(body),
            Err(error) if error.is_timeout() => Err(FetchError::Timeout),
            Err(error) => Err(FetchError::Http(error)),
        },
    }
}

#[cfg(test)]
mod tests;
