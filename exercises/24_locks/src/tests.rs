//! The tests of exercise 24, shared by the starter, the solution and every
//! wrong fix. They run under tokio's paused clock. A futurelock leaves the
//! runtime with nothing to do but the test's own one-hour bound: that bound
//! fires in virtual time at once, and the test reports it as HUNG, naming
//! the lock that is held.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use test_support::lesson::fail_quietly;
use test_support::{Lesson, Timeline, at, drop_at_every_point, paused, tasks_alive};
use tokio::sync::{mpsc, oneshot};

use super::*;

const TRANSFER: &str =
    "\"Locks across an `.await`\", section \"A guard held across an `.await`\" (src/locks.md)";
const FUTURELOCK: &str = "\"Locks across an `.await`\", section \"Futurelock\" (src/locks.md)";

/// Awaits `work` for at most an hour of virtual time. Longer means that
/// nothing was left to wake it: reported as HUNG, with `why`.
async fn within_an_hour<T>(timeline: &Timeline, work: impl Future<Output = T>, why: &str) -> T {
    match tokio::time::timeout(Duration::from_secs(3600), work).await {
        Ok(value) => value,
        Err(_) => fail_quietly(format!(
            "HUNG: the test did not finish: after an hour of virtual time it was still waiting.\n\n  {why}\n\n  \
             What happened (virtual time):\n{}\n  Read again: {FUTURELOCK}\n",
            timeline.render()
        )),
    }
}

const HELD_LOCK: &str = "This is a futurelock: the lock on `accounts` is held (or has just been handed) to the pinned \
     `statement` future, and the task that owns that future is busy in the query branch's body, waiting for the same \
     lock. While the body waits, `select!` polls no other branch, so the statement never finishes and never lets go. \
     Which `.await` happens while the statement holds the lock?";

/// Sends one query at `when` (from the start of the test) and returns its answer.
async fn ask(
    timeline: &Timeline,
    queries: &mpsc::Sender<Query>,
    when: Duration,
    account: usize,
    loud: bool,
) -> Result<u64, oneshot::error::RecvError> {
    tokio::time::sleep(when.saturating_sub(timeline.now())).await;
    let (reply, answer) = oneshot::channel();
    if loud {
        timeline.record(format!("query for account {account}"));
    }
    queries
        .send(Query { account, reply })
        .await
        .expect("serve is running");
    let answer = answer.await;
    match &answer {
        Ok(balance) if loud => timeline.record(format!("answer: {balance}")),
        Ok(_) => {}
        Err(_) => timeline.record("the query was dropped unanswered"),
    }
    answer
}

#[test]
fn a_transfer_dropped_at_any_point_loses_no_money() {
    paused(|| async {
        drop_at_every_point(
            || {
                let bank = Arc::new(Bank::new(vec![100, 50]));
                let transfer = {
                    let bank = bank.clone();
                    async move { bank.transfer(0, 1, 30).await }
                };
                (bank, transfer)
            },
            async |bank, point| {
                let balances = bank.try_balances();
                Lesson::new(
                    TRANSFER,
                    format!(
                        "a transfer of 30 from account 0 (100) to account 1 (50) was dropped {point}, the way a \
                         timeout drops it; the moment the drop returned, the balances were {balances:?} instead \
                         of [100, 50] (not done) or [70, 80] (done): the bank now holds {} instead of 150.",
                        balances.as_ref().map_or(0, |b| b.iter().sum::<u64>())
                    ),
                )
                .ask(
                    "What was the state of the books at the `.await` where it was dropped? A dropped future \
                     never runs the lines after that `.await`, and tokio's `Mutex` is simply unlocked: it \
                     does not remember that the update was half done.",
                )
                .check(matches!(balances.as_deref(), Some([100, 50] | [70, 80])));
            },
        )
        .await;
    });
}

#[test]
fn a_transfer_that_returns_ok_is_applied_and_audited() {
    paused(|| async {
        let bank = Bank::new(vec![100, 50]);
        let start = tokio::time::Instant::now();
        let result = bank.transfer(0, 1, 30).await;
        let took = start.elapsed();
        assert_eq!(result, Ok(()));
        let balances = bank.try_balances();
        let audit = bank.audit_lines();
        Lesson::new(
            TRANSFER,
            format!(
                "a transfer of 30 from account 0 to 1 returned Ok after {}; then the balances were {balances:?} \
                 (expected [70, 80]) and the audit lines {audit:?} (expected [\"0 -> 1: 30\"]).",
                at(took)
            ),
        )
        .ask(
            "Does `Ok` still mean \"moved and audited\"? An audit that is spawned and left to run is not \
             written when the caller is told it was.",
        )
        .check(balances == Some(vec![70, 80]) && audit == ["0 -> 1: 30"]);
        Lesson::new(
            TRANSFER,
            format!(
                "{} task(s) are still alive after the transfer returned",
                tasks_alive()
            ),
        )
        .ask("What did the transfer start that nobody waits for?")
        .check(tasks_alive() == 0);
    });
}

