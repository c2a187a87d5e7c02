//! The tests of exercise 05, shared by the starter, the solution and every
//! wrong fix. They run under tokio's paused clock: a sync of 12 pages of 2 s
//! each takes microseconds of real time, and every instant below is exact.
//! (The pages arrive at t=2s, 4s, 6s...; the limit is at t=5s: never the same
//! instant.)

use std::time::Duration;

use test_support::{
    Lesson, Probe, Timeline, at, drop_at_every_point, nothing_left_running, paused,
};

use super::*;

const CHAPTER: &str = "\"Timeouts\", section \"A time limit around a future\" (src/timeouts.md)";
const ERRORS: &str = "\"Timeouts\", section \"Your error, not Elapsed\" (src/timeouts.md)";

/// An account of `pages` pages whose API records every page it serves.
/// Whatever holds the API (or a clone of it) holds `probe`.
fn account(pages: u32, timeline: &Timeline, probe: &Probe) -> AccountingApi {
    let timeline = timeline.clone();
    let held = probe.hold();
    AccountingApi::new(pages, move |page| {
        let _alive = &held;
        timeline.record(format!("page {page} served"))
    })
}

/// After the sync ended, however it ended: an hour with no page served and
/// nothing holding the API.
async fn nothing_left(timeline: &Timeline, probe: &Probe) {
    nothing_left_running(timeline, CHAPTER, &["page"], &[probe]).await;
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
        let probe = Probe::new("the accounting API");
        let (result, returned) = sync(&account(12, &timeline, &probe), &timeline).await;

        let (chapter, question) = if returned == SYNC_LIMIT {
            (
                ERRORS,
                "The limit came at the right moment. But is a sync that ran out of time a finished one? \
                 The billing page must be able to tell \"slow, try again\" from \"here are all the invoices\".",
            )
        } else {
            (
                CHAPTER,
                "A stopwatch read between pages only notices the limit once a page has arrived. \
                 What could end the sync while it is still waiting for one?",
            )
        };
        Lesson::new(
            chapter,
            format!(
                "the sync had 5 s, so it should end with Err(TimedOut) at t=5s; it returned {} at {}.",
                describe(&result),
                at(returned)
            ),
        )
        .ask(question)
        .timeline(&timeline)
        .check(result == Err(SyncError::TimedOut) && returned == SYNC_LIMIT);
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn no_page_is_fetched_after_the_limit() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("Refresh: sync 12 pages of 2 s each, within 5 s");
        let probe = Probe::new("the accounting API");
        let (result, returned) = sync(&account(12, &timeline, &probe), &timeline).await;
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
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn a_sync_dropped_at_any_point_fetches_nothing_more() {
    paused(|| async {
        drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let probe = Probe::new("the accounting API");
                let api = account(12, &timeline, &probe);
                let sync = async move { sync_invoices(&api).await };
                ((timeline, probe), sync)
            },
            async |(timeline, probe), point| {
                timeline.record_cancel(format!("the billing page is closed: the sync is dropped {point}"));
                tokio::time::sleep(Duration::from_secs(60)).await;
                let late = timeline.after(point.at, "page");
                Lesson::new(
                    CHAPTER,
                    format!(
                        "the user closed the billing page and the sync was dropped {point}, \
                         yet {} page(s) were fetched after that, the first at {}.",
                        late.len(),
                        late.first().map_or("-".to_owned(), |page| at(page.at))
                    ),
                )
                .ask(
                    "The time limit is one way a sync ends; a caller that drops it is another. \
                     Does dropping `sync_invoices` stop the fetch in flight, or does something run on by itself?",
                )
                .timeline(&timeline)
                .check(late.is_empty());
                nothing_left(&timeline, &probe).await;
            },
        )
        .await;
    });
}

#[test]
fn a_quick_sync_returns_every_invoice() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("Refresh: sync 2 pages of 2 s each, within 5 s");
        let probe = Probe::new("the accounting API");
        let (result, returned) = sync(&account(2, &timeline, &probe), &timeline).await;

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
        nothing_left(&timeline, &probe).await;
    });
}

#[test]
fn an_api_error_is_not_reported_as_a_timeout() {
    paused(|| async {
        let timeline = Timeline::start();
        timeline.record("Refresh: sync 12 pages; the API will answer 503 for page 2");
        let probe = Probe::new("the accounting API");
        let api = account(12, &timeline, &probe).failing_at(2);
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
        drop(api);
        nothing_left(&timeline, &probe).await;
    });
}
