//! `cargo lab book`: builds the book, serves it on localhost, rebuilds it
//! when a page or an included source file changes, and tells each chapter's
//! "Your turn" box whether its exercise is solved.
//!
//! The server is deliberately tiny (std only, one thread per connection,
//! GET only): it serves files from `book/`, never anything outside it, and
//! one dynamic resource, `/lab/status.json`. Every HTML page gets a
//! `<meta name="lab-served">` so that `book-extras/lab-status.js` knows it
//! may ask for the status.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};

use anyhow::{Context, Result, bail};

use crate::course::Course;
use crate::files::fingerprint;
use crate::progress::Progress;
use crate::tools;

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

/// `cargo lab book`: serves until the process is stopped.
pub fn run(course: &Course, options: &Options) -> Result<ExitCode> {
    let _server = start(course, options)?;
    println!("(Ctrl+C to stop.)");
    loop {
        thread::park();
    }
}

/// A running book server; it stops rebuilding when dropped (the listener
/// thread ends with the process).
pub struct BookServer {
    pub url: String,
    _rebuilder: notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
}

/// Builds the book, starts serving it on a thread, and rebuilds it on change.
pub fn start(course: &Course, options: &Options) -> Result<BookServer> {
    let root = course.root.clone();
    let mdbook = tools::mdbook(&root)?;
    build(&mdbook, &root)?;

    let listener = TcpListener::bind(("127.0.0.1", options.port))
        .or_else(|_| TcpListener::bind("127.0.0.1:0"))
        .context("cannot listen on localhost")?;
    let url = format!("http://{}/", listener.local_addr()?);
    println!("The book is at {url}. It rebuilds when you edit a page.");
    if options.open {
        open_browser(&url);
    }

    // Rebuild on change: pages, and the sources that pages include.
    let watched: Vec<PathBuf> = ["src", "snippets/src", "solutions"]
        .iter()
        .map(|dir| root.join(dir))
        .filter(|dir| dir.is_dir())
        .collect();
    let rebuild_root = root.clone();
    let dirs = watched.clone();
    let mut seen = fingerprint(&dirs);
    let mut rebuilder = new_debouncer(
        Duration::from_millis(300),
        move |result: DebounceEventResult| {
            // Watchers also report files being read (mdBook reads every page):
            // rebuild only when something was really written.
            let now = fingerprint(&dirs);
            if result.is_ok() && now != seen {
                seen = now;
                if let Err(error) = build(&mdbook, &rebuild_root) {
                    println!("{error}");
                }
            }
        },
    )
    .context("cannot watch files")?;
    for dir in &watched {
        let _ = rebuilder.watcher().watch(dir, RecursiveMode::Recursive);
    }

    thread::spawn(move || serve(listener, root));
    Ok(BookServer {
        url,
        _rebuilder: rebuilder,
    })
}

/// Where the served copy of the book lives. It is built next to it and
/// swapped in whole, so a reader never gets a page from a half-built book (and
/// the `book/` folder of a plain `mdbook build` is left alone).
const SERVED: &str = "target/lab/book";

