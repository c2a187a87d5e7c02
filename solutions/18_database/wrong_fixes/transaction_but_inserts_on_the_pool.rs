// WRONG FIX: begin a transaction, but leave the INSERTs running on the pool. The transaction holds the pool's only connection, so every INSERT waits for a second one and fails; with a bigger pool, the INSERTs would run outside the transaction and stay.
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
    let tx = pool.begin().await?;
    for (done, payment) in payments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO payments (id, account, amount_cents, paid_at) VALUES (?, ?, ?, ?)",
        )
        .bind(payment.id)
        .bind(&payment.account)
        .bind(payment.amount_cents)
        .bind(payment.paid_at)
        .execute(pool)
        .await?;
        // The admin page may have been closed: progress is best effort.
        let _ = progress.send(done + 1).await;
    }
    tx.commit().await?;
    Ok(payments.len())
}

#[cfg(test)]
mod tests;
