//! Examples for "Swallowed cancellation" (src/swallow.md).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

#[derive(Debug, PartialEq, Eq)]
pub struct Cancelled;

#[derive(Debug, PartialEq, Eq)]
pub enum ImportError {
    /// Stopped on request: nothing is wrong, but nothing is finished either.
    Cancelled,
    /// A row could not be read.
    BadRow(u32),
}

impl ImportError {
    pub fn is_cancelled(&self) -> bool {
        matches!(self, ImportError::Cancelled)
    }
}

/// Looks up a customer's open orders: one call of two seconds.
pub async fn fetch_open_orders(customer: u32) -> Vec<u32> {
    tokio::time::sleep(Duration::from_secs(2)).await;
    vec![customer * 10 + 1, customer * 10 + 2]
}

// ANCHOR: unwrap_or_default
/// A cancel turns into "this customer has no open orders".
pub async fn open_orders_or_empty(customer: u32, token: &CancellationToken) -> Vec<u32> {
    token
        .run_until_cancelled(fetch_open_orders(customer))
        .await
        .unwrap_or_default()
}
// ANCHOR_END: unwrap_or_default

// ANCHOR: import_rows
/// Imports `rows` rows, one a second; row `bad` (if any) cannot be read.
/// The cancel is kept: it comes back as `Err(ImportError::Cancelled)`.
pub async fn import_rows(
    rows: u32,
    bad: Option<u32>,
    token: &CancellationToken,
) -> Result<u32, ImportError> {
    for row in 1..=rows {
        tokio::select! {
            _ = token.cancelled() => return Err(ImportError::Cancelled),
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        if bad == Some(row) {
            return Err(ImportError::BadRow(row));
        }
    }
    Ok(rows)
}
// ANCHOR_END: import_rows

// ANCHOR: is_cancelled_ok
/// "Shutting down is not an error": the cancel becomes a success.
pub async fn import_quietly(rows: u32, token: &CancellationToken) -> Result<u32, ImportError> {
    match import_rows(rows, None, token).await {
        Err(error) if error.is_cancelled() => Ok(0),
        other => other,
    }
}
// ANCHOR_END: is_cancelled_ok

// ANCHOR: select_partial
/// "Return what we have": the cancel becomes a smaller, successful import.
pub async fn import_what_we_can(rows: u32, token: &CancellationToken) -> Result<u32, ImportError> {
    let mut imported = 0;
    for _ in 1..=rows {
        tokio::select! {
            _ = token.cancelled() => return Ok(imported),
            _ = tokio::time::sleep(Duration::from_secs(1)) => imported += 1,
        }
    }
    Ok(imported)
}
// ANCHOR_END: select_partial

// ANCHOR: keep_it
/// The open orders, or `Err(Cancelled)`: never an empty list that lies.
pub async fn open_orders(customer: u32, token: &CancellationToken) -> Result<Vec<u32>, Cancelled> {
    token
        .run_until_cancelled(fetch_open_orders(customer))
        .await
        .ok_or(Cancelled)
}

/// Imports two files. `?` passes a cancel (and a bad row) straight up, and
/// the line after it, which marks the files as done, never runs.
pub async fn import_two_files(
    token: &CancellationToken,
    done: &AtomicU32,
) -> Result<u32, ImportError> {
    let first = import_rows(3, None, token).await?;
    let second = import_rows(3, None, token).await?;
    done.fetch_add(2, Ordering::SeqCst);
    Ok(first + second)
}
// ANCHOR_END: keep_it

// ANCHOR: top_level
/// The importer's main loop, at the very top of the program. Here, and only
/// here, a cancel is turned into a normal end: nobody above acts on the
/// result, and a shutdown is not an error to report.
pub async fn run_importer(
    token: CancellationToken,
    imported: &AtomicU32,
) -> Result<(), ImportError> {
    loop {
        match import_rows(3, None, &token).await {
            Ok(rows) => imported.fetch_add(rows, Ordering::SeqCst),
            Err(ImportError::Cancelled) => {
                println!("importer: stopped on request"); // info, not error
                return Ok(());
            }
            Err(error) => return Err(error),
        };
    }
}
// ANCHOR_END: top_level

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;
    use tokio::time::sleep;

    /// A token cancelled at `after` from now.
    fn cancelled_after(after: Duration) -> CancellationToken {
        let token = CancellationToken::new();
        let canceller = token.clone();
        tokio::spawn(async move {
            sleep(after).await;
            canceller.cancel();
        });
        token
    }

    #[test]
    fn unwrap_or_default_makes_a_cancel_look_like_no_orders() {
        paused(|| async {
            let token = cancelled_after(Duration::from_millis(500));
            assert_eq!(open_orders_or_empty(7, &token).await, Vec::<u32>::new());
            assert_eq!(open_orders(7, &token).await, Err(Cancelled));
            assert_eq!(
                open_orders(7, &CancellationToken::new()).await,
                Ok(vec![71, 72])
            );
        });
    }

    #[test]
    fn an_is_cancelled_guard_makes_a_cancel_look_like_success() {
        paused(|| async {
            let token = cancelled_after(Duration::from_millis(1500));
            assert_eq!(import_quietly(3, &token).await, Ok(0));
        });
    }

    #[test]
    fn a_select_branch_makes_a_cancel_look_like_a_short_import() {
        paused(|| async {
            let token = cancelled_after(Duration::from_millis(2500));
            assert_eq!(import_what_we_can(10, &token).await, Ok(2));
        });
    }

    #[test]
    fn the_question_mark_carries_the_cancel_up() {
        paused(|| async {
            let done = AtomicU32::new(0);
            let token = cancelled_after(Duration::from_millis(4500));
            assert_eq!(
                import_two_files(&token, &done).await,
                Err(ImportError::Cancelled)
            );
            assert_eq!(done.load(Ordering::SeqCst), 0);

            let done = AtomicU32::new(0);
            let token = CancellationToken::new();
            assert_eq!(import_two_files(&token, &done).await, Ok(6));
            assert_eq!(done.load(Ordering::SeqCst), 2);
        });
    }

    #[test]
    fn a_bad_row_is_not_a_cancel() {
        paused(|| async {
            let token = CancellationToken::new();
            assert_eq!(
                import_rows(5, Some(2), &token).await,
                Err(ImportError::BadRow(2))
            );
        });
    }

    #[test]
    fn the_top_level_loop_ends_cleanly_on_cancel() {
        paused(|| async {
            let imported = AtomicU32::new(0);
            let token = cancelled_after(Duration::from_millis(7500));
            assert_eq!(run_importer(token, &imported).await, Ok(()));
            assert_eq!(imported.load(Ordering::SeqCst), 6); // two full rounds of 3
        });
    }
}
