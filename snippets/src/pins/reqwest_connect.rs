//! What "HTTP client calls" (src/http-client.md) says about reqwest's
//! `connect_timeout`: it limits the whole connector, name resolution
//! included (and, with TLS or a proxy, the handshake and the tunnel), not
//! only the TCP connect.
//!
//! Source: reqwest 0.13 `src/connect.rs`: `ConnectorService::call` wraps the
//! whole `connect_with_maybe_proxy` / `connect_via_proxy` future (DNS through
//! the resolver, TCP, TLS, proxy CONNECT) in `with_timeout(.., timeout)`,
//! whose `Elapsed` becomes `error::TimedOut`; `src/async_impl/client.rs`
//! passes `config.connect_timeout` to `connector_builder.set_timeout` (and
//! also to hyper-util's `HttpConnector::set_connect_timeout`, which covers the
//! TCP connect alone). A resolver that never answers shows the outer limit.

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use reqwest::Client;
    use reqwest::dns::{Name, Resolve, Resolving};
    use test_support::paused;
    use tokio::time::Instant;

    /// A DNS server that never answers.
    struct SilentDns;

    impl Resolve for SilentDns {
        fn resolve(&self, _name: Name) -> Resolving {
            Box::pin(std::future::pending())
        }
    }

    #[test]
    fn connect_timeout_covers_name_resolution() {
        paused(|| async {
            let client = Client::builder()
                .no_proxy()
                .dns_resolver(SilentDns)
                .connect_timeout(Duration::from_secs(3))
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let start = Instant::now();
            let error = client
                .get("http://supplier.example/prices")
                .send()
                .await
                .unwrap_err();
            // At the connect timeout, long before the total one.
            assert_eq!(start.elapsed(), Duration::from_secs(3));
            assert!(error.is_connect(), "{error:?}");
            assert!(error.is_timeout(), "{error:?}");
        });
    }

    #[test]
    fn without_connect_timeout_a_silent_dns_waits_for_the_total_timeout() {
        paused(|| async {
            let client = Client::builder()
                .no_proxy()
                .dns_resolver(SilentDns)
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap();
            let start = Instant::now();
            let error = client
                .get("http://supplier.example/prices")
                .send()
                .await
                .unwrap_err();
            assert_eq!(start.elapsed(), Duration::from_secs(30));
            assert!(error.is_timeout(), "{error:?}");
        });
    }
}
