//! Examples for "HTTP: the client went away" (src/http-disconnect.md) that
//! are not the exercise's solution, the chapter's other ways to stop work
//! when the client leaves:
//!
//! - a handler that keeps its task, tied to it with `AbortOnDropHandle`;
//! - a `RequestAborted`-style token made by a middleware, a child of the
//!   service's shutdown token;
//! - an access log whose guard records a client that went away as 499, at
//!   info level.
//!
//! They run a small report of their own (`build_report`), a step a second,
//! like the exercise's.

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::AbortOnDropHandle;

/// How many steps the examples' report takes.
pub const STEPS: u32 = 8;
/// How long one step (one query plus its processing) takes.
pub const STEP_TIME: Duration = Duration::from_secs(1);

/// Told after each step (a progress bar, a metric; the tests listen here).
pub type OnStep = Arc<dyn Fn(u32) + Send + Sync>;

/// The report: one row per step.
async fn build_report(on_step: OnStep) -> Vec<u32> {
    let mut rows = Vec::new();
    for step in 1..=STEPS {
        tokio::time::sleep(STEP_TIME).await; // one query and its processing
        rows.push(step * step);
        on_step(step);
    }
    rows
}

/// One row per line.
fn render(rows: &[u32]) -> String {
    rows.iter().map(|row| format!("{row}\n")).collect()
}

// ANCHOR: abort_on_drop
async fn report_on_its_own_task(State(on_step): State<OnStep>) -> String {
    // Still a task of its own, but now owned: when axum drops this handler,
    // the handle is dropped with it, and dropping it aborts the task.
    let work = AbortOnDropHandle::new(tokio::spawn(build_report(on_step)));
    let rows = work.await.expect("the report task panicked");
    render(&rows)
}
// ANCHOR_END: abort_on_drop

/// `GET /report`, with the work on an owned task.
pub fn app_on_its_own_task(on_step: OnStep) -> Router {
    Router::new()
        .route("/report", get(report_on_its_own_task))
        .with_state(on_step)
}

// ANCHOR: middleware
/// The request's token: the axum version of `HttpContext.RequestAborted`.
#[derive(Clone)]
pub struct RequestAborted(pub CancellationToken);

/// Gives each request a token, cancelled when the request is over (the
/// handler has answered, or hyper dropped the whole request because the
/// client went away) and when the service shuts down: it is a child of the
/// shutdown token, never a `CancellationToken::new()` cut off from it.
pub async fn request_token(
    State(shutdown): State<CancellationToken>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = shutdown.child_token();
    request
        .extensions_mut()
        .insert(RequestAborted(token.clone()));
    // Dropped (and so cancelling) on every way out of this function,
    // including hyper dropping it at the `.await` below.
    let _cancel_when_done = token.drop_guard();
    next.run(request).await
}
// ANCHOR_END: middleware

