//! What the class server's tests share: a scratch folder, a server on
//! 127.0.0.1 (in this process, or the real binary as a child process that
//! can be killed), and a small HTTP client. Everything binds and sends to
//! loopback only.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub const EXERCISES: [&str; 3] = ["why", "select", "checking"];

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-class-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn course_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Fails the test with `what` if `work` takes longer than `limit`.
pub async fn bounded<T>(limit: Duration, what: &str, work: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, work)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}"))
}

pub struct InProcess {
    pub url: String,
    pub join_code: String,
    pub key: String,
    pub shutdown: CancellationToken,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcess {
    /// Ctrl+C, as the server sees it: the token is cancelled, and the server
    /// must have drained and closed its database within 5 s.
    pub async fn stop_gracefully(self) {
        self.shutdown.cancel();
        bounded(Duration::from_secs(5), "the graceful shutdown", self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

pub async fn start_in_process(db: &Path) -> InProcess {
    let shutdown = CancellationToken::new();
    let options = lab_class::Options {
        db: db.to_path_buf(),
        listen: "127.0.0.1:0".parse().unwrap(),
        exercises: EXERCISES.iter().map(|s| s.to_string()).collect(),
    };
    let running = lab_class::start(options, shutdown.clone()).await.unwrap();
    InProcess {
        url: format!("http://{}", running.addr),
        join_code: running.join_code,
        key: running.key,
        shutdown,
        task: running.task,
    }
}

/// The real server binary, as an instructor runs it; killed on drop.
pub struct Binary {
    pub child: Child,
    pub port: u16,
    pub join_code: String,
    pub key: String,
}

impl Binary {
    /// Starts `lab-class serve` on 127.0.0.1:`port` (0: any free port) and
    /// reads its two lines to learn the port, the code and the key.
    pub fn start(db: &Path, port: u16) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lab-class"))
            .current_dir(course_root())
            .args(["serve", "--bind", "127.0.0.1", "--port", &port.to_string()])
            .arg(format!("--db={}", db.display()))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // The server prints both lines as soon as it listens; a server that
        // cannot start ends, and the read ends with it (no hang).
        let join = lines.next().expect("the join line").unwrap();
        let dashboard = lines.next().expect("the dashboard line").unwrap();
        let words: Vec<&str> = join.split_whitespace().collect();
        assert_eq!(&words[..4], ["join:", "cargo", "lab", "class"], "{join}");
        let url = words[5];
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        assert!(
            url.starts_with("http://127.0.0.1:"),
            "the join line shows the bound address: {join}"
        );
        let key = dashboard.split("key=").nth(1).expect("a key").to_owned();
        assert!(
            dashboard.starts_with(&format!("dashboard: http://127.0.0.1:{port}/?key=")),
            "{dashboard}"
        );
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Binary {
            child,
            port,
            join_code: words[6].to_owned(),
            key,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no graceful shutdown, no pool close.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

pub async fn post(url: &str, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let response = client()
        .post(format!("{url}{path}"))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

pub async fn join(url: &str, code: &str, name: &str) -> String {
    let (status, body) = post(
        url,
        "/api/join",
        &serde_json::json!({"code": code, "name": name}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().unwrap().to_owned()
}

pub fn event(id: &str, exercise: &str, solved: bool) -> serde_json::Value {
    serde_json::json!({
        "id": id, "exercise": exercise, "solved": solved,
        "failing": if solved { vec![] } else { vec!["the_report_stops_when_its_caller_drops_it"] },
        "hints": 1, "seconds": 30, "at": 1_700_000_000
    })
}

pub async fn class(url: &str, key: &str) -> serde_json::Value {
    let response = client()
        .get(format!("{url}/api/class?key={key}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// Where CI keeps what the tests measured.
pub fn artifacts_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| course_root().join("target"));
    let dir = target.join("ci-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
