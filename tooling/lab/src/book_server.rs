//! `cargo lab book`: builds the book, serves it on 127.0.0.1, rebuilds it
//! when a page or an included source file changes, and tells each chapter's
//! "Your turn" box whether its exercise is solved.
//!
//! It is served by axum, the crate the course teaches, and stops work the way
//! the course teaches:
//!
//! - Serving: `tower_http::services::ServeDir` answers GET and HEAD for files
//!   of the built book only (it refuses `..`, encoded or not, and absolute
//!   parts); one dynamic resource, `/lab/status.json`. Every HTML page of the
//!   served copy carries `<meta name="lab-served">` (added when it is built),
//!   so that `book-extras/lab-status.js` knows it may ask for the status.
//! - Ctrl+C: the shutdown token is cancelled; `with_graceful_shutdown` stops
//!   accepting and lets the requests in flight finish, within a drain
//!   deadline (a browser may keep a connection open).
//! - Rebuilds: a save while mdBook is still building the previous one
//!   supersedes it: the build's future is dropped, and `kill_on_drop` stops
//!   the mdBook process with it, then the newest sources are built.
//!
//! The server runs on a tokio runtime of its own, on a thread of its own, so
//! the learner's watch loop (plain threads) is never held up by it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_http::services::ServeDir;

use crate::course::Course;
use crate::files::{files_under, fingerprint, read, write};
use crate::progress::Progress;
use crate::runs;
use crate::tools;

/// How long a stop waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(3);

pub struct Options {
    pub port: u16,
    pub open: bool,
}

impl Options {
    /// The book on the usual port, opened in the browser.
    pub fn opened() -> Options {
        Options {
            port: 3000,
            open: true,
        }
    }
}

/// `cargo lab book`: serves until Ctrl+C.
pub fn run(course: &Course, options: &Options) -> Result<ExitCode> {
    let server = start(course, options)?;
    println!("(Ctrl+C to stop.)");
    let shutdown = server.shutdown.clone();
    server.runtime.block_on(async {
        let _ = tokio::signal::ctrl_c().await;
        println!(
            "Stopping: the requests in flight finish (at most {} s) ...",
            DRAIN.as_secs()
        );
        shutdown.cancel();
    });
    server.stop();
    Ok(ExitCode::SUCCESS)
}

/// A running book server. Dropping it (or `stop`) cancels its token and
/// waits, within the drain deadline, for the server to finish.
pub struct BookServer {
    pub url: String,
    shutdown: CancellationToken,
    runtime: tokio::runtime::Runtime,
    served: Option<tokio::task::JoinHandle<()>>,
    _watcher: notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
}

impl BookServer {
    pub fn stop(mut self) {
        self.stop_in_place();
    }

    fn stop_in_place(&mut self) {
        self.shutdown.cancel();
        if let Some(served) = self.served.take() {
            let _ = self.runtime.block_on(async {
                tokio::time::timeout(DRAIN + Duration::from_secs(1), served).await
            });
        }
    }
}

impl Drop for BookServer {
    fn drop(&mut self) {
        self.stop_in_place();
    }
}

