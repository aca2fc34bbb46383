//! Every public type implements `defmt::Format` under the `defmt` feature: a compile-time
//! check, so a new type without it fails the `--all-features` build. (Nothing is logged,
//! so no defmt global logger is needed.)
#![cfg(feature = "defmt")]

use ntpkit::*;

fn is_format<T: defmt::Format + ?Sized>() -> &'static str {
    core::any::type_name::<T>()
}

#[test]
fn every_public_type_implements_defmt_format() {
    let names = [
        is_format::<ntpkit::auth::AuthError>(),
        is_format::<ntpkit::nts::ke::KeError>(),
        is_format::<ntpkit::nts::ke::KeRequest<'static>>(),
        is_format::<ntpkit::nts::ke::KeResponse>(),
        is_format::<ntpkit::nts::ke::NtsKeys>(),
        is_format::<ntpkit::nts::NtsError>(),
        is_format::<ntpkit::nts::AeadError>(),
        is_format::<ntpkit::nts::Plaintext>(),
        is_format::<ntpkit::nts::fields::NtsFields<'static>>(),
        is_format::<ntpkit::nts::fields::Authenticator<'static>>(),
        is_format::<ntpkit::nts::fields::EncryptedFields<'static>>(),
        is_format::<ntpkit::nts::AnyAead>(),
        is_format::<ntpkit::nts::cookie::CookieError>(),
        is_format::<ntpkit::nts::cookie::CookieKeys<ntpkit::nts::AnyAead, 3>>(),
        is_format::<ntpkit::nts::ke_server::KeServerRequest>(),
        is_format::<ntpkit::nts::ke_server::KeServerConfig<'static>>(),
        is_format::<ntpkit::nts::ke_server::KeOutcome>(),
        is_format::<ntpkit::nts::ke_server::KeServeError<u8>>(),
        is_format::<ntpkit::server::nts::NtsServeError>(),
        is_format::<ntpkit::server::nts::NakReason>(),
        is_format::<ntpkit::server::nts::NtsAnswer>(),
        #[cfg(feature = "nts-aes-siv-512")]
        is_format::<ntpkit::nts::AesSivCmac512>(),
        #[cfg(feature = "nts-aes-gcm-siv")]
        is_format::<ntpkit::nts::AesGcmSiv128>(),
        is_format::<ntpkit::exchange::NoAuth>(),
        is_format::<ntpkit::clock::ClockError>(),
        is_format::<ntpkit::clock::SoftClock<u8>>(),
        #[cfg(feature = "mac-aes-cmac")]
        is_format::<ntpkit::exchange::MacAuth<ntpkit::auth::AesCmacKey>>(),
        #[cfg(feature = "nts-aes-siv")]
        is_format::<ntpkit::nts::AesSivCmac256>(),
        #[cfg(feature = "nts-aes-siv")]
        is_format::<ntpkit::nts::NtsSession<ntpkit::nts::AesSivCmac256>>(),
        #[cfg(feature = "mac-aes-cmac")]
        is_format::<ntpkit::auth::AesCmacKey>(),
        #[cfg(feature = "mac-md5")]
        is_format::<ntpkit::auth::Md5Key>(),
        #[cfg(feature = "mac-sha1")]
        is_format::<ntpkit::auth::Sha1Key>(),
        is_format::<NtpTimestamp>(),
        is_format::<NtpShort>(),
        is_format::<NtpDuration>(),
        is_format::<UnixTime>(),
        is_format::<CivilTime>(),
        is_format::<OutOfRange>(),
        is_format::<LeapIndicator>(),
        is_format::<Version>(),
        is_format::<Mode>(),
        is_format::<Stratum>(),
        is_format::<StratumClass>(),
        is_format::<Poll>(),
        is_format::<Precision>(),
        is_format::<ReferenceId>(),
        is_format::<ReferenceKind>(),
        is_format::<KissCode>(),
        is_format::<SourceName>(),
        is_format::<Packet>(),
        is_format::<PacketView<&[u8]>>(),
        is_format::<PacketView<[u8; 48]>>(),
        is_format::<ExtensionField<'static>>(),
        is_format::<ExtensionFields<'static>>(),
        is_format::<ExtensionWriter<'static>>(),
        is_format::<Mac<'static>>(),
        is_format::<ParseError>(),
        is_format::<ExtensionFieldError>(),
        is_format::<EmitError>(),
        is_format::<math::OffsetDelay>(),
        is_format::<math::Ambiguous>(),
        is_format::<ntpkit::exchange::ClientRequest>(),
        is_format::<ntpkit::exchange::PendingRequest>(),
        is_format::<ntpkit::exchange::ValidationConfig>(),
        is_format::<ntpkit::exchange::Reject>(),
        is_format::<ntpkit::exchange::Reply>(),
        is_format::<ntpkit::exchange::SyncResult>(),
        is_format::<ntpkit::exchange::RequestError>(),
        is_format::<server::ServerState>(),
        is_format::<server::ServerError>(),
        is_format::<sntp::QueryConfig>(),
        is_format::<sntp::QueryError<u8>>(),
        is_format::<std_impls::SystemClock>(),
        is_format::<std_impls::UdpTransport>(),
        is_format::<std_impls::StdNonces>(),
        is_format::<std_impls::ClientDriver>(),
        is_format::<server::ratelimit::RateLimiter<4>>(),
        is_format::<server::ratelimit::RateLimit>(),
        is_format::<server::ratelimit::Verdict>(),
        is_format::<server::ratelimit::RateLimitStats>(),
        is_format::<std_impls::Host<'static>>(),
        is_format::<std_impls::HostError>(),
        is_format::<std_impls::Attempts>(),
        is_format::<ntpkit::drive::AsyncDriver<u8, u8, u8>>(),
        is_format::<ntpkit::drive::DriveError<u8>>(),
        is_format::<ntpkit::Instant>(),
        is_format::<client::PeerId>(),
        is_format::<client::PeerConfig>(),
        is_format::<client::ClientConfig>(),
        is_format::<client::Decision>(),
        is_format::<client::SystemUpdate<4>>(),
        is_format::<client::Event<4>>(),
        is_format::<client::Transmit>(),
        is_format::<client::ClientError>(),
        is_format::<client::PeerState>(),
        is_format::<client::PeerStats>(),
        is_format::<client::PeerEstimate>(),
        is_format::<client::Client<4>>(),
    ];
    // One flag per feature-gated entry above.
    let gated = [
        cfg!(feature = "mac-aes-cmac"),
        cfg!(feature = "mac-md5"),
        cfg!(feature = "mac-sha1"),
        cfg!(feature = "mac-aes-cmac"),
        cfg!(feature = "nts-aes-siv"),
        cfg!(feature = "nts-aes-siv"),
        cfg!(feature = "nts-aes-siv-512"),
        cfg!(feature = "nts-aes-gcm-siv"),
    ];
    assert_eq!(names.len(), 90 + gated.iter().filter(|&&k| k).count());
    assert!(names.iter().all(|n| n.contains("ntpkit")));
}
