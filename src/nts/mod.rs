//! Network Time Security (RFC 8915), sans-IO and without allocation.
//!
//! | module | what |
//! |---|---|
//! | [`ke`] | NTS-KE records (§4) and the key export (§5.1); the TLS 1.3 session is the caller's |
//! | [`fields`] | the NTS extension fields (§5.3–5.6): Unique Identifier, Cookie, Cookie Placeholder, Authenticator |
//! | [`aead`] | the [`NtsAead`] trait; AES-SIV-CMAC-256, AES-SIV-CMAC-512 and AES-128-GCM-SIV, each behind its feature; [`AnyAead`] |
//! | [`ke_server`] | the server side of NTS-KE: read a request, choose, answer with cookies |
//! | [`cookie`] | a server's cookies (§6): session keys sealed under rotating master keys |
//! | [`session`] | [`NtsSession`]: keys, cookie jar, request protection and reply checks (§5.7) |
//!
//! A client runs NTS-KE over TLS ([`ke::KeRequest`], [`ke::KeResponse`],
//! [`ke::export_keys`]) and makes an [`NtsSession`] from the result. The session is an
//! authentication value: give it to `ClientRequest::build_with` and
//! `PendingRequest::process_with` for single exchanges, or to a `Client`'s
//! `poll_transmit_with` and `handle_response_with` (the `exchange` and `client`
//! modules). `examples/nts_query.rs` does the whole thing against a real server.
pub mod aead;
pub mod cookie;
pub mod fields;
pub mod ke;
pub mod ke_server;
pub mod session;

#[cfg(feature = "nts-aes-gcm-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-gcm-siv")))]
pub use aead::AesGcmSiv128;
#[cfg(feature = "nts-aes-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv")))]
pub use aead::AesSivCmac256;
#[cfg(feature = "nts-aes-siv-512")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv-512")))]
pub use aead::AesSivCmac512;
pub use aead::{AeadError, AnyAead, NtsAead, SUPPORTED_AEADS, TAG_LEN};
pub use fields::NtsError;
pub use session::{DEFAULT_COOKIES, NtsSession, Plaintext};
