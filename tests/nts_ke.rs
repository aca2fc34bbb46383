//! NTS-KE records (RFC 8915 §4): the request's exact bytes, responses as chrony and
//! ntpd-rs send them, every rule of the response as its own error, streaming (bytes
//! arriving in pieces), catalogue row N-5 (a 2048-byte cookie), and the key export
//! context of RFC 8915 §5.1.

use ntpkit::nts::ke::*;

fn record(t: u16, body: &[u8]) -> Vec<u8> {
    let mut r = t.to_be_bytes().to_vec();
    r.extend_from_slice(&(body.len() as u16).to_be_bytes());
    r.extend_from_slice(body);
    r
}

fn eom() -> Vec<u8> {
    record(CRITICAL | END_OF_MESSAGE, &[])
}

/// A typical response: NTPv4, AES-SIV-CMAC-256, `cookies` cookies of 100 bytes.
fn response(cookies: usize) -> Vec<u8> {
    let mut r = record(CRITICAL | NEXT_PROTOCOL, &[0, 0]);
    r.extend(record(CRITICAL | AEAD_ALGORITHM, &[0, 15]));
    for i in 0..cookies {
        r.extend(record(NEW_COOKIE, &[i as u8; 100]));
    }
    r.extend(eom());
    r
}

#[test]
fn request_bytes_are_exact() {
    let mut buf = [0u8; 128];
    let req = KeRequest { aead_algorithms: &[17, 15], server: Some("ntp.example"), port: Some(4460) };
    let n = req.encode(&mut buf).unwrap();
    assert_eq!(n, req.encoded_len());
    let mut want = record(0x8001, &[0, 0]);
    want.extend(record(0x8004, &[0, 17, 0, 15]));
    want.extend(record(6, b"ntp.example"));
    want.extend(record(7, &4460u16.to_be_bytes()));
    want.extend(eom());
    assert_eq!(&buf[..n], &want[..]);
    // Too small a buffer, no algorithm, an empty server name.
    let mut small = [0xeeu8; 38];
    assert_eq!(req.encode(&mut small), Err(KeError::BufferTooSmall { required: 39 }));
    assert!(small.iter().all(|&b| b == 0xee), "nothing written on error");
    assert_eq!(
        KeRequest { aead_algorithms: &[], server: None, port: None }.encode(&mut buf),
        Err(KeError::UnsupportedAead)
    );
    assert_eq!(
        KeRequest { aead_algorithms: &[15], server: Some(""), port: None }.encode(&mut buf),
        Err(KeError::TooLong)
    );
}

#[test]
fn typical_response_decodes() {
    let mut bytes = response(8);
    bytes.extend_from_slice(b"trailing bytes after End of Message are not read");
    let (r, used) = KeResponse::decode(&bytes).unwrap();
    assert_eq!(used, bytes.len() - 48);
    assert_eq!(r.aead, AEAD_AES_SIV_CMAC_256);
    assert_eq!(r.cookies.len(), 8);
    assert_eq!(r.cookies[3].as_slice(), &[3u8; 100][..]);
    assert_eq!((r.server.clone(), r.port), (None, None));
    // Round trip through the server-side encoder.
    let mut buf = [0u8; 2048];
    let n = r.encode(&mut buf).unwrap();
    assert_eq!(KeResponse::decode(&buf[..n]).unwrap().0, r);
}

#[test]
fn server_port_warnings_and_unknown_records() {
    let mut bytes = record(CRITICAL | NEXT_PROTOCOL, &[0, 0]);
    bytes.extend(record(CRITICAL | AEAD_ALGORITHM, &[0, 15]));
    bytes.extend(record(SERVER, b"127.0.0.1"));
    bytes.extend(record(PORT, &[0x11, 0x5c]));
    bytes.extend(record(CRITICAL | WARNING, &[0, 9]));
    bytes.extend(record(0x4321, b"unknown, not critical: ignored"));
    bytes.extend(record(NEW_COOKIE, b"c"));
    bytes.extend(eom());
    let (r, _) = KeResponse::decode(&bytes).unwrap();
    assert_eq!(r.server.as_deref(), Some("127.0.0.1"));
    assert_eq!(r.port, Some(4444));
    assert_eq!(r.warnings.as_slice(), &[9]);
    // More cookies than kept: the first eight stay.
    assert_eq!(KeResponse::decode(&response(12)).unwrap().0.cookies.len(), MAX_COOKIES);
}

