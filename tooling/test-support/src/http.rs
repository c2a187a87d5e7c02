//! A real axum server on loopback, for the HTTP exercises (feature `http`).
//!
//! It binds `127.0.0.1:0` (a free port, never a public address) and is
//! aborted when the `TestServer` is dropped, so no test leaves a server
//! running behind it.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::task::JoinHandle;

pub struct TestServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Serves `router` on a free loopback port until the `TestServer` is dropped.
    pub async fn start(router: axum::Router) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the test server failed");
        });
        TestServer { addr, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port><path>`
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Keeps tokio's paused clock still until the returned sender is dropped (or
/// two seconds of real time have passed).
///
/// The paused clock jumps to the next timer whenever the runtime has nothing
/// to do. A request, an answer or a closed connection crosses the kernel on
/// its way between client and server, and on a busy machine that can take a
/// moment: without a hold, the clock could jump past the instant the test is
/// about before the other side has seen the traffic. tokio does not move a
/// paused clock while a `spawn_blocking` task runs, so the hold is a blocking
/// task that waits for the sender to go.
pub fn hold_the_clock() -> std::sync::mpsc::Sender<()> {
    let (release, released) = std::sync::mpsc::channel::<()>();
    tokio::task::spawn_blocking(move || {
        let _ = released.recv_timeout(Duration::from_secs(2));
    });
    release
}
