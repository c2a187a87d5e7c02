//! What "Databases" (src/database.md) and the .NET table say about sqlx's
//! SQLite driver when a future is dropped:
//!
//! - a `tx.commit()` dropped after it was sent may still commit: the caller
//!   cannot know the outcome;
//! - a streaming `SELECT` stops at its next row once the receiving stream is
//!   dropped;
//! - work SQLite does before the first row (an aggregate, a sort, an
//!   `INSERT ... SELECT`) runs on to its end.
//!
//! Source: sqlx-sqlite 0.9 `src/connection/worker.rs`. Each connection has a
//! thread that runs one command at a time. `Command::Commit` executes the
//! `COMMIT` and, when `tx.blocking_send(res)` fails because the future is
//! gone, sets `ignore_next_start_rollback` so that the `ROLLBACK` queued by
//! the dropped `Transaction` is skipped. `Command::Execute` sends each row on
//! a bounded channel (`row_buffer_size`, 50 by default) and breaks out of the
//! loop when `tx.send(res).is_err()`: it can only notice the drop when it has
//! a row to send.

/// The start of every counted query: a billion numbers, one row each.
#[cfg(test)]
macro_rules! counted {
    ($rest:literal) => {
        concat!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
             WHERE i < 1000000000) ",
            $rest
        )
    };
}

/// The rows, counted as SQLite produces them: the `counting` collation is
/// called once for each row that reaches the `WHERE`.
#[cfg(test)]
const COUNTED_ROWS: &str = counted!("SELECT i FROM n WHERE CAST(i AS TEXT) <> '' COLLATE counting");
/// Work done before the first row: an aggregate, a sort, an INSERT.
#[cfg(test)]
const COUNTED_AGGREGATE: &str =
    counted!("SELECT COUNT(*) FROM n WHERE CAST(i AS TEXT) <> '' COLLATE counting");
#[cfg(test)]
const COUNTED_SORT: &str =
    counted!("SELECT i FROM n WHERE CAST(i AS TEXT) <> '' COLLATE counting ORDER BY i DESC");