#[test]
fn every_broken_response_has_its_error() {
    let np = record(CRITICAL | NEXT_PROTOCOL, &[0, 0]);
    let aead = record(CRITICAL | AEAD_ALGORITHM, &[0, 15]);
    let cookie = record(NEW_COOKIE, &[7; 64]);
    let cat = |parts: &[&[u8]]| -> Vec<u8> { parts.concat() };
    let cases: Vec<(Vec<u8>, KeError)> = vec![
        (cat(&[&np, &aead, &cookie]), KeError::Incomplete),
        (cat(&[&np, &aead, &cookie, &[0x80, 0]]), KeError::Incomplete),
        (cat(&[&np, &aead, &record(NEW_COOKIE, &[1; 10])[..8]]), KeError::Incomplete),
        (cat(&[&record(CRITICAL | ERROR, &[0, 1]), &eom()]), KeError::ServerError(1)),
        (cat(&[&np, &record(CRITICAL | 0x1234, &[]), &eom()]), KeError::UnknownCriticalRecord(0x1234)),
        (cat(&[&np, &np, &aead, &cookie, &eom()]), KeError::DuplicateRecord(NEXT_PROTOCOL)),
        (cat(&[&np, &aead, &aead, &cookie, &eom()]), KeError::DuplicateRecord(AEAD_ALGORITHM)),
        (cat(&[&aead, &cookie, &eom()]), KeError::NoNtpv4),
        (cat(&[&record(CRITICAL | NEXT_PROTOCOL, &[0x80, 1]), &aead, &cookie, &eom()]), KeError::NoNtpv4),
        (cat(&[&record(CRITICAL | NEXT_PROTOCOL, &[]), &aead, &cookie, &eom()]), KeError::NoNtpv4),
        (cat(&[&np, &cookie, &eom()]), KeError::UnsupportedAead),
        (
            cat(&[&np, &record(CRITICAL | AEAD_ALGORITHM, &[0, 30]), &cookie, &eom()]),
            KeError::UnsupportedAead,
        ),
        (cat(&[&np, &aead, &eom()]), KeError::NoCookies),
        (
            cat(&[
                &np,
                &aead,
                &record(CRITICAL | AEAD_ALGORITHM, &[0, 15, 0])[..0],
                &record(PORT, &[1]),
                &eom(),
            ]),
            KeError::BadRecordLength { record_type: PORT, len: 1 },
        ),
        (cat(&[&np, &aead, &cookie, &record(SERVER, b"bad name"), &eom()]), KeError::BadServerName),
        (
            cat(&[&np, &aead, &cookie, &record(CRITICAL | END_OF_MESSAGE, &[0])]),
            KeError::BadRecordLength { record_type: END_OF_MESSAGE, len: 1 },
        ),
    ];
    for (i, (bytes, want)) in cases.into_iter().enumerate() {
        assert_eq!(KeResponse::decode(&bytes).map(|r| r.1), Err(want), "case {i}");
    }
}

/// N-5: a 2048-byte cookie is refused with `CookieTooLarge`, no panic, nothing kept.
#[test]
fn n5_oversized_cookie_is_refused() {
    let mut bytes = record(CRITICAL | NEXT_PROTOCOL, &[0, 0]);
    bytes.extend(record(CRITICAL | AEAD_ALGORITHM, &[0, 15]));
    bytes.extend(record(NEW_COOKIE, &[0xab; 2048]));
    bytes.extend(eom());
    assert_eq!(KeResponse::decode(&bytes).map(|r| r.1), Err(KeError::CookieTooLarge { len: 2048 }));
    bytes = record(NEW_COOKIE, &[0xab; MAX_COOKIE_LEN + 1]);
    assert_eq!(
        KeResponse::decode(&bytes).map(|r| r.1),
        Err(KeError::CookieTooLarge { len: MAX_COOKIE_LEN as u16 + 1 })
    );
    // The longest real cookie (168 B: AES-SIV-CMAC-512 keys) fits; one byte over the slot does not.
    bytes = [record(CRITICAL | NEXT_PROTOCOL, &[0, 0]), record(CRITICAL | AEAD_ALGORITHM, &[0, 15])].concat();
    bytes.extend(record(NEW_COOKIE, &[0xab; 168]));
    bytes.extend(eom());
    assert_eq!(KeResponse::decode(&bytes).unwrap().0.cookies[0].len(), 168);
}

