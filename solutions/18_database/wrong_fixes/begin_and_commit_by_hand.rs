// WRONG FIX: take a connection and send BEGIN and COMMIT as plain SQL. sqlx does not know about that transaction: when the import is dropped, or fails, the connection goes back to the pool with the transaction still open, and the next user of the connection finds the half import in it.
use sqlx::sqlite::SqlitePool;
use tokio::sync::mpsc;

/// One line of the bank's statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The bank's id for the payment: importing it twice is an error.
    pub id: i64,
    pub account: String,
    pub amount_cents: i64,
    /// Seconds since the Unix epoch.
    pub paid_at: i64,
}

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

/// Imports a bank statement. Returns how many payments were imported.
///
/// After each payment, sends the number imported so far on `progress`; the
/// admin page reads every update, so the import waits for it to read the
/// previous one.
pub async fn import(
    pool: &SqlitePool,
    payments: &[Payment],
    progress: &mpsc::Sender<usize>,
) -> Result<usize, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    for (done, payment) in payments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO payments (id, account, amount_cents, paid_at) VALUES (?, ?, ?, ?)",
        )
        .bind(payment.id)
        .bind(&payment.account)
        .bind(payment.amount_cents)
        .bind(payment.paid_at)
        .execute(&mut *conn)
        .await?;
        // The admin page may have been closed: progress is best effort.
        let _ = progress.send(done + 1).await;
    }
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(payments.len())
}

#[cfg(test)]
mod tests;
