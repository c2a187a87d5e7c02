//! The tests of exercise 18, shared by the starter, the solution and every
//! wrong fix.
//!
//! sqlx runs each SQLite connection on a thread of its own, so these tests
//! use the real clock and wait on events, never on time: the clock of the
//! story is the import's own progress reports. The progress channel holds
//! one report, so the import can never get more than two payments ahead of
//! the test, and cannot reach its end while the test still reads. The pool
//! has one connection, as a SQLite writer usually does. Every wait has a
//! limit that only a failing import ever reaches.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use test_support::{Lesson, TempDir, drop_at_every_point, real_time};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::*;

const CHAPTER: &str =
    "\"Databases\", section \"Dropping a transaction rolls it back\" (src/database.md)";
const POOL_CHAPTER: &str =
    "\"Databases\", section \"The connection goes back to the pool\" (src/database.md)";

/// How long the pool waits for its connection before giving up.
const ACQUIRE_LIMIT: Duration = Duration::from_secs(2);
/// How long the test waits for any one event: a correct import takes a few
/// milliseconds per payment.
const EVENT_LIMIT: Duration = Duration::from_secs(5);

/// How many payments the big statement holds: more than a batch an import
/// might commit on its way (100, 1000, 2500 rows...).
const BIG: usize = 5_000;
/// How long the test waits for a whole big import: a correct one takes
/// a fraction of a second in a debug build.
const BIG_LIMIT: Duration = Duration::from_secs(8);

/// A statement of ten payments, ids 1 to 10.
fn statement() -> Vec<Payment> {
    statement_of(10)
}

/// A statement of `count` payments, ids 1 to `count`.
fn statement_of(count: usize) -> Vec<Payment> {
    let accounts = ["acme", "globex", "initech"];
    (1..=count as i64)
        .map(|id| Payment {
            id,
            account: accounts[id as usize % accounts.len()].to_owned(),
            amount_cents: 1000 + 250 * id,
            paid_at: 1_767_225_600 + 60 * id,
        })
        .collect()
}

/// A database file of the test's own, and the app's pool over it.
struct Database {
    pool: SqlitePool,
    path: PathBuf,
    _dir: TempDir,
}

impl Database {
    async fn new(label: &str) -> Database {
        let dir = TempDir::new(label);
        let path = dir.path().join("shop.db");
        let pool = open(&path).await;
        create_schema(&pool)
            .await
            .expect("create the payments table");
        Database {
            pool,
            path,
            _dir: dir,
        }
    }

    /// Closes the pool before the folder goes.
    async fn close(self) {
        self.pool.close().await;
    }
}

/// One connection, as a SQLite writer usually has. A write-ahead log and no
/// `fsync` after each commit: a test needs no crash safety, and an import
/// that commits every row stays quick enough to watch. (Transactions and
/// rollbacks work as with the default journal.)
async fn open(path: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Off);
    SqlitePoolOptions::new()
        .max_connections(1)
        .acquire_timeout(ACQUIRE_LIMIT)
        .connect_with(options)
        .await
        .expect("open the test database")
}

/// The question to ask when the pool said no.
fn about_the_pool(result: &Result<usize, sqlx::Error>) -> &'static str {
    match result {
        Err(sqlx::Error::PoolTimedOut) => {
            "The import waited for a connection and gave up: the pool has one. Does the import \
             hold a connection (a transaction holds one) while it asks the pool for another?"
        }
        _ => "Does the import still insert every payment and report each one?",
    }
}

/// How many payments the table holds, seen through the pool.
async fn payments_in(pool: &SqlitePool) -> Result<i64, String> {
    let query = sqlx::query_scalar("SELECT COUNT(*) FROM payments").fetch_one(pool);
    match timeout(EVENT_LIMIT, query).await {
        Ok(Ok(count)) => Ok(count),
        Ok(Err(error)) => Err(format!("counting the payments failed: {error}")),
        Err(_) => Err("counting the payments got no answer within 5 s".to_owned()),
    }
}