#[cfg(test)]
const COUNTED_INSERT: &str =
    counted!("INSERT INTO sink SELECT i FROM n WHERE CAST(i AS TEXT) <> '' COLLATE counting");

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::task::Poll;
    use std::time::Duration;

    use futures_util::StreamExt;
    use sqlx::Connection;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    use test_support::{TempDir, real_time};
    use tokio::sync::mpsc;
    use tokio::time::timeout;
    use tokio_util::sync::CancellationToken;

    use super::{COUNTED_AGGREGATE, COUNTED_INSERT, COUNTED_ROWS, COUNTED_SORT};

    /// Only a broken test waits this long for an event.
    const EVENT_LIMIT: Duration = Duration::from_secs(5);
    /// Rows the connection's thread may read ahead of the stream.
    const ROW_BUFFER: usize = 8;

    /// Counts the rows SQLite produced for [`COUNTED_ROWS`], and ticks
    /// every thousand of them.
    struct Produced {
        rows: Arc<AtomicU64>,
        ticks: mpsc::UnboundedReceiver<()>,
    }

    impl Produced {
        fn now(&self) -> u64 {
            self.rows.load(Ordering::SeqCst)
        }
    }

    fn options(dir: &TempDir) -> (SqliteConnectOptions, Produced) {
        let rows = Arc::new(AtomicU64::new(0));
        let (tick, ticks) = mpsc::unbounded_channel();
        let counter = rows.clone();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("pins.db"))
            .create_if_missing(true)
            .row_buffer_size(ROW_BUFFER)
            .collation("counting", move |a, b| {
                if (counter.fetch_add(1, Ordering::SeqCst) + 1) % 1000 == 0 {
                    let _ = tick.send(());
                }
                a.cmp(b)
            });
        (options, Produced { rows, ticks })
    }

    #[test]
    fn a_commit_dropped_after_it_was_sent_still_commits() {
        real_time(|| async {
            let dir = TempDir::new("pin-commit");
            let (options, _) = options(&dir);
            let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
            sqlx::query("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
                .execute(&mut conn)
                .await
                .unwrap();

            // A commit hook that says "COMMIT is running" and holds it there
            // until the test lets it go (or a broken test gives up).
            let (in_commit_tx, mut in_commit) = mpsc::unbounded_channel();
            let (release, release_rx) = std::sync::mpsc::channel::<()>();
            conn.lock_handle().await.unwrap().set_commit_hook(move || {
                let _ = in_commit_tx.send(());
                let _ = release_rx.recv_timeout(EVENT_LIMIT);
                true // let it commit
            });

            let mut tx = conn.begin().await.unwrap();
            sqlx::query("INSERT INTO orders (id) VALUES (1)")
                .execute(&mut *tx)
                .await
                .unwrap();
            let mut commit = Box::pin(tx.commit());
            // One poll sends COMMIT to the connection's thread.
            let first = std::future::poll_fn(|cx| Poll::Ready(commit.as_mut().poll(cx))).await;
            assert!(first.is_pending());
            timeout(EVENT_LIMIT, in_commit.recv()).await.unwrap();
            drop(commit); // a timeout, a select!, a client that left
            release.send(()).unwrap();

            // The thread runs one command at a time: once this answers, the
            // COMMIT (and the ROLLBACK the dropped transaction queued) are done.
            timeout(EVENT_LIMIT, sqlx::query("SELECT 1").execute(&mut conn))
                .await
                .unwrap()
                .unwrap();
            let mut fresh = SqliteConnection::connect_with(&options).await.unwrap();
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders")
                .fetch_one(&mut fresh)
                .await
                .unwrap();
            assert_eq!(count, 1, "the dropped commit committed");
        });
    }

    #[test]
    fn a_dropped_stream_stops_the_select_at_its_next_row() {
        real_time(|| async {
            let dir = TempDir::new("pin-stream");
            let (options, produced) = options(&dir);
            let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
            {
                let mut rows = sqlx::query_scalar::<_, i64>(COUNTED_ROWS).fetch(&mut conn);
                for expected in 1..=3 {
                    let row = timeout(EVENT_LIMIT, rows.next()).await.unwrap();
                    assert_eq!(row.unwrap().unwrap(), expected);
                }
            } // the stream is dropped here, with 999,999,997 rows to go
            // If SQLite went on, this would wait behind the billion rows.
            timeout(EVENT_LIMIT, sqlx::query("SELECT 1").execute(&mut conn))
                .await
                .expect("the SELECT went on after its stream was dropped")
                .unwrap();
            // 3 read, at most ROW_BUFFER waiting in the channel, one in hand.
            let rows = produced.now();
            assert!(rows <= 3 + ROW_BUFFER as u64 + 1, "{rows} rows produced");
        });
    }

    /// Starts `sql` on a connection of its own, drops its future once SQLite
    /// has produced a thousand rows, and returns how many rows SQLite
    /// produced after the drop, counting up to `enough`. A progress handler
    /// lets the test stop the statement afterwards.
    async fn rows_after_the_drop(sql: &'static str, execute: bool, enough: u64) -> u64 {
        let dir = TempDir::new("pin-runs-on");
        let (options, mut produced) = options(&dir);
        let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
        drop(options); // the connection keeps its own copy of the collation
        sqlx::query("CREATE TABLE sink (i INTEGER)")
            .execute(&mut conn)
            .await
            .unwrap();
        let clean_up = CancellationToken::new();
        let stop = clean_up.clone();
        conn.lock_handle()
            .await
            .unwrap()
            .set_progress_handler(10_000, move || !stop.is_cancelled());

        let query = tokio::spawn(async move {
            if execute {
                let _ = sqlx::query(sql).execute(&mut conn).await;
            } else {
                let _ = sqlx::query(sql).fetch_one(&mut conn).await;
            }
        });
        timeout(EVENT_LIMIT, produced.ticks.recv()).await.unwrap();
        query.abort(); // the future and its connection are dropped
        let _ = query.await;
        let at_drop = produced.now();
        while produced.now() < at_drop + enough {
            let tick = timeout(EVENT_LIMIT, produced.ticks.recv()).await;
            if !matches!(tick, Ok(Some(()))) {
                break; // no more rows: the statement stopped
            }
        }
        let after = produced.now() - at_drop;

        // Stop the statement; the connection's thread then ends, and with
        // it the collation and its tick sender.
        clean_up.cancel();
        while timeout(EVENT_LIMIT, produced.ticks.recv())
            .await
            .expect("the statement stops when the progress handler says so")
            .is_some()
        {}
        after
    }

    #[test]
    fn a_dropped_aggregate_sort_or_insert_runs_on() {
        real_time(|| async {
            for (what, sql, execute) in [
                ("an aggregate", COUNTED_AGGREGATE, false),
                ("a sort", COUNTED_SORT, false),
                ("an INSERT ... SELECT", COUNTED_INSERT, true),
            ] {
                let after = rows_after_the_drop(sql, execute, 20_000).await;
                assert!(
                    after >= 20_000,
                    "{what} stopped {after} rows after its future was dropped"
                );
            }
        });
    }
}
