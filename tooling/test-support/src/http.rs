//! A real axum server on loopback, for the HTTP exercises (feature `http`).
//!
//! It binds `127.0.0.1:0` (a free port, never a public address) and is
//! aborted when the `TestServer` is dropped, so no test leaves a server
//! running behind it.

use std::net::SocketAddr;

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
