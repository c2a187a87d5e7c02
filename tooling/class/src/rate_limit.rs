//! A token bucket per learner, in memory: a learner's `cargo lab` sends a
//! report per check (every few seconds at most), so a learner sending much
//! more is a loop gone wrong or a flood, and gets 429 without touching the
//! database. A restart refills every bucket, which is harmless.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimit {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimit {
    pub fn new(capacity: u32, per_second: u32) -> RateLimit {
        RateLimit {
            capacity: f64::from(capacity),
            per_second: f64::from(per_second),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token from the learner's bucket; false if it is empty.
    pub fn allow(&self, learner: i64, now: Instant) -> bool {
        // A std Mutex: held for a few arithmetic steps, never across .await.
        let mut buckets = self.buckets.lock().expect("no panics while held");
        let (tokens, last) = buckets.entry(learner).or_insert((self.capacity, now));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_beyond_the_capacity_is_refused_until_time_refills_it() {
        let limit = RateLimit::new(3, 2);
        let t0 = Instant::now();
        assert!((0..3).all(|_| limit.allow(1, t0)));
        assert!(!limit.allow(1, t0), "the fourth request at once is refused");
        assert!(
            limit.allow(2, t0),
            "another learner has a bucket of their own"
        );
        assert!(
            limit.allow(1, t0 + Duration::from_millis(500)),
            "half a second refills one"
        );
        assert!(!limit.allow(1, t0 + Duration::from_millis(500)));
    }
}
