//! The tests of exercise 05, shared by the starter, the solution and every
//! wrong fix. They run under tokio's paused clock: a sync of 12 pages of 2 s
//! each takes microseconds of real time, and every instant below is exact.
//! (The pages arrive at t=2s, 4s, 6s...; the limit is at t=5s: never the same
//! instant.)

use std::time::Duration;

use test_support::{Lesson, Timeline, at, paused};

use super::*;

const CHAPTER: &str = "\"Timeouts\", section \"A time limit around a future\" (src/timeouts.md)";
const ERRORS: &str = "\"Timeouts\", section \"Your error, not Elapsed\" (src/timeouts.md)";

/// An account of `pages` pages whose API records every page it serves.
fn account(pages: u32, timeline: &Timeline) -> AccountingApi {
    let timeline = timeline.clone();
    AccountingApi::new(pages, move |page| {
        timeline.record(format!("page {page} served"))
    })
}

/// What a sync returned, in a few words.
fn describe(result: &Result<Vec<Invoice>, SyncError>) -> String {
    match result {
        Ok(invoices) => format!("Ok({} invoices)", invoices.len()),
        Err(error) => format!("Err({error:?})"),
    }
}

/// Runs one sync, recording when it returned; gives the result and that time.
async fn sync(
    api: &AccountingApi,
    timeline: &Timeline,
) -> (Result<Vec<Invoice>, SyncError>, Duration) {
    let result = sync_invoices(api).await;
    timeline.record(format!("sync returned {}", describe(&result)));
    (result, timeline.now())
}

#[test]
fn a_slow_sync_times_out_at_exactly_the_limit() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("Refresh: sync 12 pages of 2 s each, within 5 s");
        let (result, returned) = sync(&account(12, &timeline), &timeline).await;

        Lesson::new(
            CHAPTER,
            format!(
                "the sync had 5 s, so it should end with Err(TimedOut) at t=5s; it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(
            "A stopwatch read between pages only notices the limit once a page has arrived. \
             What could end the sync while it is still waiting for one?",
        )
        .timeline(&timeline)
        .check(result == Err(SyncError::TimedOut) && returned == SYNC_LIMIT);
    });
}

#[test]
fn no_page_is_fetched_after_the_limit() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("Refresh: sync 12 pages of 2 s each, within 5 s");
        let (result, returned) = sync(&account(12, &timeline), &timeline).await;
        timeline.record("the billing page moves on; the test waits 60 s more");
        tokio::time::sleep(Duration::from_secs(60)).await;

        let late: Vec<Duration> = timeline
            .after(SYNC_LIMIT, "page")
            .into_iter()
            .map(|event| event.at)
            .collect();
        Lesson::new(
            CHAPTER,
            format!(
                "the sync returned {} at {}, yet {} page(s) were fetched after the 5 s limit, the last at {}.",
                describe(&result),
                at(returned),
                late.len(),
                at(late.last().copied().unwrap_or_default())
            ),
        )
        .ask(
            "Every page after the limit is work nobody reads. Does anything stop the fetch in flight at t=5s? \
             A timeout drops the future you give it; it cannot stop a task that runs on its own.",
        )
        .timeline(&timeline)
        .check(late.is_empty());
    });
}

#[test]
fn a_quick_sync_returns_every_invoice() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("Refresh: sync 2 pages of 2 s each, within 5 s");
        let (result, returned) = sync(&account(2, &timeline), &timeline).await;

        let expected: Vec<Invoice> = (1..=2 * PAGE_SIZE)
            .map(|number| Invoice { number })
            .collect();
        Lesson::new(
            CHAPTER,
            format!(
                "2 pages take 4 s, well within the limit: the sync should return Ok(6 invoices) at t=4s; \
                 it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask("The limit should change when a slow sync stops, not what a quick one returns.")
        .timeline(&timeline)
        .check(result == Ok(expected) && returned == 2 * PAGE_TIME);
    });
}

#[test]
fn an_api_error_is_not_reported_as_a_timeout() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("Refresh: sync 12 pages; the API will answer 503 for page 2");
        let api = account(12, &timeline).failing_at(2);
        let (result, returned) = sync(&api, &timeline).await;

        Lesson::new(
            ERRORS,
            format!(
                "the API answered 503 at t=4s, before the limit, so the sync should return \
                 Err(Api(ApiError {{ status: 503 }})) at t=4s; it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(
            "A timeout around a fallible future gives a Result inside a Result. \
             Which layer says \"too slow\", and which carries the API's own error?",
        )
        .timeline(&timeline)
        .check(
            result == Err(SyncError::Api(ApiError { status: 503 })) && returned == 2 * PAGE_TIME,
        );
    });
}
