//! The tests of exercise 18b, shared by the starter, the solution and every
//! wrong fix.
//!
//! sqlx runs each SQLite connection on a thread of its own, so these tests
//! use the real clock and wait on events, never on time: the report's
//! progress calls say when SQLite is at work. The pool has one connection,
//! as a SQLite database usually does. The big table takes SQLite minutes to
//! report on, so a query that is not stopped is still running long after the
//! test's limits; every wait has a limit that only a failing report reaches.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use test_support::{Lesson, TempDir, real_time};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use super::*;

const CHAPTER: &str =
    "\"Databases\", section \"Interrupting SQLite with the token\" (src/database.md)";
const DROP_CHAPTER: &str = "\"Databases\", section \"Dropping stops a stream, not the work before its first row\" (src/database.md)";
const NOT_YOURS: &str =
    "\"One token type\", section \"A read-only view: child_token\" (src/token-basics.md)";

/// How long the pool waits for its connection before giving up.
const ACQUIRE_LIMIT: Duration = Duration::from_secs(1);
/// How long the test waits for any one event. A report that SQLite stops
/// answers within milliseconds.
const EVENT_LIMIT: Duration = Duration::from_secs(5);
/// A busy account's payments: enough for minutes of comparing.
const BIG: i64 = 20_000;

/// A database file of the test's own, and the app's pool over it.
struct Database {
    pool: SqlitePool,
    _dir: TempDir,
}

impl Database {
    async fn new(label: &str) -> Database {
        let dir = TempDir::new(label);
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("shop.db"))
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_LIMIT)
            .connect_with(options)
            .await
            .expect("open the test database");
        create_schema(&pool)
            .await
            .expect("create the payments table");
        Database { pool, _dir: dir }
    }

    /// A year of a busy account's payments: the same 19.99 every 7 seconds.
    async fn with_a_busy_year(label: &str) -> Database {
        let database = Database::new(label).await;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
             INSERT INTO payments (id, account, amount_cents, paid_at)
             SELECT i, 'acme', 1999, 1767225600 + 7 * i FROM n",
        )
        .bind(BIG)
        .execute(&database.pool)
        .await
        .expect("fill the payments table");
        database
    }

    /// Closes the pool before the folder goes, unless a query still holds it.
    async fn close(self) {
        let _ = timeout(Duration::from_secs(1), self.pool.close()).await;
    }
}

/// What the test saw when it cancelled a report on the big table.
struct Cancelled {
    /// The report's answer, if it came within the limit.
    result: Option<Result<Vec<(String, i64)>, ReportError>>,
    /// Progress calls that came after the report had answered.
    ticks: mpsc::UnboundedReceiver<()>,
}

/// Starts the report on the big table, waits until SQLite reports progress
/// (so the statement is running), cancels the token, and waits for the
/// report's answer.
async fn cancel_a_running_report(pool: &SqlitePool) -> Cancelled {
    let token = CancellationToken::new();
    let (tick, mut ticks) = mpsc::unbounded_channel();
    let report = tokio::spawn({
        let (pool, token) = (pool.clone(), token.clone());
        async move {
            suspected_duplicates(&pool, &token, move || {
                let _ = tick.send(());
            })
            .await
        }
    });
    match timeout(EVENT_LIMIT, ticks.recv()).await {
        Ok(Some(())) => {}
        Ok(None) => {
            let result = report.await.expect("the report panicked");
            Lesson::new(
                CHAPTER,
                format!(
                    "the report on 20 000 payments ended before SQLite called `progress` even \
                     once; it returned {result:?}."
                ),
            )
            .ask("Does the report still call `progress` from SQLite's progress handler?")
            .fail();
        }
        Err(_) => Lesson::new(
            CHAPTER,
            "the report on 20 000 payments did not call `progress` within 5 s.",
        )
        .ask("Does the report still call `progress` from SQLite's progress handler?")
        .fail(),
    }
    token.cancel();
    let result = match timeout(EVENT_LIMIT, report).await {
        Ok(joined) => Some(joined.expect("the report panicked")),
        Err(_) => None,
    };
    // Whatever SQLite reported up to the answer is old news.
    while ticks.try_recv().is_ok() {}
    Cancelled { result, ticks }
}

