//! # Solution of exercise 28: a streamed export whose producer outlives its client
//!
//! Chapter: "Streams that stop" (`src/streams.md`).
//!
//! When a client leaves, hyper drops the response body: the stream inside
//! it, and whatever that stream was awaiting. The starter's body was only
//! the receiving end of a channel; the queries ran on a spawned task that
//! heard of the client's departure at its next `send`, a whole page query
//! later, ignored even that, and reported the export as finished. The fix
//! removes the task: the body stream runs the queries itself, one page each
//! time hyper asks for the next chunk, so the drop stops the query in
//! progress at once, and `Finished` is reported only by a stream that got
//! to its end.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use futures_util::Stream;

/// How many pages a full export has.
pub const PAGES: u32 = 40;
/// How long the query for one page takes.
pub const PAGE_TIME: Duration = Duration::from_secs(1);

/// What the export tells its monitoring (the tests listen here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The query for this page finished.
    Page(u32),
    /// The whole export was produced.
    Finished,
}

pub type OnProgress = Arc<dyn Fn(Progress) + Send + Sync>;

/// The service: `GET /export`.
pub fn app(on_progress: OnProgress) -> Router {
    Router::new()
        .route("/export", get(export))
        .with_state(on_progress)
}

// ANCHOR: export
async fn export(State(on_progress): State<OnProgress>) -> Body {
    // No task: the body is the stream that does the work.
    Body::from_stream(pages(on_progress))
}

/// The export, one page per item. Each query runs when hyper asks for the
/// next chunk; when hyper drops the body, the query it was waiting on is
/// dropped with it.
fn pages(on_progress: OnProgress) -> impl Stream<Item = Result<String, Infallible>> + Send {
    futures_util::stream::unfold(1, move |page| {
        let on_progress = on_progress.clone();
        async move {
            if page > PAGES {
                // Only a stream that got to its end says so.
                on_progress(Progress::Finished);
                return None;
            }
            let rows = query_page(page).await;
            on_progress(Progress::Page(page));
            Some((Ok(rows), page + 1))
        }
    })
}
// ANCHOR_END: export

/// One page of the export: the database query.
async fn query_page(page: u32) -> String {
    tokio::time::sleep(PAGE_TIME).await;
    let first = (page - 1) * 25 + 1;
    let rows: String = (first..first + 25)
        .map(|order| format!("order {order}\n"))
        .collect();
    format!("{rows}-- end of page {page}\n")
}

#[cfg(test)]
#[path = "../../../exercises/28_streams/src/tests.rs"]
mod tests;
