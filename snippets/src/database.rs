//! Examples for "Databases" (src/database.md) that are not part of the
//! exercises: a booking that a retry cannot make twice, for the outcome a
//! cancel at the commit leaves unknown. (What sqlx does with a dropped
//! commit is pinned in `pins::sqlite`.)

use sqlx::sqlite::SqlitePool;

/// The table the examples book into: the caller's key is the primary key.
pub const SCHEMA: &str = "CREATE TABLE bookings (\
                          idempotency_key TEXT PRIMARY KEY, amount_cents INTEGER NOT NULL)";

// ANCHOR: book_once
/// What `book_once` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Booking {
    Booked,
    AlreadyBooked,
}

/// Books a payment under a key the caller chose (one per order, say, kept
/// with the order). Called again with the same key, it books nothing more,
/// so a caller that does not know whether the last attempt went in can just
/// try again.
pub async fn book_once(
    pool: &SqlitePool,
    key: &str,
    amount_cents: i64,
) -> Result<Booking, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO bookings (idempotency_key, amount_cents) VALUES (?, ?) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(key)
    .bind(amount_cents)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?; // dropped here, the booking may be in or not
    Ok(if inserted == 1 {
        Booking::Booked
    } else {
        Booking::AlreadyBooked
    })
}

/// Asks for the outcome: did an attempt with this key go in?
pub async fn was_booked(pool: &SqlitePool, key: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bookings WHERE idempotency_key = ?)")
        .bind(key)
        .fetch_one(pool)
        .await
}
// ANCHOR_END: book_once

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use test_support::{TempDir, real_time};
    use tokio::sync::mpsc;
    use tokio::time::timeout;

    use super::*;

    const EVENT_LIMIT: Duration = Duration::from_secs(5);

    /// A pool of one connection whose first COMMIT says so and then waits
    /// until the test sends on the returned sender.
    async fn pool_with_a_slow_first_commit(
        dir: &TempDir,
    ) -> (
        SqlitePool,
        mpsc::UnboundedReceiver<()>,
        std::sync::mpsc::Sender<()>,
    ) {
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("bookings.db"))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        sqlx::query(SCHEMA).execute(&pool).await.unwrap();
        let (in_commit_tx, in_commit) = mpsc::unbounded_channel();
        let (release, release_rx) = std::sync::mpsc::channel::<()>();
        let mut release_rx = Some(release_rx);
        let mut conn = pool.acquire().await.unwrap();
        conn.lock_handle().await.unwrap().set_commit_hook(move || {
            if let Some(release_rx) = release_rx.take() {
                let _ = in_commit_tx.send(());
                let _ = release_rx.recv_timeout(EVENT_LIMIT);
            }
            true
        });
        drop(conn);
        (pool, in_commit, release)
    }

    #[test]
    fn a_booking_dropped_during_its_commit_is_in_and_booking_again_books_nothing() {
        real_time(|| async {
            let dir = TempDir::new("bookings");
            let (pool, mut in_commit, release) = pool_with_a_slow_first_commit(&dir).await;
            // The caller gives up (a timeout, a cancel) while COMMIT runs.
            tokio::select! {
                _ = book_once(&pool, "order-7", 1999) => panic!("the commit was not held"),
                _ = timeout(EVENT_LIMIT, in_commit.recv()) => {}
            }
            release.send(()).unwrap();
            // Outcome unknown to the caller; the database knows.
            assert!(
                timeout(EVENT_LIMIT, was_booked(&pool, "order-7"))
                    .await
                    .unwrap()
                    .unwrap()
            );
            assert_eq!(
                book_once(&pool, "order-7", 1999).await.unwrap(),
                Booking::AlreadyBooked
            );
            let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bookings")
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(rows, 1);
            pool.close().await;
        });
    }

    #[test]
    fn a_new_key_books() {
        real_time(|| async {
            let dir = TempDir::new("bookings-new");
            let (pool, _in_commit, release) = pool_with_a_slow_first_commit(&dir).await;
            drop(release); // the first commit need not wait
            assert_eq!(
                book_once(&pool, "order-8", 500).await.unwrap(),
                Booking::Booked
            );
            assert!(!was_booked(&pool, "order-9").await.unwrap());
            pool.close().await;
        });
    }
}