// ANCHOR: handler_with_token
async fn report_with_token(
    State(on_step): State<OnStep>,
    Extension(RequestAborted(token)): Extension<RequestAborted>,
) -> Response {
    // Work that must run on a detached task (here, for the sake of the
    // example) listens to the request's token instead.
    let work = tokio::spawn(async move { token.run_until_cancelled(build_report(on_step)).await });
    match work.await {
        Ok(Some(rows)) => render(&rows).into_response(),
        // Cancelled. With this middleware that only happens once the request
        // is over (the client left, so this future is being dropped anyway),
        // so the arm is there for completeness: a token cancelled for another
        // reason (a shutdown) would end here, and nobody may read the 499.
        Ok(None) => client_closed_request().into_response(),
        Err(_panic) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
// ANCHOR_END: handler_with_token

// ANCHOR: status_499
/// 499 "Client Closed Request": an nginx convention, not in the HTTP
/// standard, so `StatusCode` has no constant for it.
fn client_closed_request() -> StatusCode {
    StatusCode::from_u16(499).expect("499 is in the valid range")
}
// ANCHOR_END: status_499

// ANCHOR: access_log
/// One line per request, written when the guard is dropped: after the
/// answer, or when hyper drops the request because the client left.
struct AccessLog {
    path: String,
    started: Instant,
    status: Option<StatusCode>,
}

impl Drop for AccessLog {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        match self.status {
            Some(status) => tracing::info!(path = %self.path, %status, ?elapsed, "request done"),
            // Nobody will read a 499: it exists for this log line only.
            // A client that leaves is routine, so it is not an error.
            None => tracing::info!(
                path = %self.path,
                status = client_closed_request().as_u16(),
                ?elapsed,
                "client closed the request"
            ),
        }
    }
}

pub async fn access_log(request: Request, next: Next) -> Response {
    let mut log = AccessLog {
        path: request.uri().path().to_owned(),
        started: Instant::now(),
        status: None,
    };
    let response = next.run(request).await;
    log.status = Some(response.status());
    response
}
// ANCHOR_END: access_log

// ANCHOR: layers
/// `GET /report`, with a request token under `shutdown` and an access log.
pub fn app_with_token(on_step: OnStep, shutdown: CancellationToken) -> Router {
    Router::new()
        .route("/report", get(report_with_token))
        .with_state(on_step)
        .layer(middleware::from_fn_with_state(shutdown, request_token))
        .layer(middleware::from_fn(access_log))
}
// ANCHOR_END: layers

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::sync::Mutex;

    use test_support::http::TestServer;
    use test_support::{Timeline, paused};
    use tokio::sync::mpsc;
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    use super::*;
    use test_support::http::hold_the_clock;

    /// `router`, with a middleware that says when the server lets go of a
    /// request (its future is done or dropped).
    fn watched(router: Router) -> (Router, mpsc::UnboundedReceiver<()>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let watch = move |request: Request, next: Next| {
            let sender = sender.clone();
            async move {
                struct LetGo(mpsc::UnboundedSender<()>);
                impl Drop for LetGo {
                    fn drop(&mut self) {
                        let _ = self.0.send(());
                    }
                }
                let _let_go = LetGo(sender);
                next.run(request).await
            }
        };
        (router.layer(middleware::from_fn(watch)), receiver)
    }

    /// `app_with_token` under a shutdown token nobody cancels.
    fn app_with_token_alone(on_step: OnStep) -> Router {
        app_with_token(on_step, CancellationToken::new())
    }

    /// Serves `app`, drops the request after step 5, waits a minute, and
    /// returns how many steps ran after the client left.
    async fn steps_after_the_client_left(app: fn(OnStep) -> Router) -> usize {
        let timeline = Timeline::start();
        let (sender, mut steps) = mpsc::unbounded_channel();
        let recorder = timeline.clone();
        let on_step: OnStep = Arc::new(move |step| {
            recorder.record(format!("step {step}"));
            let _ = sender.send(step);
        });
        let (router, mut let_go) = watched(app(on_step));
        let server = TestServer::start(router).await;
        let client = reqwest::Client::new();
        tokio::select! {
            _ = client.get(server.url("/report")).send() => panic!("answered before step 5"),
            _ = async { while steps.recv().await != Some(5) {} } => {}
        }
        // Let the server see the close before the clock moves on.
        let hold = hold_the_clock();
        let_go
            .recv()
            .await
            .expect("the server lets go of the request");
        drop(hold);
        let left_at = timeline.now();
        tokio::time::sleep(Duration::from_secs(60)).await;
        timeline
            .events()
            .iter()
            .filter(|event| event.at > left_at)
            .count()
    }

    #[test]
    fn an_owned_task_stops_when_the_client_leaves() {
        paused(|| async {
            assert_eq!(steps_after_the_client_left(app_on_its_own_task).await, 0);
        });
    }

    #[test]
    fn the_request_token_stops_spawned_work_when_the_client_leaves() {
        paused(|| async {
            assert_eq!(steps_after_the_client_left(app_with_token_alone).await, 0);
        });
    }

    #[test]
    fn the_request_token_is_cancelled_once_the_answer_is_ready() {
        paused(|| async {
            // The handler keeps a clone of its token where the test can see it.
            let seen: Arc<Mutex<Option<CancellationToken>>> = Arc::default();
            let keep = seen.clone();
            let router = Router::new()
                .route(
                    "/hello",
                    get(
                        move |Extension(RequestAborted(token)): Extension<RequestAborted>| async move {
                            *keep.lock().unwrap() = Some(token.clone());
                            assert!(!token.is_cancelled());
                            "hello"
                        },
                    ),
                )
                .layer(middleware::from_fn_with_state(
                    CancellationToken::new(),
                    request_token,
                ));
            let server = TestServer::start(router).await;
            let response = reqwest::get(server.url("/hello")).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            // The client is still there, but the request is over: a body
            // still being streamed at this point would see the token cancelled.
            let token = seen.lock().unwrap().clone().unwrap();
            assert!(token.is_cancelled());
        });
    }

    #[test]
    fn a_shutdown_cancels_the_token_of_a_request_in_flight() {
        paused(|| async {
            let timeline = Timeline::start();
            let (sender, mut steps) = mpsc::unbounded_channel();
            let recorder = timeline.clone();
            let on_step: OnStep = Arc::new(move |step| {
                recorder.record(format!("step {step}"));
                let _ = sender.send(step);
            });
            let shutdown = CancellationToken::new();
            let server = TestServer::start(app_with_token(on_step, shutdown.clone())).await;
            let client = reqwest::Client::new();
            let request = tokio::spawn(client.get(server.url("/report")).send());
            // The client waits; the service shuts down after step 5.
            while steps.recv().await != Some(5) {}
            shutdown.cancel();
            let stopped_at = timeline.now();
            // The request's token was cancelled with its parent: the spawned
            // report stops, and the handler answers 499 to nobody in
            // particular (here, to the patient client).
            let response = request.await.unwrap().unwrap();
            assert_eq!(response.status().as_u16(), 499);
            tokio::time::sleep(Duration::from_secs(3600)).await;
            assert!(timeline.after(stopped_at, "step").is_empty());
        });
    }

    /// Keeps every event's level and fields as text.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<(Level, String)>>>);

    struct Fields(String);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            self.0.push_str(&format!("{}={value:?} ", field.name()));
        }
    }

    impl Subscriber for Captured {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata
                .target()
                .starts_with(module_path!().trim_end_matches("::tests"))
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            let level = *event.metadata().level();
            self.0.lock().unwrap().push((level, fields.0));
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn a_client_that_leaves_is_logged_as_499_at_info_level() {
        paused(|| async {
            let captured = Captured::default();
            // The runtime is single-threaded: the server's tasks run on
            // this thread, so a thread-local subscriber sees their events.
            let _subscriber = tracing::subscriber::set_default(captured.clone());
            steps_after_the_client_left(app_with_token_alone).await;
            let lines = captured.0.lock().unwrap().clone();
            assert_eq!(lines.len(), 1, "{lines:?}");
            let (level, fields) = &lines[0];
            assert_eq!(*level, Level::INFO);
            assert!(fields.contains("status=499"), "{fields}");
            assert!(fields.contains("client closed the request"), "{fields}");
            assert!(fields.contains("elapsed=5s"), "{fields}");
        });
    }

    #[test]
    fn a_finished_request_is_logged_with_its_status() {
        paused(|| async {
            let captured = Captured::default();
            let _subscriber = tracing::subscriber::set_default(captured.clone());
            let server = TestServer::start(app_with_token_alone(Arc::new(|_| {}))).await;
            let response = reqwest::get(server.url("/report")).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let lines = captured.0.lock().unwrap().clone();
            assert_eq!(lines.len(), 1, "{lines:?}");
            assert_eq!(lines[0].0, Level::INFO);
            assert!(lines[0].1.contains("status=200 OK"), "{}", lines[0].1);
        });
    }
}
