//! Network Time Security (RFC 8915), sans-IO and without allocation.
//!
//! | module | what |
//! |---|---|
//! | [`ke`] | NTS-KE records (§4) and the key export (§5.1); the TLS 1.3 session is the caller's |
//! | [`fields`] | the NTS extension fields (§5.3–5.6): Unique Identifier, Cookie, Cookie Placeholder, Authenticator |
//! | [`aead`] | the [`NtsAead`] trait and, with feature `nts-aes-siv`, AEAD_AES_SIV_CMAC_256 |
//! | [`session`] | [`NtsSession`]: keys, cookie jar, request protection and reply checks (§5.7) |
//!
//! A client runs NTS-KE over TLS ([`ke::KeRequest`], [`ke::KeResponse`],
//! [`ke::export_keys`]) and makes an [`NtsSession`] from the result. The session is an
//! authentication value: give it to `ClientRequest::build_with` and
//! `PendingRequest::process_with` for single exchanges, or to a `Client`'s
//! `poll_transmit_with` and `handle_response_with` (the `exchange` and `client`
//! modules). `examples/nts_query.rs` does the whole thing against a real server.
pub mod aead;
pub mod fields;
pub mod ke;
pub mod session;

#[cfg(feature = "nts-aes-siv")]
#[cfg_attr(docsrs, doc(cfg(feature = "nts-aes-siv")))]
pub use aead::AesSivCmac256;
pub use aead::{AeadError, NtsAead, TAG_LEN};
pub use fields::NtsError;
pub use session::{DEFAULT_COOKIES, NtsSession, Plaintext};
