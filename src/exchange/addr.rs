//! When two socket addresses name the same server.

use core::net::SocketAddr;

/// Whether `a` and `b` name the same NTP server: the same IP address and the same port
/// (RFC 4330 §5 and RFC 5905 §8 bind a reply to the address and port the request went
/// to). Every place in ntpkit that compares a reply's source with a server uses this
/// rule, and [`Client::add_server`](crate::client::Client::add_server) uses it to refuse
/// duplicates.
///
/// Two `SocketAddr` values can differ while naming the same server, and equal values
/// of the IPv6 address can still name different servers:
///
/// - An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, RFC 4291 §2.5.5.2) is the IPv4
///   address it maps: a dual-stack socket reports IPv4 peers that way.
/// - The flow label is not part of an IPv6 address (RFC 6437): it is ignored.
/// - The scope ID is part of a link-local IPv6 address (`fe80::/10`, RFC 4007 §6):
///   `fe80::1%2` and `fe80::1%3` are different servers. For every other IPv6 address
///   the scope ID is ignored (RFC 4007 §6 gives global addresses no zone).
///
/// ```
/// use ntpkit::exchange::same_server;
/// let a = |s: &str| s.parse().unwrap();
/// assert!(same_server(a("192.0.2.1:123"), a("[::ffff:192.0.2.1]:123")));
/// assert!(!same_server(a("192.0.2.1:123"), a("192.0.2.1:124")));
/// assert!(!same_server(a("[fe80::1%2]:123"), a("[fe80::1%3]:123")));
/// assert!(same_server(a("[2001:db8::1%2]:123"), a("[2001:db8::1]:123")));
/// ```
#[inline]
pub fn same_server(a: SocketAddr, b: SocketAddr) -> bool {
    // Compared as integers: no copies of the address values and no `memcmp`, which
    // would cost a firmware image about 1 KB of flash for `memcpy`.
    a.port() == b.port()
        && match (&a, &b) {
            (SocketAddr::V4(a), SocketAddr::V4(b)) => a.ip().to_bits() == b.ip().to_bits(),
            (SocketAddr::V6(a), SocketAddr::V6(b)) => {
                let bits = a.ip().to_bits();
                bits == b.ip().to_bits() && (!is_unicast_link_local(bits) || a.scope_id() == b.scope_id())
            }
            (SocketAddr::V4(v4), SocketAddr::V6(v6)) | (SocketAddr::V6(v6), SocketAddr::V4(v4)) => {
                v6.ip().to_bits() == IPV4_MAPPED | u128::from(v4.ip().to_bits())
            }
        }
}

/// `::ffff:0:0/96`, the prefix of IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2). The
/// deprecated IPv4-compatible form (`::a.b.c.d`) is not the IPv4 address.
const IPV4_MAPPED: u128 = 0xffff << 32;

/// `fe80::/10` (RFC 4291 §2.5.6); `Ipv6Addr::is_unicast_link_local` is not stable yet.
const fn is_unicast_link_local(bits: u128) -> bool {
    bits >> 118 == 0xfe80 >> 6
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::net::Ipv6Addr;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_mapped_is_the_ipv4_address() {
        assert!(same_server(a("192.0.2.1:123"), a("[::ffff:192.0.2.1]:123")));
        assert!(same_server(a("[::ffff:192.0.2.1]:123"), a("192.0.2.1:123")));
        assert!(same_server(a("[::ffff:192.0.2.1]:123"), a("[::ffff:192.0.2.1]:123")));
        assert!(!same_server(a("[::ffff:192.0.2.1]:123"), a("192.0.2.2:123")));
        assert!(!same_server(a("[::ffff:192.0.2.1]:123"), a("192.0.2.1:1123")));
        // IPv4-compatible (::192.0.2.1) is deprecated and not the IPv4 address.
        assert!(!same_server(a("[::192.0.2.1]:123"), a("192.0.2.1:123")));
    }

    #[test]
    fn flow_label_is_ignored_scope_only_for_link_local() {
        use core::net::SocketAddrV6;
        let ip: Ipv6Addr = "2001:db8::1".parse().unwrap();
        let plain = SocketAddr::V6(SocketAddrV6::new(ip, 123, 0, 0));
        let labelled = SocketAddr::V6(SocketAddrV6::new(ip, 123, 0xabcde, 0));
        let scoped = SocketAddr::V6(SocketAddrV6::new(ip, 123, 0, 7));
        assert!(same_server(plain, labelled));
        assert!(same_server(plain, scoped));
        let ll: Ipv6Addr = "fe80::1".parse().unwrap();
        let at = |scope, flow| SocketAddr::V6(SocketAddrV6::new(ll, 123, flow, scope));
        assert!(same_server(at(2, 0), at(2, 99)));
        assert!(!same_server(at(2, 0), at(3, 0)));
        assert!(!same_server(at(2, 0), at(0, 0)));
        // febf:: is still link-local (fe80::/10); fec0:: is not.
        let edge = |s: &str, scope| SocketAddr::V6(SocketAddrV6::new(s.parse().unwrap(), 123, 0, scope));
        assert!(!same_server(edge("febf::1", 1), edge("febf::1", 2)));
        assert!(same_server(edge("fec0::1", 1), edge("fec0::1", 2)));
    }
}
