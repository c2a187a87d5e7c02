//! Examples for "Timeouts" (src/timeouts.md).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::error::Elapsed;

/// An error answer from the rate service.
#[derive(Debug, PartialEq, Eq)]
pub struct ServiceError;

/// A stand-in for a remote currency service: it answers after `latency`,
/// and counts the answers it got to the end of.
pub struct RateService {
    latency: Duration,
    failing: bool,
    answered: AtomicU32,
}

impl RateService {
    pub fn new(latency: Duration) -> Self {
        RateService {
            latency,
            failing: false,
            answered: AtomicU32::new(0),
        }
    }

    /// A service that answers with an error, after the same latency.
    pub fn failing(latency: Duration) -> Self {
        RateService {
            failing: true,
            ..RateService::new(latency)
        }
    }

    /// How many calls ran to the end.
    pub fn answered(&self) -> u32 {
        self.answered.load(Ordering::SeqCst)
    }

    /// How many dollars one euro buys.
    pub async fn eur_to_usd(&self) -> Result<f64, ServiceError> {
        tokio::time::sleep(self.latency).await;
        self.answered.fetch_add(1, Ordering::SeqCst);
        if self.failing {
            Err(ServiceError)
        } else {
            Ok(1.25)
        }
    }
}

// ANCHOR: timeout
/// The price label of a product page: in dollars if the rate service
/// answers within 2 s, in euros otherwise.
pub async fn price_label(euros: f64, rates: &RateService) -> String {
    match tokio::time::timeout(Duration::from_secs(2), rates.eur_to_usd()).await {
        Ok(Ok(rate)) => format!("${:.2}", euros * rate),
        Ok(Err(ServiceError)) => format!("€{euros:.2} (no dollar rate today)"),
        Err(_elapsed) => format!("€{euros:.2} (the rate service is slow)"),
    }
}
// ANCHOR_END: timeout

// ANCHOR: own_error
/// Why a quote failed, in this code base's own terms.
#[derive(Debug, PartialEq, Eq)]
pub enum QuoteError {
    TooSlow,
    Service(ServiceError),
}

impl From<Elapsed> for QuoteError {
    fn from(_: Elapsed) -> Self {
        QuoteError::TooSlow
    }
}

impl From<ServiceError> for QuoteError {
    fn from(error: ServiceError) -> Self {
        QuoteError::Service(error)
    }
}

pub async fn quote_usd(euros: f64, rates: &RateService) -> Result<f64, QuoteError> {
    // The first `?` passes on the clock's answer, the second the service's.
    let rate = tokio::time::timeout(Duration::from_secs(2), rates.eur_to_usd()).await??;
    Ok(euros * rate)
}
// ANCHOR_END: own_error

// ANCHOR: future_ext
pub async fn quote_usd_fluently(euros: f64, rates: &RateService) -> Result<f64, QuoteError> {
    use tokio_util::future::FutureExt; // tokio-util, feature "time"

    let rate = rates.eur_to_usd().timeout(Duration::from_secs(2)).await??;
    Ok(euros * rate)
}
// ANCHOR_END: future_ext

#[cfg(test)]
mod tests {
    use super::*;
    use test_support::paused;
    use tokio::time::Instant;

    #[test]
    fn the_label_has_three_outcomes() {
        paused(|| async {
            let label = price_label(8.0, &RateService::new(Duration::from_secs(1))).await;
            assert_eq!(label, "$10.00");
            let label = price_label(8.0, &RateService::failing(Duration::from_secs(1))).await;
            assert_eq!(label, "€8.00 (no dollar rate today)");
            let label = price_label(8.0, &RateService::new(Duration::from_secs(5))).await;
            assert_eq!(label, "€8.00 (the rate service is slow)");
        });
    }

    #[test]
    fn a_timeout_answers_at_the_limit_and_drops_the_call() {
        paused(|| async {
            let rates = RateService::new(Duration::from_secs(5));
            let start = Instant::now();
            assert_eq!(quote_usd(8.0, &rates).await, Err(QuoteError::TooSlow));
            assert_eq!(start.elapsed(), Duration::from_secs(2));
            // The call was dropped at its `.await`: it never gets to the end.
            tokio::time::sleep(Duration::from_secs(60)).await;
            assert_eq!(rates.answered(), 0);
        });
    }

    #[test]
    fn the_service_error_keeps_its_own_variant() {
        paused(|| async {
            let rates = RateService::failing(Duration::from_secs(1));
            assert_eq!(
                quote_usd(8.0, &rates).await,
                Err(QuoteError::Service(ServiceError))
            );
            assert_eq!(
                quote_usd_fluently(8.0, &rates).await,
                Err(QuoteError::Service(ServiceError))
            );
        });
    }

    #[test]
    fn the_method_form_is_the_same_timeout() {
        paused(|| async {
            let quick = RateService::new(Duration::from_secs(1));
            assert_eq!(quote_usd_fluently(8.0, &quick).await, Ok(10.0));
            let slow = RateService::new(Duration::from_secs(5));
            let start = Instant::now();
            assert_eq!(
                quote_usd_fluently(8.0, &slow).await,
                Err(QuoteError::TooSlow)
            );
            assert_eq!(start.elapsed(), Duration::from_secs(2));
        });
    }
}
