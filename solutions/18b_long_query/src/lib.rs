//! # Solution of exercise 18b: a report that goes on after it was cancelled
//!
//! Chapter: "Databases" (`src/database.md`).
//!
//! sqlx runs each SQLite connection on a thread of its own. The starter's
//! `select!` dropped the query's future when the token fired, and that only
//! stopped the *waiting*: the statement went on inside SQLite, on that
//! thread, for minutes, and the pool could not hand the connection out
//! until it ended.
//!
//! The only code that runs inside a SQLite statement is its callbacks, and
//! the progress handler is the one that can stop it: when it returns
//! `false`, SQLite ends the statement with SQLITE_INTERRUPT (code 9). So the
//! handler, which already turned the spinner, now also looks at the token,
//! and there is no `select!` left: the query itself comes back, at once,
//! with "interrupted", which the report turns into `Cancelled`.
//!
//! The caller may also drop the report's future (a timeout, a page that
//! closed) without cancelling anything. So the handler looks at a child of
//! the caller's token, which a guard cancels when the future is dropped:
//! SQLite stops then too. The caller's own token is never cancelled.
//!
//! A progress handler belongs to the connection, not to the query, and with
//! its token cancelled for good it would interrupt the next long query on
//! that connection, whoever runs it. Taking it off after the query is not
//! enough: a dropped future never gets there. So the connection is closed
//! when it is dropped instead of going back to the pool, and the handler
//! goes with it, on every way out.

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

// ANCHOR: report
/// The suspected duplicate charges: per account (in order), how many pairs
/// of its payments look like the same charge made twice.
pub async fn suspected_duplicates(
    pool: &SqlitePool,
    token: &CancellationToken,
    progress: impl Fn() + Send + 'static,
) -> Result<Vec<(String, i64)>, ReportError> {
    // A short report might end before SQLite first calls the handler.
    if token.is_cancelled() {
        return Err(ReportError::Cancelled);
    }
    let mut conn = pool.acquire().await?;
    // The handler stays on this connection: never hand it to anyone else.
    conn.close_on_drop();
    // Cancelled with the caller's token, and when this future is dropped.
    let stop = token.child_token();
    let _stop_when_dropped = stop.clone().drop_guard();
    // Keeps the spinner turning, and stops SQLite itself on a cancel.
    conn.lock_handle()
        .await?
        .set_progress_handler(PROGRESS_EVERY, move || {
            progress();
            !stop.is_cancelled() // `false`: SQLite ends the statement, code 9
        });
    let rows = sqlx::query_as(SUSPECTED_DUPLICATES)
        .fetch_all(&mut *conn)
        .await;
    match rows {
        Ok(rows) => Ok(rows),
        Err(error) if token.is_cancelled() && is_interrupted(&error) => Err(ReportError::Cancelled),
        Err(error) => Err(error.into()),
    }
}

/// SQLite's answer to a progress handler that returned `false`:
/// SQLITE_INTERRUPT, result code 9.
fn is_interrupted(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| code == "9")
}
// ANCHOR_END: report

#[cfg(test)]
#[path = "../../../exercises/18b_long_query/src/tests.rs"]
mod tests;
