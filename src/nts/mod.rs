//! Network Time Security (RFC 8915). So far: the key-establishment record codec and the
//! key export ([`ke`]); the NTS extension fields and NTS in the client come next.
pub mod ke;