/// How many progress calls are waiting, and whether SQLite's handler is gone.
fn drain(ticks: &mut mpsc::UnboundedReceiver<()>) -> usize {
    let mut count = 0;
    while ticks.try_recv().is_ok() {
        count += 1;
    }
    count
}

fn answer(result: &Option<Result<Vec<(String, i64)>, ReportError>>) -> String {
    match result {
        Some(result) => format!("{result:?}"),
        None => "no answer within 5 s".to_owned(),
    }
}

#[test]
fn a_cancelled_report_stops_sqlite() {
    real_time(|| async {
        let database = Database::with_a_busy_year("report-stops").await;
        let Cancelled { result, mut ticks } = cancel_a_running_report(&database.pool).await;
        Lesson::new(
            CHAPTER,
            format!(
                "the test cancelled the report while SQLite was running it; the report gave {}.",
                answer(&result)
            ),
        )
        .ask("Does the report answer soon after its token is cancelled?")
        .check(result.is_some());

        // The app's next query: the pool has one connection.
        let next = timeout(
            Duration::from_secs(1),
            sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&database.pool),
        )
        .await;
        let ticks_after = drain(&mut ticks);
        Lesson::new(
            DROP_CHAPTER,
            format!(
                "the report answered {} to the cancel. But SQLite called `progress` {ticks_after} \
                 more time(s) after that answer, and `SELECT 1` on the pool got {} a second \
                 later: the database's only connection was still busy with the report's query.",
                answer(&result),
                match &next {
                    Ok(Ok(_)) => "its row".to_owned(),
                    Ok(Err(error)) => format!("an error ({error})"),
                    Err(_) => "no answer".to_owned(),
                }
            ),
        )
        .ask(
            "Dropping the query's future (by `select!`, `abort()` or a timeout) stops the \
             waiting. Does it stop SQLite, which runs the statement on the connection's own \
             thread? What could tell SQLite itself to stop?",
        )
        .check(matches!(next, Ok(Ok(1))));

        database.close().await;
    });
}

#[test]
fn a_cancelled_report_says_cancelled() {
    real_time(|| async {
        let database = Database::with_a_busy_year("report-says-cancelled").await;
        let Cancelled { result, .. } = cancel_a_running_report(&database.pool).await;
        let question = match &result {
            Some(Err(ReportError::Database(error))) if error.to_string().contains("interrupt") => {
                "SQLite says \"interrupted\" (code 9) because your handler asked it to stop. Who \
                 asked, and why? Tell the caller in its own terms."
            }
            _ => "Does the report answer soon after its token is cancelled, and with what?",
        };
        Lesson::new(
            CHAPTER,
            format!(
                "the user cancelled the report while SQLite was running it. The report should \
                 answer Err(Cancelled); it gave {}.",
                answer(&result)
            ),
        )
        .ask(question)
        .check(matches!(result, Some(Err(ReportError::Cancelled))));

        database.close().await;
    });
}

/// The admin's dashboard, on the big table: long enough to call any progress
/// handler left on the connection.
async fn dashboard_totals(
    pool: &SqlitePool,
) -> Result<Result<Vec<(String, i64)>, sqlx::Error>, tokio::time::error::Elapsed> {
    timeout(
        EVENT_LIMIT,
        sqlx::query_as::<_, (String, i64)>(
            "SELECT account, SUM(amount_cents) FROM payments GROUP BY account",
        )
        .fetch_all(pool),
    )
    .await
}

fn expected_totals() -> Vec<(String, i64)> {
    vec![("acme".to_owned(), BIG * 1999)]
}

#[test]
fn the_next_query_after_a_cancelled_report_runs_to_the_end() {
    real_time(|| async {
        let database = Database::with_a_busy_year("next-query").await;
        let _ = cancel_a_running_report(&database.pool).await;

        let totals = dashboard_totals(&database.pool).await;
        let expected = expected_totals();
        let (chapter, question) = match &totals {
            Ok(Err(error)) if error.to_string().contains("interrupt") => (
                CHAPTER,
                "Nobody cancelled the totals query, yet SQLite interrupted it. A progress \
                 handler belongs to the connection, not to one query: what is still installed \
                 on the connection when the report gives it back to the pool?",
            ),
            Ok(Ok(_)) => (CHAPTER, "Is the report still the same report?"),
            _ => (
                DROP_CHAPTER,
                "Is the pool's only connection still busy with the cancelled report's query?",
            ),
        };
        Lesson::new(
            chapter,
            format!(
                "after a cancelled report, the dashboard asked for the totals per account on \
                 the same pool, and got {} instead of {expected:?}.",
                match &totals {
                    Ok(Ok(rows)) => format!("{rows:?}"),
                    Ok(Err(error)) => format!("an error: {error}"),
                    Err(_) => "no answer within 5 s".to_owned(),
                }
            ),
        )
        .ask(question)
        .check(matches!(&totals, Ok(Ok(rows)) if *rows == expected));

        database.close().await;
    });
}

