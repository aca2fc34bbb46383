//! What people read: every error's message and name, every header field's text form,
//! the reference-clock name table both ways, and the std time conversions.

use ntpkit::exchange::{Reject, RequestError};
use ntpkit::server::ServerError;
use ntpkit::*;

#[test]
fn every_reject_has_a_name_and_a_message_naming_its_rule() {
    let d = NtpDuration::from_seconds(5);
    let cases: Vec<(Reject, &str, &str)> = vec![
        (Reject::Parse(ParseError::TooShort { len: 3 }), "Parse", "malformed reply: packet length 3"),
        (Reject::NotAwaitingResponse, "NotAwaitingResponse", "already accepted"),
        (Reject::UnexpectedSource, "UnexpectedSource", "not sent to"),
        (Reject::Unauthenticated, "Unauthenticated", "signed request is not authenticated"),
        (
            Reject::AuthFailed(ntpkit::auth::AuthError::WrongKeyId { received: 7 }),
            "AuthFailed",
            "authentication failed: MAC for key ID 7",
        ),
        (Reject::AuthFailed(ntpkit::auth::AuthError::CryptoNak), "AuthFailed", "crypto-NAK"),
        (Reject::AuthFailed(ntpkit::auth::AuthError::Mismatch), "AuthFailed", "digest does not match"),
        (
            Reject::AuthFailed(ntpkit::auth::AuthError::WrongDigestLength { received: 16 }),
            "AuthFailed",
            "16-byte digest",
        ),
        (Reject::Nts(ntpkit::nts::NtsError::UniqueIdentifierMismatch), "Nts", "NTS: "),
        (Reject::NtsNak, "NtsNak", "NTS NAK (NTSN kiss-o'-death): cookie not accepted (RFC 8915 §5.7)"),
        (Reject::ZeroOrigin, "ZeroOrigin", "origin timestamp is zero (RFC 5905 §8)"),
        (Reject::OriginMismatch, "OriginMismatch", "does not match the request"),
        (Reject::WrongMode(Mode::Broadcast), "WrongMode", "mode 5 (broadcast) is not 4"),
        (
            Reject::VersionMismatch { sent: Version::V4, received: Version::V3 },
            "VersionMismatch",
            "version 3 in reply to a version 4",
        ),
        (Reject::KissUnknown(*b"XABC"), "KissUnknown", "unknown code XABC ignored"),
        (Reject::Unsynchronized, "Unsynchronized", "leap indicator 3"),
        (Reject::InvalidStratum(16), "InvalidStratum", "stratum 16 is above 15"),
        (Reject::ZeroReceive, "ZeroReceive", "receive timestamp is zero"),
        (Reject::ZeroTransmit, "ZeroTransmit", "transmit timestamp is zero"),
        (
            Reject::RootDistanceTooLarge { root_distance: d },
            "RootDistanceTooLarge",
            "root distance 5.000000000s",
        ),
        (Reject::BadHeader, "BadHeader", "reference timestamp is later"),
        (
            Reject::ServerTimesInconsistent { interval: d },
            "ServerTimesInconsistent",
            "held the request for 5.000000000s",
        ),
        (Reject::OffsetAmbiguous, "OffsetAmbiguous", "unambiguous offset"),
        (Reject::DelayTooLarge { delay: d }, "DelayTooLarge", "delay 5.000000000s above the limit"),
        (Reject::StepTooLarge { offset: d }, "StepTooLarge", "offset 5.000000000s above the step limit"),
    ];
    for (reject, name, text) in cases {
        assert_eq!(reject.name(), name);
        let shown = reject.to_string();
        assert!(shown.contains(text), "{name}: {shown:?} lacks {text:?}");
    }
}

#[test]
fn other_errors_explain_themselves() {
    let cases: Vec<(String, &str)> = vec![
        (EmitError::BufferTooSmall { required: 48 }.to_string(), "buffer too small: 48 bytes required"),
        (EmitError::TooManyExtensionFields.to_string(), "more than 16 extension fields"),
        (EmitError::PacketTooLong { len: 2000 }.to_string(), "2000 bytes exceeds the 1096-byte limit"),
        (EmitError::BadPacketLength { len: 50 }.to_string(), "packet of 50 bytes: a MAC follows at least 48"),
        (
            EmitError::BadMacLength { len: 8 }.to_string(),
            "digest of 8 bytes: must be 0 (crypto-NAK), 16 or 20",
        ),
        (ExtensionFieldError::TooShort { length: 4 }.to_string(), "length 4 is below the minimum of 16"),
        (
            ExtensionFieldError::LastTooShortWithoutMac { length: 16 }.to_string(),
            "28 bytes when no MAC follows",
        ),
        (ExtensionFieldError::TooMany.to_string(), "more than 16 extension fields"),
        (ParseError::UnsupportedVersion(7).to_string(), "version number 7"),
        (RequestError::Rng.to_string(), "nonce source returned zero"),
        (
            RequestError::Emit(EmitError::BufferTooSmall { required: 48 }).to_string(),
            "request: buffer too small",
        ),
        (ServerError::NotAClientRequest(Mode::Server).to_string(), "mode 4 (server) is not a client request"),
        (
            ServerError::Unauthenticated(ntpkit::auth::AuthError::Missing).to_string(),
            "request not authenticated: no MAC",
        ),
        (
            ServerError::Parse(ParseError::BadLength { len: 50 }).to_string(),
            "malformed request: packet length 50",
        ),
        (
            ServerError::Emit(EmitError::BufferTooSmall { required: 48 }).to_string(),
            "reply: buffer too small",
        ),
        (OutOfRange.to_string(), "year 2038/2106"),
    ];
    for (shown, text) in cases {
        assert!(shown.contains(text), "{shown:?} lacks {text:?}");
    }
}

