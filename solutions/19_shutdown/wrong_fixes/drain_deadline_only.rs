// WRONG FIX: give the drain a deadline, and leave the worker as it was. The service now gives up on time, but the worker still sleeps through the stop and starts a new sync afterwards.
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
    match tokio::time::timeout(DRAIN_BUDGET, tasks.wait()).await {
        Ok(()) => {
            events(Event::Stopped);
            Ok(())
        }
        Err(_elapsed) => Err(ServiceError::DrainTimedOut),
    }
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

/// For `main`: cancels `shutdown` on Ctrl+C, or on SIGTERM (what `docker
/// stop`, systemd and Kubernetes send) on Unix.
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
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    shutdown.cancel();
}

#[cfg(test)]
mod tests;