fn build(mdbook: &Path, root: &Path) -> Result<()> {
    let served = root.join(SERVED);
    let next = root.join("target/lab/book-next");
    let old = root.join("target/lab/book-old");
    let output = std::process::Command::new(mdbook)
        .arg("build")
        .arg(root)
        .arg("--dest-dir")
        .arg(&next)
        .output()
        .context("cannot run mdbook")?;
    if !output.status.success() {
        bail!(
            "The book did not build:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&old);
    if served.exists() {
        fs_err::rename(&served, &old).context("cannot swap in the new book")?;
    }
    fs_err::rename(&next, &served).context("cannot swap in the new book")?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Serves until the process ends.
pub fn serve(listener: TcpListener, root: PathBuf) {
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        thread::spawn(move || {
            let _ = answer(stream, &root);
        });
    }
}

fn answer(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut request_line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?);
    reader.read_line(&mut request_line)?;
    // Read the headers to the blank line; nothing in them matters here.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let (status, content_type, body) = respond(&request_line, root);
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

/// The response to one request line: status, content type, body.
fn respond(request_line: &str, root: &Path) -> (&'static str, &'static str, Vec<u8>) {
    let mut words = request_line.split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return ("400 Bad Request", "text/plain", b"bad request".to_vec());
    };
    if method != "GET" {
        return ("405 Method Not Allowed", "text/plain", b"only GET".to_vec());
    }
    let path = target.split(['?', '#']).next().unwrap_or("/");
    if path == "/lab/status.json" {
        return ("200 OK", "application/json", status_json(root).into_bytes());
    }
    let Some(file) = file_for(&root.join(SERVED), path) else {
        return ("400 Bad Request", "text/plain", b"bad path".to_vec());
    };
    match std::fs::read(&file) {
        Ok(bytes) if file.extension().is_some_and(|ext| ext == "html") => {
            let html = String::from_utf8_lossy(&bytes).replacen(
                "<head>",
                "<head>\n<meta name=\"lab-served\" content=\"cargo lab book\">",
                1,
            );
            ("200 OK", "text/html; charset=utf-8", html.into_bytes())
        }
        Ok(bytes) => ("200 OK", content_type(&file), bytes),
        Err(_) => ("404 Not Found", "text/plain", b"not found".to_vec()),
    }
}

/// Maps a URL path to a file inside `book`; `None` for anything that could
/// leave it (`..`, absolute parts, percent-encoded tricks are not decoded).
fn file_for(book: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = url_path.trim_start_matches('/');
    if relative.contains('%') || relative.contains('\\') {
        return None;
    }
    let mut file = book.to_path_buf();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => file.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if relative.is_empty() || relative.ends_with('/') {
        file.push("index.html");
    }
    Some(file)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|ext| ext.to_str()) {
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// `{"solved":["why","drop"]}`
fn status_json(root: &Path) -> String {
    let solved: Vec<String> = Course::load(root)
        .ok()
        .zip(Progress::load(root).ok())
        .map(|(course, progress)| {
            course
                .exercises
                .iter()
                .filter(|e| progress.is_solved(&e.name))
                .map(|e| format!("{:?}", e.name))
                .collect()
        })
        .unwrap_or_default();
    format!("{{\"solved\":[{}]}}", solved.join(","))
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
    use super::*;

    #[test]
    fn paths_stay_inside_the_book() {
        let book = Path::new("/course/book");
        assert_eq!(file_for(book, "/"), Some(book.join("index.html")));
        assert_eq!(file_for(book, "/why.html"), Some(book.join("why.html")));
        assert_eq!(
            file_for(book, "/css/chrome.css"),
            Some(book.join("css/chrome.css"))
        );
        assert_eq!(file_for(book, "/../Cargo.toml"), None);
        assert_eq!(file_for(book, "/css/../../Cargo.toml"), None);
        assert_eq!(file_for(book, "/%2e%2e/Cargo.toml"), None);
        assert_eq!(file_for(book, "/..\\Cargo.toml"), None);
    }

    #[test]
    fn only_get_is_answered() {
        let (status, _, _) = respond("POST /why.html HTTP/1.1", Path::new("/nowhere"));
        assert_eq!(status, "405 Method Not Allowed");
        let (status, _, _) = respond("", Path::new("/nowhere"));
        assert_eq!(status, "400 Bad Request");
    }

    #[test]
    fn pages_are_marked_as_served_and_the_status_is_json() {
        let root = std::env::temp_dir().join(format!("lab-book-server-{}", std::process::id()));
        std::fs::create_dir_all(root.join(SERVED)).unwrap();
        std::fs::write(
            root.join(SERVED).join("why.html"),
            "<html><head><title>x</title></head></html>",
        )
        .unwrap();
        let (status, content_type, body) = respond("GET /why.html HTTP/1.1", &root);
        assert_eq!(
            (status, content_type),
            ("200 OK", "text/html; charset=utf-8")
        );
        assert!(
            String::from_utf8(body)
                .unwrap()
                .contains(r#"<meta name="lab-served""#)
        );
        let (status, _, _) = respond("GET /missing.html HTTP/1.1", &root);
        assert_eq!(status, "404 Not Found");
        let (_, content_type, body) = respond("GET /lab/status.json HTTP/1.1", &root);
        assert_eq!(content_type, "application/json");
        assert_eq!(String::from_utf8(body).unwrap(), r#"{"solved":[]}"#);
        std::fs::remove_dir_all(root).unwrap();
    }
}
