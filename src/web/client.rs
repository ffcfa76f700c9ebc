//! The client's address for per-client limits: the TCP peer, or, when that peer is one of
//! the operator's reverse proxies (`TESSERA_TRUSTED_PROXIES`), the address the proxy saw.
//! Without this, every request behind a proxy would share the proxy's address and one
//! person could use up everyone's allowance.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;

/// The client's IP address as text ("unknown" when the server has no peer address).
pub struct ClientAddress(pub String);

impl<S> FromRequestParts<S> for ClientAddress
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        let address = client_address(peer, &forwarded, &app.config.trusted_proxies());
        Ok(Self(
            address.map_or_else(|| "unknown".into(), |a| a.to_string()),
        ))
    }
}

/// Walks `X-Forwarded-For` from the right (the hop nearest us) past trusted proxies: the
/// first untrusted address is the client. Entries left of it were written by the client
/// itself and prove nothing, so they are never used. A malformed entry ends the walk: the
/// last trusted hop reached stands for the client.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: &str,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let mut client = peer?;
    if !trusted.contains(&client) {
        return Some(client);
    }
    for entry in forwarded_for.rsplit(',') {
        let Ok(address) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        client = address;
        if !trusted.contains(&address) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let got = client_address(Some(ip("203.0.113.9")), "198.51.100.1", &[]);
        assert_eq!(got, Some(ip("203.0.113.9")));
    }

    #[test]
    fn behind_a_trusted_proxy_the_address_it_saw_is_the_client() {
        let proxy = ip("127.0.0.1");
        let got = client_address(Some(proxy), "203.0.113.9", &[proxy]);
        assert_eq!(got, Some(ip("203.0.113.9")));
    }

    #[test]
    fn a_client_cannot_choose_its_address_by_sending_the_header_itself() {
        // The client sent "10.0.0.1"; the proxy appended the address it really saw.
        let proxy = ip("127.0.0.1");
        let got = client_address(Some(proxy), "10.0.0.1, 203.0.113.9", &[proxy]);
        assert_eq!(got, Some(ip("203.0.113.9")));
        // An untrusted peer's header is ignored altogether.
        let got = client_address(Some(ip("203.0.113.9")), "10.0.0.1", &[proxy]);
        assert_eq!(got, Some(ip("203.0.113.9")));
    }

    #[test]
    fn chains_of_trusted_proxies_are_walked_and_garbage_stops_the_walk() {
        let (edge, inner) = (ip("192.0.2.10"), ip("127.0.0.1"));
        let got = client_address(Some(inner), "203.0.113.9, 192.0.2.10", &[edge, inner]);
        assert_eq!(got, Some(ip("203.0.113.9")));
        let got = client_address(Some(inner), "not-an-address", &[inner]);
        assert_eq!(got, Some(inner));
        assert_eq!(client_address(None, "203.0.113.9", &[inner]), None);
    }
}