/// Starts an import of `payments` and drops it as soon as it has reported
/// `reports` payments, the way a caller that gives up (a timeout, a
/// shutdown, a `select!`) drops a future. Returns once the import future is
/// gone, or with the story of why it could not be stopped there.
async fn import_and_drop_after(
    pool: &SqlitePool,
    payments: Vec<Payment>,
    reports: usize,
) -> Result<(), Lesson> {
    let (progress, mut reported) = mpsc::channel(1);
    let import_task = tokio::spawn({
        let pool = pool.clone();
        async move { import(&pool, &payments, &progress).await }
    });
    let mut seen = 0;
    while seen < reports {
        match timeout(EVENT_LIMIT, reported.recv()).await {
            Ok(Some(done)) => seen = done,
            Ok(None) => {
                // The import ended, and dropped its end of the channel.
                let result = import_task.await.expect("the import panicked");
                return Err(Lesson::new(
                    CHAPTER,
                    format!(
                        "the test meant to drop the import after it reported {reports} \
                         payments, but the import ended after {seen} report(s) and returned \
                         {result:?}."
                    ),
                )
                .ask(about_the_pool(&result)));
            }
            Err(_) => {
                import_task.abort();
                return Err(Lesson::new(
                    CHAPTER,
                    format!(
                        "the import reported {seen} payment(s), then nothing more for 5 s. The \
                         test meant to drop it after {reports}."
                    ),
                )
                .ask("Does the import still report every payment on `progress`?"));
            }
        }
    }
    // Drop the import's future where it stands, and wait until it is gone.
    import_task.abort();
    let _cancelled = import_task.await;
    Ok(())
}

#[test]
fn a_cancelled_import_leaves_no_rows() {
    real_time(|| async {
        let database = Database::new("cancelled-import").await;
        if let Err(lesson) = import_and_drop_after(&database.pool, statement(), 2).await {
            lesson.fail();
        }

        let connection = timeout(EVENT_LIMIT, database.pool.acquire()).await;
        Lesson::new(
            POOL_CHAPTER,
            format!(
                "the import was dropped after it reported 2 of its 10 payments. Then the test \
                 asked the pool for its one connection, and got {}.",
                match &connection {
                    Ok(Ok(_)) => "it".to_owned(),
                    Ok(Err(error)) => format!("an error: {error}"),
                    Err(_) => "nothing within 5 s".to_owned(),
                }
            ),
        )
        .ask(
            "A `PoolConnection` or a `Transaction` goes back to the pool when it is dropped. \
             Does anything keep the import's connection away from the pool after the import \
             is gone?",
        )
        .check(matches!(connection, Ok(Ok(_))));
        drop(connection);

        let rows = payments_in(&database.pool).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the import was dropped after it reported 2 of its 10 payments, and then the \
                 table held {}. Nobody can tell this half statement from a whole one, and \
                 importing it again fails on payment 1.",
                match &rows {
                    Ok(count) => format!("{count} payment(s)"),
                    Err(error) => error.clone(),
                }
            ),
        )
        .ask(
            "No line of `import` runs when its future is dropped. Which rows does SQLite \
             throw away by itself when the code that wrote them stops half-way?",
        )
        .check(rows == Ok(0));

        database.close().await;
    });
}