/// Builds the book, starts serving it, and rebuilds it on change.
pub fn start(course: &Course, options: &Options) -> Result<BookServer> {
    let root = course.root.clone();
    let mdbook = tools::mdbook(&root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .thread_name("lab-book")
        .build()
        .context("cannot start the book server's runtime")?;
    runtime.block_on(build(&mdbook, &root))?;

    let listener = runtime
        .block_on(async {
            match tokio::net::TcpListener::bind(("127.0.0.1", options.port)).await {
                Ok(listener) => Ok(listener),
                Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await,
            }
        })
        .context("cannot listen on 127.0.0.1")?;
    let url = format!("http://{}/", listener.local_addr()?);
    println!("The book is at {url}. It rebuilds when you edit a page.");
    if options.open {
        open_browser(&url);
    }

    let shutdown = CancellationToken::new();
    let changed = Arc::new(Notify::new());
    let watcher = watch_sources(&root, changed.clone())?;
    runtime.spawn(rebuild_on_change(
        mdbook,
        root.clone(),
        changed,
        shutdown.child_token(),
    ));
    let app = router(&root);
    let stop = shutdown.clone();
    let served = runtime.spawn(async move {
        let serving =
            axum::serve(listener, app).with_graceful_shutdown(stop.clone().cancelled_owned());
        let mut serving = std::pin::pin!(serving.into_future());
        tokio::select! {
            _ = &mut serving => {}
            // `with_graceful_shutdown` has no deadline of its own: a browser
            // keeping a connection open would hold the stop for ever.
            _ = async { stop.cancelled().await; tokio::time::sleep(DRAIN).await } => {}
        }
    });
    Ok(BookServer {
        url,
        shutdown,
        runtime,
        served: Some(served),
        _watcher: watcher,
    })
}

/// The served book: the status, and the built files.
fn router(root: &Path) -> Router {
    let status_root = root.to_owned();
    let runs_root = root.to_owned();
    Router::new()
        .route(
            "/lab/status.json",
            get(move || {
                let root = status_root.clone();
                async move { ([("cache-control", "no-store")], axum::Json(status(&root))) }
            }),
        )
        .route(
            "/lab/runs/{name}",
            get(move |UrlPath(name): UrlPath<String>| {
                let root = runs_root.clone();
                async move { latest_run(&root, &name) }
            }),
        )
        .fallback_service(ServeDir::new(root.join(SERVED)))
}

/// `/lab/runs/why.json`: the learner's latest run of `why`, as `check` left
/// it. The name must be an exercise of the course: nothing else under
/// `.lab/` (or anywhere) can be asked for.
fn latest_run(root: &Path, file: &str) -> Response {
    let known = file.strip_suffix(".json").filter(|name| {
        Course::load(root).is_ok_and(|course| course.exercises.iter().any(|e| e.name == *name))
    });
    let Some(name) = known else {
        return (StatusCode::NOT_FOUND, "no such exercise").into_response();
    };
    match fs_err::read_to_string(runs::learner_run_path(root, name)) {
        Ok(text) => (
            [
                ("content-type", "application/json"),
                ("cache-control", "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "no run yet").into_response(),
    }
}

/// Tells `rebuild_on_change` about real changes to the pages and the sources
/// they include. The OS notifies the watcher, nothing polls.
fn watch_sources(
    root: &Path,
    changed: Arc<Notify>,
) -> Result<notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>> {
    let watched: Vec<PathBuf> = ["src", "snippets/src", "solutions", "book-extras"]
        .iter()
        .map(|dir| root.join(dir))
        .filter(|dir| dir.is_dir())
        .collect();
    let dirs = watched.clone();
    let mut seen = fingerprint(&dirs);
    let mut watcher = new_debouncer(
        Duration::from_millis(300),
        move |result: DebounceEventResult| {
            // Watchers also report files being read (mdBook reads every page):
            // only a real write counts.
            let now = fingerprint(&dirs);
            if result.is_ok() && now != seen {
                seen = now;
                changed.notify_one();
            }
        },
    )
    .context("cannot watch the book's sources")?;
    for dir in &watched {
        let _ = watcher.watcher().watch(dir, RecursiveMode::Recursive);
    }
    Ok(watcher)
}

/// Rebuilds after every change. A change that comes while a build runs
/// supersedes it: the build's future is dropped, which kills mdBook
/// (`kill_on_drop`), and the loop builds the newest sources.
async fn rebuild_on_change(
    mdbook: PathBuf,
    root: PathBuf,
    changed: Arc<Notify>,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = changed.notified() => {}
        }
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                // `notify_one` keeps a permit, so a save during the build is
                // not lost: it wins this race, and the build starts over.
                _ = changed.notified() => continue,
                built = build(&mdbook, &root) => {
                    if let Err(error) = built {
                        println!("{error:#}");
                    }
                    break;
                }
            }
        }
    }
}

/// Where the served copy of the book lives. It is built next to it and
/// swapped in whole, so a reader never gets a page from a half-built book (and
/// the `book/` folder of a plain `mdbook build` is left alone).
const SERVED: &str = "target/lab/book";

