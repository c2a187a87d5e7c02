//! # Solution of exercise 19: a service that will not stop on time
//!
//! Chapter: "Graceful shutdown" (`src/shutdown.md`).
//!
//! Two changes, one per part of a graceful stop:
//!
//! - The worker races only its *wait* against the token: `select!` on
//!   `stop.cancelled()` and `every.tick()`. A stop between two syncs ends the
//!   worker at once; a sync that has started is not in the `select!`, so it
//!   runs to its end, and the loop then sees the token and leaves.
//! - `run` gives the drain a deadline: `timeout(DRAIN_BUDGET, tasks.wait())`.
//!   `with_graceful_shutdown` lets open requests finish but would wait for
//!   them for ever; after the budget, `run` returns `DrainTimedOut` and `main`
//!   exits, which ends whatever is left.
//!
//! "Started" and "stopping" need no framework: they are the lines after
//! `bind` and after `shutdown.cancelled().await`.

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

// ANCHOR: run
/// Runs the service on `addr` until `shutdown` is cancelled and the work in
/// progress has ended (or `DRAIN_BUDGET` has passed).
pub async fn run(
    addr: SocketAddr,
    shutdown: CancellationToken,
    events: Events,
) -> Result<(), ServiceError> {
    let listener = TcpListener::bind(addr).await.map_err(ServiceError::Bind)?;
    let local_addr = listener.local_addr().map_err(ServiceError::Bind)?;
    // ANCHOR: started
    // The port is open: this line is .NET's ApplicationStarted.
    events(Event::Started(local_addr));
    // ANCHOR_END: started

    // ANCHOR: spawn
    let tasks = TaskTracker::new();
    tasks.spawn(sync_worker(shutdown.child_token(), events.clone()));
    let server = axum::serve(listener, app(events.clone()))
        .with_graceful_shutdown(shutdown.clone().cancelled_owned());
    tasks.spawn(server.into_future());
    tasks.close();
    // ANCHOR_END: spawn

    // ANCHOR: drain
    shutdown.cancelled().await;
    // The stop signal came: this line is .NET's ApplicationStopping.
    events(Event::Stopping);
    // The server takes no new connection and lets its open requests finish;
    // the worker finishes its sync, if one is running. Wait for both, but not
    // for ever: with_graceful_shutdown has no deadline of its own.
    match tokio::time::timeout(DRAIN_BUDGET, tasks.wait()).await {
        Ok(()) => {
            events(Event::Stopped);
            Ok(())
        }
        // main returns with this error; the runtime, and the process, end
        // with whatever was still running.
        Err(_elapsed) => Err(ServiceError::DrainTimedOut),
    }
    // ANCHOR_END: drain
}
// ANCHOR_END: run

// ANCHOR: worker
/// Syncs with the partner system every `SYNC_EVERY` until `stop` is cancelled.
async fn sync_worker(stop: CancellationToken, events: Events) {
    let mut every = interval(SYNC_EVERY);
    // A sync that overran its minute delays the next one instead of
    // triggering a burst of catch-up syncs.
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut number = 0;
    loop {
        // Only the wait is raced against the token...
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            _ = every.tick() => {}
        }
        number += 1;
        // ...the sync itself is not: once started, it completes.
        sync_once(number, &events).await;
    }
}
// ANCHOR_END: worker

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

// ANCHOR: signal
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
// ANCHOR_END: signal

// ANCHOR: main
/// What `main` does with all of the above (the tests play the signal by
/// cancelling the token themselves, so they do not call this).
pub async fn serve_until_signal() -> Result<(), ServiceError> {
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let events: Events = Arc::new(|event| println!("{event}"));
    run(SocketAddr::from(([127, 0, 0, 1], 8080)), shutdown, events).await
}
// ANCHOR_END: main

#[cfg(test)]
mod verified;

#[cfg(test)]
#[path = "../../../exercises/19_shutdown/src/tests.rs"]
mod tests;