#[test]
fn a_cancelled_import_can_be_run_again() {
    real_time(|| async {
        let database = Database::new("import-again").await;
        if let Err(lesson) = import_and_drop_after(&database.pool, statement(), 2).await {
            lesson.fail();
        }

        // The next night: the same statement, and nobody stops it.
        let (progress, _reported) = mpsc::channel(16);
        let again = timeout(EVENT_LIMIT, import(&database.pool, &statement(), &progress)).await;
        let again = match again {
            Ok(result) => result,
            Err(_) => Lesson::new(
                CHAPTER,
                "the statement was imported again after a dropped import, and that import did \
                 not finish within 5 s.",
            )
            .ask("Is the connection still busy with the import that was dropped?")
            .fail(),
        };
        let question = match &again {
            Err(sqlx::Error::PoolTimedOut) => about_the_pool(&again),
            Err(error)
                if error
                    .as_database_error()
                    .is_some_and(|e| e.is_unique_violation()) =>
            {
                "Which payments were already in the table when the second import started?"
            }
            _ => {
                "Is the connection that comes back from the pool clean: no transaction left \
                 open on it by the import that was dropped?"
            }
        };
        Lesson::new(
            CHAPTER,
            format!(
                "an import was dropped after it reported 2 of its 10 payments. Then the same \
                 statement was imported again, and that import returned {again:?} instead of \
                 Ok(10)."
            ),
        )
        .ask(question)
        .check(matches!(again, Ok(10)));

        let rows = payments_in(&database.pool).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the second import returned Ok(10), but then the table held {rows:?} payments \
                 instead of Ok(10)."
            ),
        )
        .ask("Is the second import's work ever committed?")
        .check(rows == Ok(10));

        database.close().await;
    });
}

#[test]
fn a_failed_import_leaves_no_rows() {
    real_time(|| async {
        let database = Database::new("failed-import").await;
        // The bank sent payment 2 twice: the fifth line repeats its id.
        let mut payments = statement();
        payments[4].id = 2;

        let (progress, _reported) = mpsc::channel(16);
        let result = timeout(EVENT_LIMIT, import(&database.pool, &payments, &progress)).await;
        let result = match result {
            Ok(result) => result,
            Err(_) => Lesson::new(CHAPTER, "the import did not finish within 5 s.")
                .ask("Is the import waiting for a connection that it holds itself?")
                .fail(),
        };
        let duplicate = matches!(&result, Err(error)
            if error.as_database_error().is_some_and(|e| e.is_unique_violation()));
        Lesson::new(
            CHAPTER,
            format!(
                "the statement lists payment 2 twice (lines 2 and 5). The import should fail on \
                 line 5 with the database's duplicate-key error; it returned {result:?}."
            ),
        )
        .ask(about_the_pool(&result))
        .check(duplicate);

        let rows = payments_in(&database.pool).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the import failed on line 5 of 10, and then the table held {}. A failed import \
                 should leave the table as it found it.",
                match &rows {
                    Ok(count) => format!("{count} payment(s)"),
                    Err(error) => error.clone(),
                }
            ),
        )
        .ask(
            "The `?` returns early and drops everything the import was holding. Which rows \
             does SQLite throw away when that happens?",
        )
        .check(rows == Ok(0));

        database.close().await;
    });
}

#[test]
fn a_finished_import_keeps_every_row() {
    real_time(|| async {
        let database = Database::new("finished-import").await;
        let (progress, mut reported) = mpsc::channel(16);
        let result = timeout(EVENT_LIMIT, import(&database.pool, &statement(), &progress)).await;
        let result = match result {
            Ok(result) => result,
            Err(_) => Lesson::new(CHAPTER, "the import did not finish within 5 s.")
                .ask("Is the import waiting for a connection that it holds itself?")
                .fail(),
        };
        drop(progress);
        let mut reports = Vec::new();
        while let Some(done) = reported.recv().await {
            reports.push(done);
        }
        Lesson::new(
            CHAPTER,
            format!(
                "nobody stopped the import of 10 payments: it should return Ok(10) after \
                 reporting 1 to 10. It returned {result:?} after reporting {reports:?}."
            ),
        )
        .ask(about_the_pool(&result))
        .check(matches!(result, Ok(10)) && reports == (1..=10).collect::<Vec<usize>>());

        // A new pool over the same file sees only what was committed.
        let path = database.path.clone();
        database.pool.close().await;
        let reopened = open(&path).await;
        let rows = payments_in(&reopened).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the import returned Ok(10), but after the app restarted the table held {rows:?} \
                 payments instead of Ok(10)."
            ),
        )
        .ask("What does SQLite do with a transaction that is never committed?")
        .check(rows == Ok(10));

        reopened.close().await;
        database.close().await;
    });
}

