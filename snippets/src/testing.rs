//! The examples of "Testing cancellation deterministically" (src/testing.md)
//! that are not the exercise's solution: tokio-test's task and I/O helpers,
//! the paused clock and `advance`.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The work was stopped by its token.
#[derive(Debug, PartialEq, Eq)]
pub struct Stopped;

// ANCHOR: next_order
/// The next order from the queue (`None`: the queue is closed), unless the
/// token is cancelled first.
pub async fn next_order(
    orders: &mut mpsc::Receiver<String>,
    token: &CancellationToken,
) -> Result<Option<String>, Stopped> {
    tokio::select! {
        biased;
        _ = token.cancelled() => Err(Stopped),
        order = orders.recv() => Ok(order),
    }
}
// ANCHOR_END: next_order

/// Why `first_line` gave up.
#[derive(Debug, PartialEq, Eq)]
pub enum LineError {
    Stopped,
    Io(io::ErrorKind),
}

// ANCHOR: first_line
/// The first line a sensor sends, unless the token is cancelled first.
pub async fn first_line(
    sensor: impl AsyncRead + Unpin,
    token: &CancellationToken,
) -> Result<String, LineError> {
    let mut sensor = BufReader::new(sensor);
    let mut line = String::new();
    tokio::select! {
        biased;
        _ = token.cancelled() => Err(LineError::Stopped),
        read = sensor.read_line(&mut line) => match read {
            Ok(_) => Ok(line),
            Err(error) => Err(LineError::Io(error.kind())),
        },
    }
}
// ANCHOR_END: first_line

/// A delay that looks at its token only when its sleep is over: right
/// answer, wrong moment.
pub async fn late_delay(duration: Duration, token: &CancellationToken) -> Result<(), Stopped> {
    tokio::time::sleep(duration).await;
    if token.is_cancelled() {
        Err(Stopped)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::{Instant, sleep};
    use tokio_test::io::Builder;
    use tokio_test::task;
    use tokio_test::{assert_pending, assert_ready_eq};

    use super::*;

    // ANCHOR: start_paused
    #[tokio::test(start_paused = true)]
    async fn a_30_second_backoff_takes_no_time() {
        let wall_clock = std::time::Instant::now();
        let start = Instant::now(); // tokio's Instant: the runtime's clock

        sleep(Duration::from_secs(30)).await; // idle runtime: the clock jumps

        assert_eq!(start.elapsed(), Duration::from_secs(30));
        assert!(wall_clock.elapsed() < Duration::from_secs(1));
    }
    // ANCHOR_END: start_paused

    // ANCHOR: advance
    #[tokio::test(start_paused = true)]
    async fn advance_moves_the_clock_and_fires_timers() {
        let start = Instant::now();
        let mut sleeping = task::spawn(sleep(Duration::from_secs(10)));
        assert_pending!(sleeping.poll());

        tokio::time::advance(Duration::from_secs(10)).await;

        assert_eq!(start.elapsed(), Duration::from_secs(10));
        assert!(sleeping.is_woken());
        assert!(sleeping.poll().is_ready());
    }
    // ANCHOR_END: advance

    // ANCHOR: await_hides_when
    #[tokio::test(start_paused = true)]
    async fn awaiting_tells_what_but_not_when() {
        let token = CancellationToken::new();
        let cancel_at_2s = async {
            sleep(Duration::from_secs(2)).await;
            token.cancel();
        };
        let start = Instant::now();

        let (result, ()) = tokio::join!(late_delay(Duration::from_secs(10), &token), cancel_at_2s);

        assert_eq!(result, Err(Stopped)); // the right answer...
        assert_eq!(start.elapsed(), Duration::from_secs(10)); // ...8 s late
    }
    // ANCHOR_END: await_hides_when

    // ANCHOR: by_hand
    #[tokio::test]
    async fn a_cancel_wakes_the_waiting_consumer() {
        let (_queue, mut orders) = mpsc::channel::<String>(8);
        let token = CancellationToken::new();
        let mut waiting = task::spawn(next_order(&mut orders, &token));
        assert_pending!(waiting.poll()); // no order yet: it waits

        token.cancel();

        assert!(waiting.is_woken()); // cancel() itself woke the task
        assert_ready_eq!(waiting.poll(), Err(Stopped));
    }
    // ANCHOR_END: by_hand

    #[tokio::test]
    async fn an_order_wakes_the_waiting_consumer() {
        let (queue, mut orders) = mpsc::channel::<String>(8);
        let token = CancellationToken::new();
        let mut waiting = task::spawn(next_order(&mut orders, &token));
        assert_pending!(waiting.poll());
        queue.send("espresso".to_owned()).await.unwrap();
        assert!(waiting.is_woken());
        assert_ready_eq!(waiting.poll(), Ok(Some("espresso".to_owned())));
    }

    // ANCHOR: io_script
    #[tokio::test(start_paused = true)]
    async fn a_sensor_cancelled_mid_line_stops_at_once() {
        let sensor = Builder::new()
            .read(b"temp 2")
            .wait(Duration::from_secs(3600)) // the rest of the line never comes
            .build();
        let token = CancellationToken::new();
        let cancel_at_1_5s = async {
            sleep(Duration::from_millis(1500)).await;
            token.cancel();
        };
        let start = Instant::now();

        let (line, ()) = tokio::join!(first_line(sensor, &token), cancel_at_1_5s);

        assert_eq!(line, Err(LineError::Stopped));
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
    }
    // ANCHOR_END: io_script

    // ANCHOR: io_script_leftover
    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "There is still data left to read")]
    async fn a_script_with_reads_left_panics_when_dropped() {
        let sensor = Builder::new()
            .read(b"temp 2")
            .wait(Duration::from_secs(3600))
            .read(b"1.5\n") // never read: the cancel comes first
            .build();
        let token = CancellationToken::new();
        token.cancel();

        let _ = first_line(sensor, &token).await; // drops the sensor: panic
    }
    // ANCHOR_END: io_script_leftover

    #[tokio::test(start_paused = true)]
    async fn a_script_without_the_wait_just_ends() {
        // Without the trailing wait the sensor reports the end of the stream
        // right after "temp 2", and the line comes back at once, unfinished.
        let sensor = Builder::new().read(b"temp 2").build();
        let token = CancellationToken::new();
        assert_eq!(first_line(sensor, &token).await, Ok("temp 2".to_owned()));
    }
}
