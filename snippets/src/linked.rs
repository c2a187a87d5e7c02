//! Examples for "Two reasons to stop" (src/linked.md).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A stand-in for a search index that answers after `latency`.
pub struct SearchIndex {
    pub latency: Duration,
}

impl SearchIndex {
    pub async fn lookup(&self, query: &str) -> Vec<String> {
        tokio::time::sleep(self.latency).await;
        vec![format!("{query} (first hit)")]
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum SearchError {
    Cancelled,
    TimedOut,
}

// ANCHOR: reason_in_the_type
/// Searches, unless the user cancels or 5 s pass; says which one happened.
pub async fn search(
    index: &SearchIndex,
    query: &str,
    user: &CancellationToken,
) -> Result<Vec<String>, SearchError> {
    let until_cancelled = user.run_until_cancelled(index.lookup(query));
    match tokio::time::timeout(Duration::from_secs(5), until_cancelled).await {
        Ok(Some(hits)) => Ok(hits),                  // done
        Ok(None) => Err(SearchError::Cancelled),     // the user's token fired
        Err(_elapsed) => Err(SearchError::TimedOut), // the clock ran out
    }
}
// ANCHOR_END: reason_in_the_type

// ANCHOR: merged
/// .NET's `CreateLinkedTokenSource(user)` plus `CancelAfter(limit)`, copied
/// to the letter: one token that either reason cancels.
pub fn merged(user: &CancellationToken, limit: Duration) -> CancellationToken {
    let merged = user.child_token();
    let timer = merged.clone();
    tokio::spawn(async move {
        tokio::time::sleep(limit).await;
        timer.cancel();
    });
    merged
}

/// `None` whichever reason it was: the token only knows *that* it fired.
pub async fn search_merged(
    index: &SearchIndex,
    query: &str,
    user: &CancellationToken,
) -> Option<Vec<String>> {
    let token = merged(user, Duration::from_secs(5));
    token.run_until_cancelled(index.lookup(query)).await
}
// ANCHOR_END: merged

// ANCHOR: child_token
/// A server's tokens: one for shutdown, one child per request.
pub fn parent_and_children() {
    let shutdown = CancellationToken::new();
    let request_a = shutdown.child_token();
    let request_b = shutdown.child_token();

    request_a.cancel(); // A's user pressed Cancel: A stops, nothing else does
    assert!(!request_b.is_cancelled());
    assert!(!shutdown.is_cancelled());

    shutdown.cancel(); // the server stops: every request stops with it
    assert!(request_b.is_cancelled());
}
// ANCHOR_END: child_token

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::cancel_after;
    use test_support::paused;
    use tokio::time::Instant;

    fn index(secs: u64) -> SearchIndex {
        SearchIndex {
            latency: Duration::from_secs(secs),
        }
    }

    #[test]
    fn each_reason_has_its_own_shape() {
        paused(|| async {
            let user = CancellationToken::new();
            let start = Instant::now();
            assert_eq!(
                search(&index(1), "rust", &user)
                    .await
                    .map(|hits| hits.len()),
                Ok(1)
            );
            assert_eq!(start.elapsed(), Duration::from_secs(1));

            let start = Instant::now();
            assert_eq!(
                search(&index(60), "rust", &user).await,
                Err(SearchError::TimedOut)
            );
            assert_eq!(start.elapsed(), Duration::from_secs(5));

            let start = Instant::now();
            cancel_after(&user, Duration::from_secs(2));
            assert_eq!(
                search(&index(60), "rust", &user).await,
                Err(SearchError::Cancelled)
            );
            assert_eq!(start.elapsed(), Duration::from_secs(2));
        });
    }

    #[test]
    fn a_merged_token_gives_the_same_none_for_both_reasons() {
        paused(|| async {
            let user = CancellationToken::new();
            let timed_out = search_merged(&index(60), "rust", &user).await;
            assert_eq!(timed_out, None);
            assert!(!user.is_cancelled());

            cancel_after(&user, Duration::from_secs(2));
            let cancelled = search_merged(&index(60), "rust", &user).await;
            assert_eq!(cancelled, timed_out);
        });
    }

    #[test]
    fn children_follow_their_parent_but_not_each_other() {
        parent_and_children();
    }
}
