// WRONG FIX: the progress handler stops SQLite on a cancel, and stays on the connection. The connection goes back to the pool with a handler whose token is cancelled for good, and the next long query on it is interrupted though nobody cancelled it.
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
    let stop = token.clone();
    // Keeps the spinner turning, and stops SQLite on a cancel.
    conn.lock_handle()
        .await?
        .set_progress_handler(PROGRESS_EVERY, move || {
            progress();
            !stop.is_cancelled()
        });
    match sqlx::query_as(SUSPECTED_DUPLICATES)
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => Ok(rows),
        Err(error) if is_interrupted(&error) => Err(ReportError::Cancelled),
        Err(error) => Err(error.into()),
    }
}

/// SQLite's answer to a progress handler that returned `false`.
fn is_interrupted(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| code == "9")
}

#[cfg(test)]
mod tests;