#[test]
fn a_refused_transfer_changes_nothing() {
    paused(|| async {
        let bank = Bank::new(vec![100, 50]);
        let result = bank.transfer(1, 0, 80).await;
        let balances = bank.try_balances();
        let audit = bank.audit_lines();
        Lesson::new(
            TRANSFER,
            format!(
                "a transfer of 80 from account 1, which holds 50, returned {result:?} (expected Err(Refused)); \
                 afterwards the balances were {balances:?} (expected [100, 50]) and the audit lines {audit:?} \
                 (expected none)."
            ),
        )
        .ask("Is the balance checked before anything is changed or audited?")
        .check(result == Err(Refused) && balances == Some(vec![100, 50]) && audit.is_empty());
    });
}

#[test]
fn a_transfer_of_the_whole_balance_is_applied() {
    paused(|| async {
        let bank = Bank::new(vec![100, 50]);
        let result = bank.transfer(1, 0, 50).await;
        let balances = bank.try_balances();
        Lesson::new(
            TRANSFER,
            format!(
                "a transfer of 50 from account 1, which holds exactly 50, returned {result:?} \
                 (expected Ok(())); afterwards the balances were {balances:?} (expected [150, 0])."
            ),
        )
        .ask("May an account be emptied? The check refuses only what the account does not hold.")
        .check(result == Ok(()) && balances == Some(vec![150, 0]));
    });
}

#[test]
fn a_query_during_a_statement_is_answered() {
    paused(|| async {
        let timeline = Timeline::start();
        let bank = Bank::new(vec![100, 50]);
        let (queries, requests) = mpsc::channel(8);
        let client = async {
            // The statement starts at t=60s and takes 2 s: this query comes in the middle.
            let answer = ask(&timeline, &queries, Duration::from_secs(61), 1, true).await;
            // Stay connected until the statement is surely written.
            tokio::time::sleep(Duration::from_secs(63).saturating_sub(timeline.now())).await;
            drop(queries);
            answer
        };
        let ((), answer) = within_an_hour(
            &timeline,
            async { tokio::join!(bank.serve(requests), client) },
            HELD_LOCK,
        )
        .await;
        let statements = bank.statements();
        Lesson::new(
            FUTURELOCK,
            format!(
                "a query for account 1 at t=61s got {answer:?} (expected Ok(50)), and the statements written \
                 were {statements:?} (expected the one started at t=60s: [[100, 50]])."
            ),
        )
        .ask(
            "Was a query dropped, or the statement? A fix that avoids the wait by giving up on one of \
             them is not a fix.",
        )
        .timeline(&timeline)
        .check(answer == Ok(50) && statements == [vec![100, 50]]);
    });
}

#[test]
fn statements_are_written_every_minute_while_queries_keep_coming() {
    paused(|| async {
        let timeline = Timeline::start();
        let bank = Bank::new(vec![100, 50]);
        let (queries, requests) = mpsc::channel(8);
        let client = async {
            let mut answers = Vec::new();
            // A query every second, half-way between the whole seconds, for 150 s.
            for n in 0..150 {
                let when = Duration::from_millis(500 + 1000 * n);
                // Only the last one before each statement, and the first during it, go on the timeline.
                let loud = n % 60 == 59 || n % 60 == 0 && n > 0;
                answers.push(ask(&timeline, &queries, when, (n % 2) as usize, loud).await);
            }
            drop(queries);
            answers
        };
        let ((), answers) = within_an_hour(
            &timeline,
            async { tokio::join!(bank.serve(requests), client) },
            HELD_LOCK,
        )
        .await;
        let wrong = answers
            .iter()
            .enumerate()
            .filter(|(n, answer)| **answer != Ok(if n % 2 == 0 { 100 } else { 50 }))
            .count();
        let statements = bank.statements().len();
        Lesson::new(
            FUTURELOCK,
            format!(
                "150 queries, one a second from t=0.5s to t=149.5s: {wrong} were not answered with the \
                 balance, and {statements} statement(s) were written (expected 2 by t=150s: one a minute, each taking 2 s)."
            ),
        )
        .ask(
            "Is the statement future made once and resumed, or made again every time round the loop? \
             A fresh one starts its minute again each time a query comes in.",
        )
        .check(wrong == 0 && statements == 2);
        // An hour for anything `serve` left behind to show itself.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        let later = bank.statements().len();
        Lesson::new(
            FUTURELOCK,
            format!(
                "serve returned at t=150s, when the last requester left, but {} more statement(s) were \
                 written in the hour after, and {} task(s) are still alive.",
                later - statements,
                tasks_alive()
            ),
        )
        .ask("What did serve start that goes on without it?")
        .check(later == statements && tasks_alive() == 0);
    });
}
