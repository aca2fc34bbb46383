//! `parse_host` over arbitrary strings and default ports: never a panic; an address has
//! a port of 1 to 65535 and reads back as itself; a name is a non-empty part of the
//! input with no colon or bracket and a port of 1 to 65535; a refusal is always
//! `BadAddress` naming the input (parsing never reaches the resolver).
#![no_main]

use libfuzzer_sys::fuzz_target;
use ntpkit::std_impls::{Host, HostError, parse_host};

fuzz_target!(|input: (&str, u16)| {
    let (host, default_port) = input;
    match parse_host(host, default_port) {
        Ok(Host::Addr(addr)) => {
            assert_ne!(addr.port(), 0, "{host:?}");
            match parse_host(&addr.to_string(), 1) {
                Ok(Host::Addr(again)) => assert_eq!(again, addr, "{host:?}"),
                other => panic!("{host:?} -> {addr} -> {other:?}"),
            }
        }
        Ok(Host::Name { name, port }) => {
            assert_ne!(port, 0, "{host:?}");
            assert!(!name.is_empty() && !name.contains([':', '[', ']']), "{host:?} -> {name:?}");
            assert!(host.contains(name), "{host:?} -> {name:?}");
            // The port is the host's own (after its last colon) or the default.
            let written = host.rsplit_once(':').map(|(_, p)| p.parse::<u16>());
            assert!(written == Some(Ok(port)) || port == default_port, "{host:?} -> {port}");
        }
        Err(HostError::BadAddress { host: named, reason }) => {
            assert_eq!(named, host);
            assert!(!reason.is_empty());
        }
        Err(other) => panic!("{host:?}: parsing gave {other:?}"),
    }
});
