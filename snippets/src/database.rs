//! Examples for "Databases" (src/database.md) that are not part of the
//! exercises: a transaction that rolls back when it is dropped, a connection
//! that goes back to the pool, a long query that dropping does not stop and
//! one that SQLite interrupts, and a booking that a retry cannot make twice,
//! for the outcome a cancel at the commit leaves unknown. (What sqlx does
//! with a dropped commit is pinned in `pins::sqlite`.)

use sqlx::sqlite::SqlitePool;
use tokio_util::sync::CancellationToken;

/// One line of the bank's statement (as in the exercise's import).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The bank's id for the payment.
    pub id: i64,
    pub account: String,
    pub amount_cents: i64,
    /// Seconds since the Unix epoch.
    pub paid_at: i64,
}

/// Creates the `payments` table the examples below work on.
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

/// Counts to a billion, one row at a time: minutes of work for SQLite.
pub const SLOW_COUNT: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                              WHERE i < 1000000000) SELECT COUNT(*) FROM n";

/// SQLite calls a progress handler every this many virtual-machine steps
/// (about a millisecond of work).
pub const PROGRESS_EVERY: i32 = 10_000;

// ANCHOR: rollback
/// Replaces a payment that was booked wrong: both steps happen, or neither.
pub async fn correct_payment(
    pool: &SqlitePool,
    wrong_id: i64,
    right: &Payment,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM payments WHERE id = ?")
        .bind(wrong_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO payments (id, account, amount_cents, paid_at) VALUES (?, ?, ?, ?)")
        .bind(right.id)
        .bind(&right.account)
        .bind(right.amount_cents)
        .bind(right.paid_at)
        .execute(&mut *tx)
        .await?; // a failure here drops `tx`: the DELETE is rolled back
    tx.commit().await
} // dropped at any `.await` above: `tx` is dropped, and rolled back
// ANCHOR_END: rollback

// ANCHOR: pool_return
/// The account with the most payments.
pub async fn busiest_account(pool: &SqlitePool) -> Result<Option<String>, sqlx::Error> {
    let mut conn = pool.acquire().await?; // a PoolConnection<Sqlite>
    sqlx::query_scalar(
        "SELECT account FROM payments GROUP BY account ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await
} // `conn` is dropped here, or wherever the caller drops this future: it goes back to the pool
// ANCHOR_END: pool_return

/// Why a query gave no answer.
#[derive(Debug)]
pub enum QueryError {
    Cancelled,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for QueryError {
    fn from(error: sqlx::Error) -> Self {
        QueryError::Database(error)
    }
}

// ANCHOR: is_interrupted
/// SQLite's answer to a progress handler that returned `false`:
/// SQLITE_INTERRUPT, result code 9, "interrupted".
pub fn is_interrupted(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| code == "9")
}
// ANCHOR_END: is_interrupted

// ANCHOR: interruptible
/// Runs a `SELECT COUNT(*)`-style query that SQLite itself stops when
/// `token` is cancelled, or when this future is dropped. `progress` is
/// called every few thousand steps, from the connection's thread.
pub async fn count_interruptible(
    pool: &SqlitePool,
    sql: &'static str,
    token: &CancellationToken,
    progress: impl Fn() + Send + 'static,
) -> Result<i64, QueryError> {
    let mut conn = pool.acquire().await?;
    // The handler stays on this connection after the query: do not hand
    // the connection to anyone else, close it when it is dropped.
    conn.close_on_drop();
    // Cancelled with the caller's token, and when this future is dropped.
    let stop = token.child_token();
    let _stop_when_dropped = stop.clone().drop_guard();
    conn.lock_handle()
        .await?
        .set_progress_handler(PROGRESS_EVERY, move || {
            progress();
            !stop.is_cancelled() // `false` makes SQLite stop the statement
        });
    match sqlx::query_scalar(sql).fetch_one(&mut *conn).await {
        Ok(count) => Ok(count),
        Err(error) if is_interrupted(&error) => Err(QueryError::Cancelled),
        Err(error) => Err(error.into()),
    }
}
// ANCHOR_END: interruptible

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
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use test_support::{TempDir, real_time};
    use tokio::sync::mpsc;
    use tokio::time::timeout;

    use super::*;

    /// How long a test waits for one event; only a broken example waits this long.
    const EVENT_LIMIT: Duration = Duration::from_secs(5);

    async fn database(dir: &TempDir) -> SqlitePool {
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("shop.db"))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(options)
            .await
            .unwrap();
        create_schema(&pool).await.unwrap();
        pool
    }

    fn payment(id: i64, account: &str) -> Payment {
        Payment {
            id,
            account: account.to_owned(),
            amount_cents: 1999,
            paid_at: 1_767_225_600 + id,
        }
    }

    async fn insert(pool: &SqlitePool, payment: &Payment) {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO payments VALUES (?, ?, ?, ?)")
            .bind(payment.id)
            .bind(&payment.account)
            .bind(payment.amount_cents)
            .bind(payment.paid_at)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    async fn ids(pool: &SqlitePool) -> Vec<i64> {
        sqlx::query_scalar("SELECT id FROM payments ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    #[test]
    fn a_failed_correction_rolls_back_its_delete() {
        real_time(|| async {
            let dir = TempDir::new("book-rollback");
            let pool = database(&dir).await;
            insert(&pool, &payment(1, "acme")).await;
            insert(&pool, &payment(2, "acme")).await;
            // The "right" payment clashes with payment 2: the INSERT fails.
            let result = correct_payment(&pool, 1, &payment(2, "globex")).await;
            assert!(result.is_err());
            assert_eq!(ids(&pool).await, [1, 2]);
            correct_payment(&pool, 1, &payment(3, "globex"))
                .await
                .unwrap();
            assert_eq!(ids(&pool).await, [2, 3]);
            pool.close().await;
        });
    }

    #[test]
    fn a_dropped_query_gives_its_connection_back() {
        real_time(|| async {
            let dir = TempDir::new("book-pool");
            let pool = database(&dir).await;
            insert(&pool, &payment(1, "acme")).await;
            let task = tokio::spawn({
                let pool = pool.clone();
                async move { busiest_account(&pool).await }
            });
            tokio::task::yield_now().await;
            task.abort();
            let _ = task.await;
            // One connection in the pool, and it is available again.
            let busiest = timeout(EVENT_LIMIT, busiest_account(&pool)).await;
            assert_eq!(busiest.unwrap().unwrap().as_deref(), Some("acme"));
            pool.close().await;
        });
    }

    /// Dropping the future of a running query does not stop SQLite: the
    /// statement goes on on the connection's thread, and the connection is
    /// not back in the pool until it ends.
    #[test]
    fn dropping_a_query_does_not_stop_the_statement() {
        real_time(|| async {
            let dir = TempDir::new("book-drop");
            let pool = database(&dir).await;
            let mut conn = pool.acquire().await.unwrap();
            // A handler that only watches (and lets the test clean up).
            let (tick, mut ticks) = mpsc::unbounded_channel();
            let clean_up = CancellationToken::new();
            let stop = clean_up.clone();
            conn.lock_handle()
                .await
                .unwrap()
                .set_progress_handler(PROGRESS_EVERY, move || {
                    let _ = tick.send(());
                    !stop.is_cancelled()
                });

            // ANCHOR: drop_does_not_stop
            let query = tokio::spawn(async move {
                sqlx::query_scalar::<_, i64>(SLOW_COUNT)
                    .fetch_one(&mut *conn)
                    .await
            });
            ticks.recv().await; // SQLite is running the statement
            query.abort(); // drop the query's future...
            let _ = query.await; // ...and the connection (PoolConnection) with it
            for _ in 0..10 {
                ticks.recv().await; // ...but SQLite goes on working
            }
            assert!(pool.try_acquire().is_none()); // and the connection is not back
            // ANCHOR_END: drop_does_not_stop

            clean_up.cancel();
            let conn = timeout(EVENT_LIMIT, pool.acquire()).await;
            assert!(matches!(conn, Ok(Ok(_))));
            drop(conn);
            pool.close().await;
        });
    }

    #[test]
    fn a_cancelled_token_interrupts_the_statement() {
        real_time(|| async {
            let dir = TempDir::new("book-interrupt");
            let pool = database(&dir).await;
            let token = CancellationToken::new();
            let (tick, mut ticks) = mpsc::unbounded_channel();
            let count = tokio::spawn({
                let (pool, token) = (pool.clone(), token.clone());
                async move {
                    count_interruptible(&pool, SLOW_COUNT, &token, move || {
                        let _ = tick.send(());
                    })
                    .await
                }
            });
            timeout(EVENT_LIMIT, ticks.recv()).await.unwrap();
            token.cancel();
            let result = timeout(EVENT_LIMIT, count).await.unwrap().unwrap();
            assert!(matches!(result, Err(QueryError::Cancelled)), "{result:?}");
            // The handler went with its connection: the channel closes.
            while timeout(EVENT_LIMIT, ticks.recv()).await.unwrap().is_some() {}
            let fresh = timeout(EVENT_LIMIT, pool.acquire()).await;
            assert!(matches!(fresh, Ok(Ok(_))));
            drop(fresh);
            pool.close().await;
        });
    }

    #[test]
    fn a_dropped_interruptible_query_stops_the_statement() {
        real_time(|| async {
            let dir = TempDir::new("book-drop-guard");
            let pool = database(&dir).await;
            let token = CancellationToken::new();
            let (tick, mut ticks) = mpsc::unbounded_channel();
            let count = tokio::spawn({
                let (pool, token) = (pool.clone(), token.clone());
                async move {
                    count_interruptible(&pool, SLOW_COUNT, &token, move || {
                        let _ = tick.send(());
                    })
                    .await
                }
            });
            timeout(EVENT_LIMIT, ticks.recv()).await.unwrap();
            count.abort();
            let _ = count.await;
            // The statement stops, the connection closes, its handler goes.
            while timeout(EVENT_LIMIT, ticks.recv()).await.unwrap().is_some() {}
            assert!(!token.is_cancelled(), "the caller's token is left alone");
            let fresh = timeout(EVENT_LIMIT, pool.acquire()).await;
            assert!(matches!(fresh, Ok(Ok(_))));
            drop(fresh);
            pool.close().await;
        });
    }

    /// A progress handler left on a pooled connection with a cancelled token
    /// interrupts the next long query on that connection.
    #[test]
    fn a_handler_left_behind_interrupts_the_next_query() {
        real_time(|| async {
            let dir = TempDir::new("book-left-behind");
            let pool = database(&dir).await;
            let calls = Arc::new(AtomicUsize::new(0));
            {
                let mut conn = pool.acquire().await.unwrap();
                let token = CancellationToken::new();
                token.cancel();
                let calls = Arc::clone(&calls);
                conn.lock_handle()
                    .await
                    .unwrap()
                    .set_progress_handler(PROGRESS_EVERY, move || {
                        calls.fetch_add(1, Ordering::SeqCst);
                        !token.is_cancelled()
                    });
            } // back to the pool, handler and all
            let next = sqlx::query_scalar::<_, i64>(SLOW_COUNT)
                .fetch_one(&pool)
                .await;
            assert!(
                matches!(&next, Err(error) if is_interrupted(error)),
                "{next:?}"
            );
            assert_eq!(calls.load(Ordering::SeqCst), 1);
            pool.close().await;
        });
    }

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
