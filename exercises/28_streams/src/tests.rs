//! The tests of exercise 28, shared by the starter, the solution and every
//! wrong fix. A real axum server on a loopback port, a real HTTP client that
//! reads the export chunk by chunk, and tokio's paused clock: the 40-second
//! export takes milliseconds of real time.
//!
//! The client does not leave after a timer: it reads pages until it has the
//! one it wanted, then drops the response, which closes the connection. The
//! server is watched: the test hears when it lets go of the response body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::middleware;
use axum::response::Response;
use futures_util::StreamExt;
use test_support::http::{TestServer, hold_the_clock};
use test_support::{
    Lesson, Probe, Timeline, at, drop_at_every_point, nothing_left_running, paused,
};
use tokio::sync::mpsc;
use tower::ServiceExt;

use super::*;

const CHAPTER: &str =
    "\"Streams that stop\", section \"A producer task hears it last\" (src/streams.md)";
const CHAPTER_BODY: &str =
    "\"Streams that stop\", section \"The body is the stream\" (src/streams.md)";

/// Records the export's progress on the timeline; the callback holds `probe`.
fn listen(timeline: &Timeline, probe: &Probe) -> OnProgress {
    let timeline = timeline.clone();
    let held = probe.hold();
    Arc::new(move |progress| {
        let _held = &held;
        match progress {
            Progress::Page(page) => timeline.record(format!("page {page} queried")),
            Progress::Finished => timeline.record("export finished"),
        }
    })
}

/// Wraps a router so that the test hears when the server drops a response
/// body (sent to the end, or let go because the client left).
fn watched(router: axum::Router) -> (axum::Router, mpsc::UnboundedReceiver<()>) {
    struct LetGo(mpsc::UnboundedSender<()>);
    impl Drop for LetGo {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let (sender, receiver) = mpsc::unbounded_channel();
    let watch = move |response: Response| {
        let let_go = LetGo(sender.clone());
        async move {
            response.map(|body| {
                Body::from_stream(body.into_data_stream().map(move |chunk| {
                    let _let_go = &let_go;
                    chunk
                }))
            })
        }
    };
    (router.layer(middleware::map_response(watch)), receiver)
}

/// Reads the body until page `leave_after` has arrived (0: as soon as the
/// answer's head is in), recording each page; returns `false` if the body
/// ended first.
async fn read_until(
    response: &mut reqwest::Response,
    leave_after: u32,
    timeline: &Timeline,
) -> bool {
    if leave_after == 0 {
        return true;
    }
    let mut text = String::new();
    let mut got = 0;
    while let Ok(Some(chunk)) = response.chunk().await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        let pages = text.matches("-- end of page").count() as u32;
        while got < pages {
            got += 1;
            timeline.record(format!("client got page {got}"));
        }
        if got >= leave_after {
            return true;
        }
    }
    false
}

async fn the_client_leaves_after(leave_after: u32) {
    let timeline = Timeline::start();
    let probe = Probe::new("the export's progress callback");
    let (router, mut let_go) = watched(app(listen(&timeline, &probe)));
    let server = TestServer::start(router).await;

    timeline.record("client: GET /export");
    let mut response = reqwest::Client::new()
        .get(server.url("/export"))
        .send()
        .await
        .expect("the export answers");
    let got_there = read_until(&mut response, leave_after, &timeline).await;
    Lesson::new(
        CHAPTER_BODY,
        format!(
            "the export ended at {} before page {leave_after} of {PAGES} reached the client",
            at(timeline.now())
        ),
    )
    .ask("Does the export stop before it is done? What stops it?")
    .timeline(&timeline)
    .check(got_there);

    let left_at = timeline.now();
    timeline.record_cancel("client leaves: the connection closes");
    // The clock stands still until the server has seen the close.
    let hold = hold_the_clock();
    drop(response);
    if tokio::time::timeout(Duration::from_secs(60), let_go.recv())
        .await
        .is_ok()
    {
        timeline.record("server: the response body is dropped");
    }
    drop(hold);

    tokio::time::sleep(test_support::leftovers::AN_HOUR).await;
    let late = timeline.after(left_at, "page").len();
    Lesson::new(
        CHAPTER,
        format!(
            "the client left at {}, but {late} more page queries finished, the last at {}",
            at(left_at),
            at(timeline.last("page").unwrap_or_default())
        ),
    )
    .ask(
        "hyper drops the response body when the client goes. Who is still querying? When does \
         it hear that nobody reads its pages: only at its next send, or at once?",
    )
    .timeline(&timeline)
    .check(late == 0);
    Lesson::new(
        CHAPTER,
        format!(
            "the client left at {} with {leave_after} of {PAGES} pages, but the export was \
             reported as finished",
            at(left_at)
        ),
    )
    .ask("Which way out of the producer leads to `Progress::Finished`? Should a stopped export take it?")
    .timeline(&timeline)
    .check(timeline.count("export finished") == 0);
    // The server's router holds the callback too: stop serving first.
    drop(server);
    nothing_left_running(&timeline, CHAPTER, &["page", "export"], &[&probe]).await;
}

