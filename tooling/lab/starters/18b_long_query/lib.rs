//! # Exercise 18b: a report that goes on after it was cancelled
//!
//! Chapter: "Databases" (`src/database.md`). Solve it with `cargo test` in
//! this folder, or `cargo lab check long-query`.
//!
//! The shop's admin pages have a "suspected duplicate charges" report: pairs
//! of payments from the same account, for the same amount, less than ten
//! minutes apart. It compares every payment with every other one, so over a
//! year of payments it takes minutes. While it runs, the page shows a
//! spinner, kept turning by `progress`; the page's "Cancel" button cancels
//! `token`.
//!
//! The report returns `Cancelled` the moment the button is pressed, and
//! looks stopped. But SQLite goes on comparing payments for minutes, on the
//! database's only connection, and every other admin page waits for it.
//! Make a cancelled report stop SQLite's work, return `Cancelled`, and leave
//! the connection fit for the next query. A report whose future is dropped
//! (the page was closed, a time limit ran out) must stop SQLite too, and the
//! caller's token is the caller's: listen to it, never cancel it.

use sqlx::sqlite::SqlitePool;
use tokio_util::sync::CancellationToken;

/// SQLite calls the progress handler every this many steps of its virtual
/// machine: about a millisecond of work.
pub const PROGRESS_EVERY: i32 = 10_000;

/// Per account, the pairs of payments that look like one charge made twice.
const SUSPECTED_DUPLICATES: &str = "
    SELECT a.account, COUNT(*)
    FROM payments a JOIN payments b
      ON b.account = a.account AND b.amount_cents = a.amount_cents
     AND b.id > a.id AND abs(b.paid_at - a.paid_at) < 600
    GROUP BY a.account
    ORDER BY a.account";

/// Creates the `payments` table in a new database.
pub async fn create_schema(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS payments (
             id INTEGER PRIMARY KEY,
             account TEXT NOT NULL,
             amount_cents INTEGER NOT NULL,
             paid_at INTEGER NOT NULL
         )",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Why the report has no answer.
#[derive(Debug)]
pub enum ReportError {
    /// The user cancelled the report.
    Cancelled,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for ReportError {
    fn from(error: sqlx::Error) -> Self {
        ReportError::Database(error)
    }
}

/// The suspected duplicate charges: per account (in order), how many pairs
/// of its payments look like the same charge made twice.
pub async fn suspected_duplicates(
    pool: &SqlitePool,
    token: &CancellationToken,
    progress: impl Fn() + Send + 'static,
) -> Result<Vec<(String, i64)>, ReportError> {
    let mut conn = pool.acquire().await?;
    // Keeps the spinner turning: SQLite calls this while it works.
    conn.lock_handle()
        .await?
        .set_progress_handler(PROGRESS_EVERY, move || {
            progress();
            true // carry on
        });
    tokio::select! {
        rows = sqlx::query_as(SUSPECTED_DUPLICATES).fetch_all(&mut *conn) => Ok(rows?),
        _ = token.cancelled() => Err(ReportError::Cancelled),
    }
}

#[cfg(test)]
mod tests;
