//! The classroom dashboard: a server an instructor runs during a workshop
//! (`cargo lab class serve`), to which each learner's `cargo lab` reports
//! its checks, and a live page showing the whole room. It lives in a crate
//! of its own so that only the instructor compiles it; the learner's side
//! (join, leave, the outbox) is `lab::class_report`.
//!
//! - [`wire`]: what a report holds, and its limits.
//! - [`store`]: SQLite; [`view`]: the room computed from it.
//! - [`api`]: the routes; [`rate_limit`]: a bucket per learner.
//! - [`export`]: the CSV; [`secrets`]: the join code and keys.

pub mod api;
pub mod export;
pub mod rate_limit;
pub mod secrets;
pub mod store;
pub mod view;
pub mod wire;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::api::AppState;
use crate::rate_limit::RateLimit;
use crate::store::Store;

/// Seconds since 1970, the server's clock.
pub fn now() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The course root: the nearest folder, from `start` up, holding course.toml.
pub fn find_course_root(start: &Path) -> Result<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("course.toml").is_file())
        .map(Path::to_path_buf)
        .with_context(|| format!("no course.toml in {} or above it", start.display()))
}

/// The exercises' names, in course order, from course.toml.
pub fn exercise_names(course_root: &Path) -> Result<Vec<String>> {
    let path = course_root.join("course.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
    let names: Vec<String> = table
        .get("exercise")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e.get("name")?.as_str()?.to_owned()))
        .collect();
    if names.is_empty() {
        bail!("{} lists no exercises", path.display());
    }
    Ok(names)
}

pub struct Options {
    pub db: PathBuf,
    pub listen: SocketAddr,
    pub exercises: Vec<String>,
}

/// A started server: where it listens, its secrets, and its task.
pub struct Running {
    pub addr: SocketAddr,
    pub join_code: String,
    pub key: String,
    /// Ends after a graceful shutdown, once the database is closed.
    pub task: JoinHandle<Result<()>>,
}

/// Opens the database, binds and serves until `shutdown` is cancelled;
/// then answers what is in flight, stops accepting and closes the pool.
pub async fn start(options: Options, shutdown: CancellationToken) -> Result<Running> {
    let store = Store::open(&options.db).await?;
    let join_code = store.secret("join_code", secrets::join_code).await?;
    let key = store.secret("dashboard_key", secrets::token).await?;
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is the port in use? try --port 0)",
                options.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let state = Arc::new(AppState {
        store: store.clone(),
        exercises: options.exercises,
        join_code: join_code.clone(),
        key: key.clone(),
        // A burst of 20 reports, then 5 a second: far above a learner's
        // check rate, far below a loop gone wrong.
        rate_limit: RateLimit::new(20, 5),
    });
    let app = api::router(state);
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        store.close().await;
        served.context("the class server failed")
    });
    Ok(Running {
        addr,
        join_code,
        key,
        task,
    })
}

/// The address to print in the join line: the machine's LAN address, found
/// without sending anything (connecting a UDP socket only picks the route
/// the OS would use), or the loopback one when the server listens only there.
pub fn room_address(listen: SocketAddr) -> String {
    if !listen.ip().is_unspecified() {
        return listen.ip().to_string();
    }
    let local = std::net::UdpSocket::bind("0.0.0.0:0").and_then(|socket| {
        // A private address: no packet leaves, the route is only looked up.
        socket.connect("10.255.255.255:9")?;
        socket.local_addr()
    });
    match local {
        Ok(addr) if !addr.ip().is_unspecified() => addr.ip().to_string(),
        _ => "THIS-MACHINE'S-ADDRESS".to_owned(),
    }
}
