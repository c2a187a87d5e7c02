//! # Exercise 19: a service that will not stop on time
//!
//! Chapter: "Graceful shutdown" (`src/shutdown.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check shutdown`.
//!
//! A small service: an HTTP server (`GET /report` takes 8 seconds of work,
//! `GET /export` ten minutes of it) and a background worker that syncs with a
//! partner system once a minute, in five one-second steps. `run` starts both
//! and returns when the service has stopped. In production, `main` makes the
//! shutdown token, hands a clone to `cancel_on_signal` (Ctrl+C or SIGTERM
//! cancel it) and awaits `run`; the tests play the signal by cancelling the
//! token themselves.
//!
//! Whoever stops the service (Kubernetes, systemd, a deploy script) sends
//! SIGTERM, waits `DRAIN_BUDGET` (30 seconds), then kills the process. Within
//! that budget the service must:
//!
//! - take no new work: no new connection, no new sync;
//! - let the work in progress end well: a request being answered gets its
//!   answer, and a sync that has started completes (half a sync leaves the
//!   partner's data inconsistent);
//! - return from `run`, with `Err(ServiceError::DrainTimedOut)` if some work
//!   would not finish in time (main then exits anyway).
//!
//! Today a stop that comes between two syncs waits for the next sync, and
//! starts it; and a long export keeps the service from stopping for ten
//! minutes. Make the service stop within its budget, without cutting any
//! sync or report short.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::time::{MissedTickBehavior, interval};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The worker syncs once a minute...
pub const SYNC_EVERY: Duration = Duration::from_secs(60);
/// ...in this many steps (one batch of changes sent to the partner each)...
pub const SYNC_STEPS: u32 = 5;
/// ...of this long each.
pub const SYNC_STEP: Duration = Duration::from_secs(1);
/// `GET /report` takes this long to answer.
pub const REPORT_TIME: Duration = Duration::from_secs(8);
/// `GET /export` takes this long to answer.
pub const EXPORT_TIME: Duration = Duration::from_secs(600);
/// From the stop signal to the kill: everything must have ended by then.
pub const DRAIN_BUDGET: Duration = Duration::from_secs(30);

/// What the service reports as it runs (to the log in production).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The port is open and the worker is starting (.NET: `ApplicationStarted`).
    Started(SocketAddr),
    SyncStarted(u32),
    SyncFinished(u32),
    RequestStarted(&'static str),
    RequestFinished(&'static str),
    /// The stop signal came (.NET: `ApplicationStopping`).
    Stopping,
    /// Everything has ended (.NET: `ApplicationStopped`).
    Stopped,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Started(addr) => write!(f, "started, listening on {addr}"),
            Event::SyncStarted(n) => write!(f, "sync {n} started"),
            Event::SyncFinished(n) => write!(f, "sync {n} finished"),
            Event::RequestStarted(path) => write!(f, "GET {path} started"),
            Event::RequestFinished(path) => write!(f, "GET {path} answered"),
            Event::Stopping => write!(f, "stopping"),
            Event::Stopped => write!(f, "stopped"),
        }
    }
}

/// Where the events go.
pub type Events = Arc<dyn Fn(Event) + Send + Sync>;

#[derive(Debug)]
pub enum ServiceError {
    /// The port could not be opened.
    Bind(std::io::Error),
    /// Some work had not ended `DRAIN_BUDGET` after the stop signal.
    DrainTimedOut,
}

/// Runs the service on `addr` until `shutdown` is cancelled and the work in
/// progress has ended.
pub async fn run(
    addr: SocketAddr,
    shutdown: CancellationToken,
    events: Events,
) -> Result<(), ServiceError> {
    let listener = TcpListener::bind(addr).await.map_err(ServiceError::Bind)?;
    let local_addr = listener.local_addr().map_err(ServiceError::Bind)?;
    events(Event::Started(local_addr));

    let tasks = TaskTracker::new();
    tasks.spawn(sync_worker(shutdown.child_token(), events.clone()));
    let server = axum::serve(listener, app(events.clone()))
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    tasks.spawn(server.into_future());
    tasks.close();

    shutdown.cancelled().await;
    events(Event::Stopping);
    // The server stops accepting and lets its open requests finish; the
    // worker sees the token at the top of its loop.
    tasks.wait().await;
    events(Event::Stopped);
    Ok(())
}

/// Syncs with the partner system every `SYNC_EVERY` until `stop` is cancelled.
async fn sync_worker(stop: CancellationToken, events: Events) {
    let mut every = interval(SYNC_EVERY);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut number = 0;
    while !stop.is_cancelled() {
        every.tick().await;
        number += 1;
        sync_once(number, &events).await;
    }
}

/// One sync: `SYNC_STEPS` batches of changes sent to the partner.
async fn sync_once(number: u32, events: &Events) {
    events(Event::SyncStarted(number));
    for _ in 0..SYNC_STEPS {
        tokio::time::sleep(SYNC_STEP).await; // send one batch, wait for the partner's answer
    }
    events(Event::SyncFinished(number));
}

fn app(events: Events) -> Router {
    Router::new()
        .route("/report", get(report))
        .route("/export", get(export))
        .with_state(events)
}

async fn report(State(events): State<Events>) -> &'static str {
    events(Event::RequestStarted("/report"));
    tokio::time::sleep(REPORT_TIME).await; // the queries behind the report
    events(Event::RequestFinished("/report"));
    "the report\n"
}

async fn export(State(events): State<Events>) -> &'static str {
    events(Event::RequestStarted("/export"));
    tokio::time::sleep(EXPORT_TIME).await; // every row the customer ever had
    events(Event::RequestFinished("/export"));
    "the export\n"
}

/// For `main`: cancels `shutdown` on Ctrl+C; on Unix also on SIGTERM (what
/// `docker stop`, systemd and Kubernetes send), on Windows also when the
/// console window is closed or Windows shuts down.
pub async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: never cancel because of that.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    // Ctrl+C above works on Windows too. Windows' SIGTERM is the console
    // window being closed, or (for a service) the system shutting down; it
    // ends the process a few seconds later whatever the drain budget says.
    #[cfg(windows)]
    let terminate = async {
        use tokio::signal::windows::{ctrl_close, ctrl_shutdown};
        let (Ok(mut closed), Ok(mut system_down)) = (ctrl_close(), ctrl_shutdown()) else {
            return std::future::pending::<()>().await;
        };
        tokio::select! {
            _ = closed.recv() => {}
            _ = system_down.recv() => {}
        }
    };
    #[cfg(not(any(unix, windows)))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    shutdown.cancel();
}

#[cfg(test)]
mod tests;
