//! # Exercise 13: a telemetry feed that loses the start of a line
//!
//! Chapter: "select! and cancel safety" (`src/select.md`). Solve it with
//! `cargo test` in this folder, or `cargo lab check select`.
//!
//! A gateway collects readings from a sensor over a TCP connection. The
//! sensor sends one reading per line (`kitchen 21.5`), and it hangs up on a
//! client that has been silent for two seconds, so the client sends a
//! keep-alive every second, whether readings are flowing or not.
//!
//! `receive_readings` does both in one `select!` loop. It works while every
//! line arrives in one piece. But TCP does not deliver lines, it delivers
//! bytes: a line can arrive in two packets, and when the keep-alive fires in
//! between, the start of the line disappears. Worse, what is left looks like
//! a reading of its own. Make every line arrive whole, and keep the
//! keep-alives going out once a second.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// How often the client must send a keep-alive.
pub const KEEPALIVE_EVERY: Duration = Duration::from_secs(1);

/// Reads the sensor's lines until it hangs up, sending a keep-alive once a
/// second meanwhile. Returns the readings, without their line ends.
pub async fn receive_readings<R: AsyncRead + Unpin>(
    connection: R,
    mut send_keepalive: impl FnMut(),
) -> io::Result<Vec<String>> {
    let mut connection = BufReader::new(connection);
    let mut keepalive = tokio::time::interval(KEEPALIVE_EVERY);
    let mut readings = Vec::new();
    loop {
        let mut line = String::new();
        tokio::select! {
            read = connection.read_line(&mut line) => {
                if read? == 0 {
                    return Ok(readings); // the sensor hung up
                }
                readings.push(line.trim_end().to_owned());
            }
            _ = keepalive.tick() => send_keepalive(),
        }
    }
}

#[cfg(test)]
mod tests;
