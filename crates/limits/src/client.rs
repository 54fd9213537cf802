//! The address a request came from, as a limit key. The embedding server
//! decides it (the TCP peer, or what a trusted proxy says) and puts it in the
//! request's extensions; limits read it from there.

use std::net::{IpAddr, Ipv6Addr};

/// Where a request came from. IPv6 clients are keyed by their /64 network:
/// one host usually has a whole /64 to pick addresses from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddress(IpAddr);

impl ClientAddress {
    pub fn new(address: IpAddr) -> Self {
        let address = match address {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let segments = v6.segments();
                    IpAddr::V6(Ipv6Addr::new(segments[0], segments[1], segments[2], segments[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        };
        Self(address)
    }

    /// The address as a key: IPv4 as is, IPv6 as its /64 network.
    pub fn key(self) -> IpAddr {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ipv6_network_is_one_client_and_mapped_ipv4_is_ipv4() {
        let a = ClientAddress::new("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddress::new("2001:db8:1:2:bbbb::9".parse().unwrap());
        let c = ClientAddress::new("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mapped = ClientAddress::new("::ffff:192.0.2.7".parse().unwrap());
        assert_eq!(mapped.key(), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
