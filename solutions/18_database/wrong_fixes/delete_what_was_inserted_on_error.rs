// WRONG FIX: when an INSERT fails, delete the payments inserted so far, the way a catch block would. That covers a failure, but a caller that stops the import drops its future: no line of `import` runs again, and the rows stay.
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
    for (done, payment) in payments.iter().enumerate() {
        let inserted = sqlx::query(
            "INSERT INTO payments (id, account, amount_cents, paid_at) VALUES (?, ?, ?, ?)",
        )
        .bind(payment.id)
        .bind(&payment.account)
        .bind(payment.amount_cents)
        .bind(payment.paid_at)
        .execute(pool)
        .await;
        if let Err(error) = inserted {
            // Undo the payments this import inserted before this one.
            for earlier in &payments[..done] {
                sqlx::query("DELETE FROM payments WHERE id = ?")
                    .bind(earlier.id)
                    .execute(pool)
                    .await?;
            }
            return Err(error);
        }
        // The admin page may have been closed: progress is best effort.
        let _ = progress.send(done + 1).await;
    }
    Ok(payments.len())
}

#[cfg(test)]
mod tests;