/// Bytes from a TLS stream arrive in pieces: every proper prefix is `Incomplete`, the
/// whole message decodes.
#[test]
fn every_prefix_is_incomplete() {
    let bytes = response(2);
    for cut in 0..bytes.len() {
        assert_eq!(KeResponse::decode(&bytes[..cut]).map(|r| r.1), Err(KeError::Incomplete), "cut {cut}");
    }
    assert!(KeResponse::decode(&bytes).is_ok());
}

struct Recorder(Vec<(Vec<u8>, Vec<u8>, usize)>);

impl KeyExporter for Recorder {
    type Error = ();
    fn export_keying_material(&mut self, label: &[u8], context: &[u8], out: &mut [u8]) -> Result<(), ()> {
        self.0.push((label.to_vec(), context.to_vec(), out.len()));
        out.fill(context[4] + 1);
        Ok(())
    }
}

/// RFC 8915 §5.1: label "EXPORTER-network-time-security", context = protocol 0x0000,
/// the AEAD ID, then 0x00 (client to server) or 0x01 (server to client).
#[test]
fn keys_are_exported_with_the_rfc_context() {
    let mut r = Recorder(Vec::new());
    let keys = export_keys(&mut r, AEAD_AES_SIV_CMAC_256).unwrap().unwrap();
    assert_eq!(r.0[0], (b"EXPORTER-network-time-security".to_vec(), vec![0, 0, 0, 15, 0], 32));
    assert_eq!(r.0[1], (b"EXPORTER-network-time-security".to_vec(), vec![0, 0, 0, 15, 1], 32));
    assert_eq!((keys.len, &keys.c2s[..32], &keys.s2c[..32]), (32, &[1u8; 32][..], &[2u8; 32][..]));
    assert_eq!(format!("{keys:?}"), "NtsKeys { aead: 15, len: 32, .. }");
    assert!(export_keys(&mut r, 99).is_none());
}

/// N-7: an AEAD record with an empty body means the server supports none of the
/// algorithms offered (RFC 8915 §4.1.5): `NoCommonAead`, not a length error, even when
/// the server sends no cookies with it; an odd-length body is still `BadRecordLength`.
#[test]
fn n7_empty_aead_record_means_no_common_algorithm() {
    let np = record(CRITICAL | NEXT_PROTOCOL, &[0, 0]);
    let empty = record(CRITICAL | AEAD_ALGORITHM, &[]);
    let cookie = record(NEW_COOKIE, &[7; 64]);
    let with_cookie = [&np[..], &empty, &cookie, &eom()].concat();
    assert_eq!(KeResponse::decode(&with_cookie).map(|r| r.1), Err(KeError::NoCommonAead));
    let bare = [&np[..], &empty, &eom()].concat();
    assert_eq!(KeResponse::decode(&bare).map(|r| r.1), Err(KeError::NoCommonAead));
    assert_eq!(
        KeError::NoCommonAead.to_string(),
        "the server supports none of the AEAD algorithms offered (empty AEAD record)"
    );
    let odd = [&np[..], &record(CRITICAL | AEAD_ALGORITHM, &[0]), &cookie, &eom()].concat();
    assert_eq!(
        KeResponse::decode(&odd).map(|r| r.1),
        Err(KeError::BadRecordLength { record_type: AEAD_ALGORITHM, len: 1 })
    );
}