#[test]
fn the_export_stops_when_the_client_leaves() {
    paused(|| the_client_leaves_after(3));
}

#[test]
fn the_export_stops_however_early_or_late_the_client_leaves() {
    paused(|| async {
        for leave_after in [0, 1, PAGES - 1] {
            the_client_leaves_after(leave_after).await;
        }
    });
}

#[test]
fn a_patient_client_gets_every_page_as_soon_as_it_is_ready() {
    paused(|| async {
        let timeline = Timeline::start();
        let probe = Probe::new("the export's progress callback");
        let server = TestServer::start(app(listen(&timeline, &probe))).await;
        timeline.record("client: GET /export");
        let mut response = reqwest::Client::new()
            .get(server.url("/export"))
            .send()
            .await
            .expect("the export answers");
        let mut text = String::new();
        let mut late = Vec::new();
        let mut got = 0;
        while let Ok(Some(chunk)) = response.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            while got < text.matches("-- end of page").count() as u32 {
                got += 1;
                timeline.record(format!("client got page {got}"));
                if timeline.now() != PAGE_TIME * got {
                    late.push(got);
                }
            }
        }
        let rows = text
            .lines()
            .filter(|line| line.starts_with("order "))
            .count();
        Lesson::new(
            CHAPTER_BODY,
            format!(
                "a client that waits got {got} of {PAGES} pages ({rows} rows) by {}",
                at(timeline.now())
            ),
        )
        .ask("Does the export stop before its end, for a client who is still there?")
        .timeline(&timeline)
        .check(got == PAGES && rows == 25 * PAGES as usize);
        let in_order = text
            .lines()
            .filter(|line| line.starts_with("order "))
            .eq((1..=25 * PAGES).map(|order| format!("order {order}")));
        Lesson::new(
            CHAPTER_BODY,
            format!(
                "a client that waits got every page, but not orders 1 to {}, each once and in order",
                25 * PAGES
            ),
        )
        .ask("The fix changes when the export stops, not what it sends: are the pages' rows still the same?")
        .timeline(&timeline)
        .check(in_order);
        Lesson::new(
            CHAPTER_BODY,
            format!(
                "pages {late:?} reached the client later than one second after the page before"
            ),
        )
        .ask("Is each page sent as soon as its query is done, or is the export gathered first?")
        .timeline(&timeline)
        .check(late.is_empty());
        Lesson::new(
            CHAPTER,
            "a client got the whole export, but it was not reported as finished",
        )
        .timeline(&timeline)
        .check(timeline.count("export finished") == 1);
        drop(response);
        drop(server);
        nothing_left_running(&timeline, CHAPTER, &["page", "export"], &[&probe]).await;
    });
}

#[test]
fn the_export_stops_wherever_its_body_is_dropped() {
    paused(|| async {
        // No network: the router is called directly and its body read to
        // the end; the sweep drops that reading after each of its polls, the
        // way hyper drops a body whose client left.
        let probe = Probe::new("the export's progress callback");
        let points = drop_at_every_point(
            || {
                let timeline = Timeline::start();
                let router = app(listen(&timeline, &probe));
                let reader = timeline.clone();
                let read_all = async move {
                    let request = axum::http::Request::get("/export")
                        .body(Body::empty())
                        .expect("a request");
                    let response = router.oneshot(request).await.expect("an answer");
                    let mut body = response.into_body().into_data_stream();
                    let mut pages = 0;
                    while let Some(Ok(chunk)) = body.next().await {
                        pages += String::from_utf8_lossy(&chunk).matches("-- end of page").count();
                        reader.record(format!("reader got {pages} page(s)"));
                    }
                };
                (timeline, read_all)
            },
            async |timeline: Timeline, point| {
                let dropped_at = timeline.now();
                timeline.record_cancel(format!("the body is dropped {point}"));
                tokio::time::sleep(test_support::leftovers::AN_HOUR).await;
                let late = timeline.after(dropped_at, "page").len();
                let finished = timeline.count("export finished");
                Lesson::new(
                    CHAPTER,
                    format!(
                        "the response body was dropped at {} ({point}), but {late} page \
                         queries finished after that, and the export was reported finished \
                         {finished} time(s)",
                        at(dropped_at)
                    ),
                )
                .ask("Is the work inside the body, so that dropping the body drops it? Or on a task that goes on?")
                .timeline(&timeline)
                .check(late == 0 && finished == 0);
            },
        )
        .await;
        assert!(
            points as u32 >= PAGES,
            "the export should wait once per page at least, not {points} times"
        );
        nothing_left_running(&Timeline::start(), CHAPTER, &["page"], &[&probe]).await;
    });
}
