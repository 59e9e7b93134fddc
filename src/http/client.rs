//! Who a request comes from, for the limits that count per client: the
//! socket's peer, or, when the peer is a proxy the operator lists in
//! `PADDOCK_TRUSTED_PROXIES`, the address that proxy says it forwarded
//! for in `X-Forwarded-For`. The header is read from the right (the entry
//! the nearest proxy added) past every trusted proxy; anything a client
//! wrote itself sits further left and is never believed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap};
use ipnet::IpNet;

use super::AppState;

/// The proxies (addresses or networks) whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// A comma-separated list of addresses and networks, such as
    /// `10.0.0.0/8, 127.0.0.1`; empty for none.
    pub fn parse(text: &str) -> Result<Self, String> {
        let entries = text.split(',').map(str::trim).filter(|e| !e.is_empty());
        entries
            .map(|entry| {
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| {
                        format!("`{entry}` is not an IP address or network (such as 10.0.0.0/8)")
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client behind `peer`, given the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = (headers.get_all("x-forwarded-for").iter())
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            // A garbled entry was written by whoever is left of the last
            // trusted proxy: that proxy is the nearest client known.
            let Some(address) = parse_hop(hop.trim()) else {
                break;
            };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port
/// (`192.0.2.1:443`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    (hop.parse().ok()).or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// The client address of a request whose extensions and headers these are.
/// Without a peer (a request that didn't come over a socket), the
/// unspecified address.
pub fn client_address(
    extensions: &Extensions,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = (extensions.get::<ConnectInfo<SocketAddr>>())
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    trusted.client(peer, headers)
}

/// The request's client address, as an extractor.
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let trusted = &state.trusted_proxies;
        Ok(Self(client_address(
            &parts.extensions,
            &parts.headers,
            trusted,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn parses_addresses_and_networks_and_refuses_anything_else() {
        let trusted = TrustedProxies::parse(" 10.0.0.0/8, 127.0.0.1,,::1 ,2001:db8::5/64").unwrap();
        assert!(trusted.trusts(ip("10.200.3.4")));
        assert!(trusted.trusts(ip("127.0.0.1")));
        assert!(trusted.trusts(ip("::ffff:127.0.0.1")), "IPv4-mapped");
        assert!(trusted.trusts(ip("::1")));
        assert!(trusted.trusts(ip("2001:db8::77")));
        assert!(!trusted.trusts(ip("127.0.0.2")));
        assert!(!trusted.trusts(ip("11.0.0.1")));
        assert_eq!(TrustedProxies::parse(""), Ok(TrustedProxies::default()));
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/8,proxy.internal"),
            Err("`proxy.internal` is not an IP address or network (such as 10.0.0.0/8)".into())
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let headers = forwarded(&["198.51.100.1"]);
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
        let other = TrustedProxies::parse("10.0.0.1").unwrap();
        assert_eq!(other.client(ip("127.0.0.1"), &headers), ip("127.0.0.1"));
    }

    #[test]
    fn from_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let proxy = ip("10.0.0.1");
        let cases: [(&[&str], &str); 8] = [
            (&[], "10.0.0.1"),
            (&["198.51.100.1"], "198.51.100.1"),
            // What the client sent itself is left of what the proxy added.
            (&["203.0.113.9, 198.51.100.1"], "198.51.100.1"),
            (&["203.0.113.9", "198.51.100.1"], "198.51.100.1"),
            // Past a chain of trusted proxies.
            (&["198.51.100.1, 10.1.1.1, 10.2.2.2"], "198.51.100.1"),
            (&["10.1.1.1"], "10.1.1.1"),
            // Ports, and a garbled entry beyond a trusted hop.
            (&["[2001:db8::1]:443"], "2001:db8::1"),
            (&["nonsense, 10.1.1.1"], "10.1.1.1"),
        ];
        for (values, client) in cases {
            assert_eq!(
                trusted.client(proxy, &forwarded(values)),
                ip(client),
                "{values:?}"
            );
        }
        assert_eq!(
            trusted.client(proxy, &forwarded(&["198.51.100.1:8080"])),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_request_without_a_peer_is_the_unspecified_address() {
        let extensions = Extensions::new();
        let trusted = TrustedProxies::default();
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            client_address(&extensions, &headers, &trusted),
            ip("0.0.0.0")
        );
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 1], 5000))));
        assert_eq!(
            client_address(&extensions, &headers, &trusted),
            ip("192.0.2.1")
        );
    }
}