async fn build(mdbook: &Path, root: &Path) -> Result<()> {
    let served = root.join(SERVED);
    let next = root.join("target/lab/book-next");
    let old = root.join("target/lab/book-old");
    let output = tokio::process::Command::new(mdbook)
        .arg("build")
        .arg(root)
        .arg("--dest-dir")
        .arg(&next)
        .kill_on_drop(true)
        .output()
        .await
        .context("cannot run mdbook")?;
    if !output.status.success() {
        bail!(
            "The book did not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    mark_as_served(&next)?;
    let _ = fs_err::remove_dir_all(&old);
    if served.exists() {
        fs_err::rename(&served, &old).context("cannot swap in the new book")?;
    }
    fs_err::rename(&next, &served).context("cannot swap in the new book")?;
    let _ = fs_err::remove_dir_all(&old);
    Ok(())
}

/// Adds `<meta name="lab-served">` to every page of a built copy.
fn mark_as_served(book: &Path) -> Result<()> {
    for page in files_under(book)? {
        if page.extension().is_some_and(|ext| ext == "html") {
            let html = read(&page)?.replacen(
                "<head>",
                "<head>\n<meta name=\"lab-served\" content=\"cargo lab book\">",
                1,
            );
            write(&page, html)?;
        }
    }
    Ok(())
}

/// `{"solved":["why","drop"],"runs":{"why":1796000000}}`: the solved
/// exercises, and when each latest run ended (the page fetches a run again
/// only when its time changes).
#[derive(serde::Serialize)]
struct Status {
    solved: Vec<String>,
    runs: std::collections::BTreeMap<String, u64>,
}

fn status(root: &Path) -> Status {
    let Ok(course) = Course::load(root) else {
        return Status {
            solved: Vec::new(),
            runs: Default::default(),
        };
    };
    let solved = Progress::load(root)
        .map(|progress| {
            course
                .exercises
                .iter()
                .filter(|e| progress.is_solved(&e.name))
                .map(|e| e.name.clone())
                .collect()
        })
        .unwrap_or_default();
    Status {
        solved,
        runs: runs::finished_at(root, &course.exercises),
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    // The URL is already on the screen; an opener that finds no browser
    // (a server, a container) must not bury the exercise's output in noise.
    let opened = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if opened.is_err() {
        println!("Open {url} in your browser.");
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("lab-book-{name}-{}", std::process::id()));
        let _ = fs_err::remove_dir_all(&root);
        write(
            &root.join(SERVED).join("why.html"),
            "<html><head><title>x</title></head></html>",
        )
        .unwrap();
        write(
            &root.join(SERVED).join("index.html"),
            "<html><head></head></html>",
        )
        .unwrap();
        write(&root.join("Cargo.toml"), "secret").unwrap();
        root
    }

    async fn get_status(root: &Path, method: &str, uri: &str) -> (StatusCode, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let response = router(root).oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn only_the_book_is_served() {
        let root = scratch("paths");
        assert_eq!(
            get_status(&root, "GET", "/why.html").await.0,
            StatusCode::OK
        );
        assert_eq!(
            get_status(&root, "GET", "/").await.0,
            StatusCode::OK,
            "index.html"
        );
        for trick in [
            "/../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/..%2fCargo.toml",
            "/css/../../Cargo.toml",
            "/..\\Cargo.toml",
        ] {
            let (status, body) = get_status(&root, "GET", trick).await;
            assert!(!body.contains("secret"), "{trick} reached outside the book");
            assert_ne!(status, StatusCode::OK, "{trick}");
        }
        assert_eq!(
            get_status(&root, "GET", "/missing.html").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get_status(&root, "POST", "/why.html").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(
            get_status(&root, "DELETE", "/lab/status.json").await.0,
            StatusCode::METHOD_NOT_ALLOWED
        );
        fs_err::remove_dir_all(root).unwrap();
    }

    #[tokio::test]
    async fn the_status_is_json() {
        let root = scratch("status");
        let (status, body) = get_status(&root, "GET", "/lab/status.json").await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, r#"{"solved":[],"runs":{}}"#)
        );
        fs_err::remove_dir_all(root).unwrap();
    }

    #[tokio::test]
    async fn only_an_exercise_s_latest_run_is_served() {
        let root = scratch("runs");
        write(
            &root.join("course.toml"),
            "[[exercise]]\nname = \"why\"\ndir = \"01_why\"\nchapter = \"why.md\"\ntopics = []\nstarter_fails = []\nhints = [\"h\"]\n",
        )
        .unwrap();
        assert_eq!(
            get_status(&root, "GET", "/lab/runs/why.json").await.0,
            StatusCode::NOT_FOUND,
            "no run yet"
        );
        write(
            &runs::learner_run_path(&root, "why"),
            r#"{"exercise":"why"}"#,
        )
        .unwrap();
        write(&root.join(".lab/progress.toml"), "secret").unwrap();
        assert_eq!(
            get_status(&root, "GET", "/lab/runs/why.json").await,
            (StatusCode::OK, r#"{"exercise":"why"}"#.to_owned())
        );
        for trick in [
            "/lab/runs/..%2Fprogress.toml",
            "/lab/runs/progress.toml",
            "/lab/runs/nothere.json",
            "/lab/runs/why",
            "/lab/runs/..%2F..%2FCargo.toml",
        ] {
            let (status, body) = get_status(&root, "GET", trick).await;
            assert!(!body.contains("secret"), "{trick} reached outside the runs");
            assert_eq!(status, StatusCode::NOT_FOUND, "{trick}");
        }
        fs_err::remove_dir_all(root).unwrap();
    }

    #[test]
    fn built_pages_are_marked_as_served() {
        let root = scratch("marked");
        mark_as_served(&root.join(SERVED)).unwrap();
        let page = read(&root.join(SERVED).join("why.html")).unwrap();
        assert!(
            page.contains(
                r#"<head>
<meta name="lab-served""#
            ),
            "{page}"
        );
        fs_err::remove_dir_all(root).unwrap();
    }
}