#[test]
fn a_big_import_dropped_near_its_end_leaves_no_rows() {
    real_time(|| async {
        let database = Database::new("big-import-dropped").await;
        if let Err(lesson) = import_and_drop_after(&database.pool, statement_of(BIG), BIG - 2).await
        {
            lesson.fail();
        }
        let rows = payments_in(&database.pool).await;
        Lesson::new(
            CHAPTER,
            format!(
                "an import of 5 000 payments was dropped after it reported 4 998 of them, and \
                 then the table held {}.",
                match &rows {
                    Ok(count) => format!("{count} payment(s)"),
                    Err(error) => error.clone(),
                }
            ),
        )
        .ask(
            "A small statement leaves nothing, a big one leaves rows: is every payment in one \
             transaction, or is some of the work committed on the way, every so many rows?",
        )
        .check(rows == Ok(0));
        database.close().await;
    });
}

#[test]
fn a_big_import_that_fails_on_its_last_line_leaves_no_rows() {
    real_time(|| async {
        let database = Database::new("big-import-fails-late").await;
        // The last line repeats payment 1.
        let mut payments = statement_of(BIG);
        payments[BIG - 1].id = 1;
        let (progress, _reported) = mpsc::channel(BIG);
        let result = match timeout(BIG_LIMIT, import(&database.pool, &payments, &progress)).await {
            Ok(result) => result,
            Err(_) => Lesson::new(
                CHAPTER,
                "an import of 5 000 payments did not end within 8 s.",
            )
            .ask("Is the import waiting for a connection that it holds itself?")
            .fail(),
        };
        let duplicate = matches!(&result, Err(error)
            if error.as_database_error().is_some_and(|e| e.is_unique_violation()));
        let rows = payments_in(&database.pool).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the last of 5 000 lines repeats payment 1: the import should fail there with the \
                 duplicate-key error and leave the table as it found it. It returned {}, and the \
                 table then held {}.",
                match &result {
                    Ok(count) => format!("Ok({count})"),
                    Err(error) => format!("Err({error})"),
                },
                match &rows {
                    Ok(count) => format!("{count} payment(s)"),
                    Err(error) => error.clone(),
                }
            ),
        )
        .ask(
            "A failure on line 5 leaves nothing; one on line 5 000 leaves rows. What was \
             committed before the last line came?",
        )
        .check(duplicate && rows == Ok(0));
        database.close().await;
    });
}

#[test]
fn an_import_dropped_at_any_point_keeps_all_or_nothing() {
    real_time(|| async {
        let database = Database::new("import-every-point").await;
        let payments = &statement();
        // Each run gets a pool of its own, so that nothing a dropped run
        // left on its connection reaches the next run.
        let current = std::sync::Mutex::new(database.pool.clone());
        drop_at_every_point(
            || {
                let pool = current.lock().unwrap().clone();
                let (progress, reported) = mpsc::channel(16);
                let run = pool.clone();
                ((pool, reported), async move {
                    import(&run, payments, &progress).await
                })
            },
            async |(pool, _reported), point| {
                // What is committed, seen at once through a connection of its own.
                let reader = open(&database.path).await;
                let rows = payments_in(&reader).await;
                Lesson::new(
                    CHAPTER,
                    format!(
                        "an import of 10 payments was dropped {point}, and then the table held {} \
                         committed. It must hold the whole statement or none of it.",
                        match &rows {
                            Ok(count) => format!("{count} payment(s)"),
                            Err(error) => error.clone(),
                        }
                    ),
                )
                .ask(
                    "Between which two awaits did the drop come? Is there one where some \
                     payments are already committed and others not yet?",
                )
                .check(matches!(rows, Ok(0) | Ok(10)));
                // The next run: a fresh pool over an empty table.
                pool.close().await;
                sqlx::query("DELETE FROM payments")
                    .execute(&reader)
                    .await
                    .expect("empty the table");
                *current.lock().unwrap() = reader;
            },
        )
        .await;
        let last = current.into_inner().unwrap();
        last.close().await;
        database.close().await;
    });
}
