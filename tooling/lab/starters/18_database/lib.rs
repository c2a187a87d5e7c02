//! # Exercise 18: an import that stops half-way and keeps half its rows
//!
//! Chapter: "Databases" (`src/database.md`). Solve it with `cargo test` in
//! this folder, or `cargo lab check database`.
//!
//! Every night the shop imports the bank's statement into its SQLite
//! database: one row per payment. `import` inserts the payments one by one
//! and reports how many are in so far on `progress`, which feeds the admin
//! page's progress bar.
//!
//! An import can stop half-way: the admin presses "stop", the service shuts
//! down, a time limit drops the future, or one payment fails to insert.
//! Today the payments inserted before that point stay in the table. Nobody
//! can tell a half-imported statement from a whole one, and importing the
//! same statement again fails on the first payment that is already there.
//!
//! Make an import all or nothing: however it ends before the last payment,
//! the table must look as if it had never started. The caller stops an
//! import by dropping its future, so no code of yours runs at that moment.

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
    Ok(payments.len())
}

#[cfg(test)]
mod tests;
