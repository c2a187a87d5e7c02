//! # Exercise 28: a streamed export whose producer outlives its client
//!
//! Chapter: "Streams that stop" (`src/streams.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check streams` from anywhere in
//! the course.
//!
//! `app` serves `GET /export`: every order, page by page, streamed to the
//! client as each page comes back from the database (one query of one second
//! per page, `PAGES` pages). A client sees the first page after a second,
//! not after the whole export.
//!
//! Users start an export, look at the first pages and close the tab. The
//! queries go on to the last page, for nobody, and the export is logged as
//! finished. Make the export stop the moment its client leaves: no page
//! query may finish after that, and an export the client did not get to the
//! end of is never reported as finished. A patient client must still get
//! every page, each as soon as it is ready.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use tokio::sync::mpsc;

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

async fn export(State(on_progress): State<OnProgress>) -> Body {
    let (pages, receiver) = mpsc::channel(4);
    // The queries run on a task of their own and hand each page to the
    // response body through the channel.
    tokio::spawn(produce(pages, on_progress));
    Body::from_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move {
            let page = receiver.recv().await?;
            Some((Ok::<_, Infallible>(page), receiver))
        },
    ))
}

/// Queries every page and sends it on.
async fn produce(pages: mpsc::Sender<String>, on_progress: OnProgress) {
    for page in 1..=PAGES {
        let rows = query_page(page).await;
        on_progress(Progress::Page(page));
        let _ = pages.send(rows).await;
    }
    on_progress(Progress::Finished);
}

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
mod tests;
