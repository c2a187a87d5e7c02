//! # Exercise 05: a sync that notices its time limit too late
//!
//! Chapter: "Timeouts" (`src/timeouts.md`). Solve it with `cargo test` in this
//! folder, or `cargo lab check timeouts` from anywhere in the course.
//!
//! `sync_invoices` copies a customer's invoices from a partner's accounting
//! API, one page at a time; each page takes the API 2 s. The "Refresh" button
//! of the billing page awaits it, and the whole sync gets 5 s: after that the
//! page says "the accounting system is slow, try again later", which is what
//! `SyncError::TimedOut` is for. An error answer from the API is a different
//! story and keeps its own variant, `SyncError::Api`.
//!
//! The code below reads a stopwatch between pages, the way a .NET loop might
//! check `Stopwatch.Elapsed`. It does answer `TimedOut` in the end, but late,
//! and only after fetching a page that nobody will read. Make the sync end at
//! exactly 5 s, whatever it is waiting for at that moment, with nothing
//! fetched after that, and keep the API's own errors apart from the timeout.

use std::sync::Arc;
use std::time::Duration;

/// How long the billing page waits for a whole sync.
pub const SYNC_LIMIT: Duration = Duration::from_secs(5);
/// How long the accounting API takes to answer one page.
pub const PAGE_TIME: Duration = Duration::from_secs(2);
/// How many invoices one page holds.
pub const PAGE_SIZE: u32 = 3;

/// One invoice, as the accounting API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub number: u32,
}

/// One page of invoices; `last` is true on the final page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub invoices: Vec<Invoice>,
    pub last: bool,
}

/// An error answer from the accounting API, with its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
}

/// Why a sync did not bring the invoices back. The billing page shows a
/// different message for each.
#[derive(Debug, PartialEq, Eq)]
pub enum SyncError {
    /// The sync took longer than [`SYNC_LIMIT`]: "the accounting system is
    /// slow, try again later".
    TimedOut,
    /// The accounting API answered with an error.
    Api(ApiError),
}

impl From<ApiError> for SyncError {
    fn from(error: ApiError) -> Self {
        SyncError::Api(error)
    }
}

/// The partner's accounting API. A stand-in: every page takes [`PAGE_TIME`],
/// and `on_page` hears about every page it serves (the tests count them).
#[derive(Clone)]
pub struct AccountingApi {
    pages: u32,
    failing_page: Option<u32>,
    on_page: Arc<dyn Fn(u32) + Send + Sync>,
}

impl AccountingApi {
    /// An account whose invoices fill `pages` pages.
    pub fn new(pages: u32, on_page: impl Fn(u32) + Send + Sync + 'static) -> Self {
        AccountingApi {
            pages,
            failing_page: None,
            on_page: Arc::new(on_page),
        }
    }

    /// The same account, but the API answers 503 for `page`.
    pub fn failing_at(self, page: u32) -> Self {
        AccountingApi {
            failing_page: Some(page),
            ..self
        }
    }

    /// Fetches page `number` (counting from 1).
    pub async fn fetch_page(&self, number: u32) -> Result<Page, ApiError> {
        tokio::time::sleep(PAGE_TIME).await;
        if self.failing_page == Some(number) {
            return Err(ApiError { status: 503 });
        }
        (self.on_page)(number);
        let first = (number - 1) * PAGE_SIZE + 1;
        Ok(Page {
            invoices: (first..first + PAGE_SIZE)
                .map(|number| Invoice { number })
                .collect(),
            last: number >= self.pages,
        })
    }
}

/// Fetches every invoice of the account, or says why it could not.
pub async fn sync_invoices(api: &AccountingApi) -> Result<Vec<Invoice>, SyncError> {
    let started = tokio::time::Instant::now();
    let mut invoices = Vec::new();
    let mut number = 1;
    loop {
        let page = api.fetch_page(number).await?;
        invoices.extend(page.invoices);
        if page.last {
            return Ok(invoices);
        }
        // Over the limit? Then give up before asking for the next page.
        if started.elapsed() > SYNC_LIMIT {
            return Err(SyncError::TimedOut);
        }
        number += 1;
    }
}

#[cfg(test)]
mod tests;
