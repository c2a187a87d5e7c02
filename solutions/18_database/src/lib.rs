//! # Solution of exercise 18: an import that stops half-way and keeps half its rows
//!
//! Chapter: "Databases" (`src/database.md`).
//!
//! The starter ran every INSERT on its own, so SQLite committed each payment
//! the moment it was written: whatever stopped the import afterwards, those
//! rows stayed. The fix puts the whole statement in one transaction on one
//! connection, and commits once, after the last payment.
//!
//! Nothing has to run when the import is stopped, which is just as well:
//! when the caller drops the future, no line of `import` runs again. What
//! does run is `Drop`. Dropping a `Transaction` that was not committed rolls
//! it back (sqlx queues the ROLLBACK on the connection, ahead of anything
//! else), and the connection then goes back to the pool, clean. The `?` on a
//! failed INSERT takes the same path. So the table holds all of a statement
//! or none of it.
//!
//! The chapter's other examples are in `snippets/src/database.rs`, with the
//! tests that pin what the chapter says about them.

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

// ANCHOR: import
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
    // One connection, one transaction, for the whole statement. If this
    // future is dropped, or a `?` returns early, `tx` is dropped without a
    // commit, and sqlx rolls it back.
    let mut tx = pool.begin().await?;
    for (done, payment) in payments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO payments (id, account, amount_cents, paid_at) VALUES (?, ?, ?, ?)",
        )
        .bind(payment.id)
        .bind(&payment.account)
        .bind(payment.amount_cents)
        .bind(payment.paid_at)
        .execute(&mut *tx) // on the transaction, not on the pool
        .await?;
        // The admin page may have been closed: progress is best effort.
        let _ = progress.send(done + 1).await;
    }
    // The only line that makes the payments permanent.
    tx.commit().await?;
    Ok(payments.len())
}
// ANCHOR_END: import

#[cfg(test)]
#[path = "../../../exercises/18_database/src/tests.rs"]
mod tests;