/// Eight payments whose suspected duplicates are known: acme 1, initech 3.
async fn a_few_payments(label: &str) -> Database {
    let database = Database::new(label).await;
    let t0 = 1_767_225_600;
    // acme: 1 and 2 are a pair; 3 is another amount.
    // globex: 4 and 5 are an hour apart.
    // initech: 6, 7 and 8 are all within ten minutes: three pairs.
    let payments = [
        (1, "acme", 1999, t0),
        (2, "acme", 1999, t0 + 120),
        (3, "acme", 500, t0 + 130),
        (4, "globex", 1999, t0 + 140),
        (5, "globex", 1999, t0 + 3740),
        (6, "initech", 250, t0 + 200),
        (7, "initech", 250, t0 + 260),
        (8, "initech", 250, t0 + 500),
    ];
    for (id, account, amount_cents, paid_at) in payments {
        sqlx::query("INSERT INTO payments VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(account)
            .bind(amount_cents)
            .bind(paid_at)
            .execute(&database.pool)
            .await
            .expect("insert a payment");
    }
    database
}

/// Waits until everything holding the progress callback has let go of it
/// (its channel closes), at most `EVENT_LIMIT`.
async fn callback_released(ticks: &mut mpsc::UnboundedReceiver<()>) -> bool {
    timeout(EVENT_LIMIT, async { while ticks.recv().await.is_some() {} })
        .await
        .is_ok()
}

/// The token is the caller's: the report may listen to it, never cancel it.
fn the_callers_token_is_untouched(token: &CancellationToken, how: &str) {
    Lesson::new(
        NOT_YOURS,
        format!(
            "nobody cancelled the caller's token, and the report {how}; afterwards the token is \
             cancelled, and with it everything else the page runs under it."
        ),
    )
    .ask(
        "Whose token does the report's guard cancel, and who else listens to that token? The \
         report stops SQLite; the caller decides about the rest.",
    )
    .check(!token.is_cancelled());
}

#[test]
fn a_report_nobody_cancels_finds_the_duplicates() {
    real_time(|| async {
        let database = a_few_payments("report-finishes").await;
        let token = CancellationToken::new();
        let (tick, mut ticks) = mpsc::unbounded_channel();
        let result = timeout(
            EVENT_LIMIT,
            suspected_duplicates(&database.pool, &token, move || {
                let _ = tick.send(());
            }),
        )
        .await;
        let expected = vec![("acme".to_owned(), 1), ("initech".to_owned(), 3)];
        Lesson::new(
            CHAPTER,
            format!(
                "nobody cancelled the report on 8 payments: it should answer {expected:?}; it \
                 gave {}.",
                match &result {
                    Ok(result) => format!("{result:?}"),
                    Err(_) => "no answer within 5 s".to_owned(),
                }
            ),
        )
        .ask("The fix should change what a cancel does, not what the report finds.")
        .check(matches!(&result, Ok(Ok(rows)) if *rows == expected));
        the_callers_token_is_untouched(&token, "answered");
        Lesson::new(
            CHAPTER,
            "the report answered, and 5 s later SQLite still held its progress handler: it \
             stays on the connection, which went back to the pool for the next query.",
        )
        .ask("A progress handler belongs to the connection. Who takes it off, or closes the connection?")
        .check(callback_released(&mut ticks).await);

        database.close().await;
    });
}

#[test]
fn a_report_asked_with_a_cancelled_token_says_cancelled() {
    real_time(|| async {
        let database = a_few_payments("report-already-cancelled").await;
        let token = CancellationToken::new();
        token.cancel();
        let result = timeout(
            EVENT_LIMIT,
            suspected_duplicates(&database.pool, &token, || {}),
        )
        .await;
        Lesson::new(
            CHAPTER,
            format!(
                "the user had cancelled before the report started; it should answer \
                 Err(Cancelled), but gave {}.",
                match &result {
                    Ok(result) => format!("{result:?}"),
                    Err(_) => "no answer within 5 s".to_owned(),
                }
            ),
        )
        .ask(
            "A report on eight payments ends before SQLite first calls the progress handler. \
             Who looks at the token then?",
        )
        .check(matches!(result, Ok(Err(ReportError::Cancelled))));
        database.close().await;
    });
}

#[test]
fn a_dropped_report_stops_sqlite() {
    real_time(|| async {
        let database = Database::with_a_busy_year("report-dropped").await;
        let token = CancellationToken::new();
        let (tick, mut ticks) = mpsc::unbounded_channel();
        let report = tokio::spawn({
            let (pool, token) = (database.pool.clone(), token.clone());
            async move {
                suspected_duplicates(&pool, &token, move || {
                    let _ = tick.send(());
                })
                .await
            }
        });
        if !matches!(timeout(EVENT_LIMIT, ticks.recv()).await, Ok(Some(()))) {
            Lesson::new(
                CHAPTER,
                "the report on 20 000 payments did not call `progress` within 5 s.",
            )
            .ask("Does the report still call `progress` from SQLite's progress handler?")
            .fail();
        }
        // The page is closed: the report's future is dropped, and nobody
        // cancels the token.
        report.abort();
        let _ = report.await;

        let next = timeout(
            Duration::from_secs(1),
            sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&database.pool),
        )
        .await;
        Lesson::new(
            DROP_CHAPTER,
            format!(
                "the report's future was dropped while SQLite ran it (nobody cancelled the \
                 token), and `SELECT 1` on the pool then got {}: the database's only connection \
                 was still busy with the report's query.",
                match &next {
                    Ok(Ok(_)) => "its row".to_owned(),
                    Ok(Err(error)) => format!("an error ({error})"),
                    Err(_) => "no answer within a second".to_owned(),
                }
            ),
        )
        .ask(
            "A cancelled token stops SQLite; a dropped future cancels nothing by itself. What \
             could cancel a token of the report's own when its future is dropped?",
        )
        .check(matches!(next, Ok(Ok(1))));

        let totals = dashboard_totals(&database.pool).await;
        Lesson::new(
            CHAPTER,
            format!(
                "after a dropped report, the dashboard asked for the totals per account on the \
                 same pool, and got {} instead of {:?}.",
                match &totals {
                    Ok(Ok(rows)) => format!("{rows:?}"),
                    Ok(Err(error)) => format!("an error: {error}"),
                    Err(_) => "no answer within 5 s".to_owned(),
                },
                expected_totals()
            ),
        )
        .ask(
            "Nobody cancelled the totals query. Which handler, with which token, was still on \
             the connection? A line after the query's `.await` never runs when the future is \
             dropped there.",
        )
        .check(matches!(&totals, Ok(Ok(rows)) if *rows == expected_totals()));
        the_callers_token_is_untouched(&token, "was dropped");
        Lesson::new(
            DROP_CHAPTER,
            "the report was dropped, and 5 s later SQLite still held its progress handler.",
        )
        .ask("Is the connection that carries the handler closed, or back in the pool?")
        .check(callback_released(&mut ticks).await);

        database.close().await;
    });
}

#[test]
fn a_report_that_fails_is_a_database_error_not_a_cancel() {
    real_time(|| async {
        let database = Database::new("report-fails").await;
        // The report's table is gone: SQLite refuses the statement at once.
        sqlx::query("DROP TABLE payments")
            .execute(&database.pool)
            .await
            .expect("drop the payments table");
        let token = CancellationToken::new();
        let result = timeout(
            EVENT_LIMIT,
            suspected_duplicates(&database.pool, &token, || {}),
        )
        .await;
        Lesson::new(
            CHAPTER,
            format!(
                "nobody cancelled, and the report's table does not exist: it should answer \
                 Err(Database(..)), but gave {}.",
                match &result {
                    Ok(result) => format!("{result:?}"),
                    Err(_) => "no answer within 5 s".to_owned(),
                }
            ),
        )
        .ask("Is every failed statement a cancel? Only an interrupt that the token asked for is.")
        .check(matches!(result, Ok(Err(ReportError::Database(_)))));
        database.close().await;
    });
}