#[test]
fn header_fields_print_as_ntpq_does() {
    let leaps: Vec<String> = (0..4).map(|b| LeapIndicator::from_bits(b).to_string()).collect();
    assert_eq!(leaps, ["none", "insert", "delete", "unsynchronized"]);
    let modes: Vec<String> = (0..8).map(|b| Mode::from_bits(b).to_string()).collect();
    assert_eq!(
        modes,
        [
            "reserved",
            "symmetric active",
            "symmetric passive",
            "client",
            "server",
            "broadcast",
            "control",
            "private"
        ]
    );
    assert_eq!(Version::V2.to_string(), "2");
    assert_eq!(Stratum(3).to_string(), "3");
    assert_eq!(ReferenceId([1, 2, 3, 4]).interpret(Stratum(200)).to_string(), "0x01020304");
    assert_eq!(ReferenceId(*b"RATE").interpret(Stratum(0)).to_string(), "RATE");
    assert_eq!(ReferenceId::from_kiss_code(KissCode::Deny).to_bits(), u32::from_be_bytes(*b"DENY"));
    assert_eq!(format!("{:?}", NtpShort::from_bits(0x0001_8000)), "NtpShort(1.500000000s)");
    assert_eq!(NtpShort::from_bits(0x0001_8000).to_string(), "1.500000000s");
    assert_eq!(format!("{:?}", NtpTimestamp::from_parts(1, 2)), "NtpTimestamp(0x00000001.00000002)");
    assert_eq!(NtpTimestamp::from_parts(0xeeac_e73b, 0x1a2b_3c4d).to_string(), "eeace73b.1a2b3c4d");
    assert_eq!(format!("{:?}", NtpDuration::from_seconds(-2)), "NtpDuration(-2.000000000s)");
}

#[test]
fn reference_clock_names_round_trip() {
    let names = [
        (SourceName::Goes, "GOES"),
        (SourceName::Gps, "GPS"),
        (SourceName::Gal, "GAL"),
        (SourceName::Pps, "PPS"),
        (SourceName::Irig, "IRIG"),
        (SourceName::Wwvb, "WWVB"),
        (SourceName::Dcf, "DCF"),
        (SourceName::Hbg, "HBG"),
        (SourceName::Msf, "MSF"),
        (SourceName::Jjy, "JJY"),
        (SourceName::Lorc, "LORC"),
        (SourceName::Tdf, "TDF"),
        (SourceName::Chu, "CHU"),
        (SourceName::Wwv, "WWV"),
        (SourceName::Wwvh, "WWVH"),
        (SourceName::Nist, "NIST"),
        (SourceName::Acts, "ACTS"),
        (SourceName::Usno, "USNO"),
        (SourceName::Ptb, "PTB"),
    ];
    for (name, text) in names {
        assert_eq!(SourceName::from_bytes(name.to_bytes()), name);
        assert_eq!(name.to_string(), text);
        assert_eq!(ReferenceId::from_source(name).interpret(Stratum(1)), ReferenceKind::Source(name));
    }
    assert_eq!(SourceName::Other([0xFF, 0, 0, 0]).to_string(), "0xff000000");
    assert_eq!(
        SourceName::Other([b'A', 0, b'B', 0]).to_string(),
        "0x41004200",
        "text after a NUL is not text"
    );
}

#[cfg(feature = "std")]
#[test]
fn system_time_conversions() {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    for t in [
        UNIX_EPOCH + Duration::new(1_795_348_800, 123_456_789),
        UNIX_EPOCH - Duration::new(86_400, 250_000_000),
        UNIX_EPOCH - Duration::from_secs(10),
        UNIX_EPOCH,
    ] {
        let unix = UnixTime::from_system_time(t).unwrap();
        assert_eq!(unix.to_system_time(), Some(t));
        let ntp = NtpTimestamp::from_system_time(t).unwrap();
        assert_eq!(ntp.to_system_time(), Some(t), "{t:?}");
    }
    let before = UnixTime::from_system_time(UNIX_EPOCH - Duration::new(0, 1)).unwrap();
    assert_eq!((before.seconds(), before.subsec_nanos()), (-1, 999_999_999));
    let now = SystemTime::now();
    let ntp = NtpTimestamp::from_system_time(now).unwrap();
    assert!(ntp.to_unix_rfc4330().to_civil().year >= 2026);
}
