//! The reference ID (RFC 5905 §7.3) and what it means at each stratum: a kiss code at
//! stratum 0 (§7.4), a reference source name at stratum 1, an upstream server's address
//! above.
//!
//! Every value decodes: codes and names outside the registries keep their bytes.

use core::fmt;
use core::net::Ipv4Addr;

use super::header::{Stratum, StratumClass};

/// Kiss-o'-Death codes (RFC 5905 §7.4, Figure 13): the reference ID of a stratum-0 reply.
/// Codes outside the table stay as [`KissCode::Unknown`] with their bytes; RFC 5905
/// §7.4 says a client must ignore those.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum KissCode {
    /// `ACST`: the association belongs to a unicast server.
    Acst,
    /// `AUTH`: server authentication failed.
    Auth,
    /// `AUTO`: autokey sequence failed.
    Auto,
    /// `BCST`: the association belongs to a broadcast server.
    Bcst,
    /// `CRYP`: cryptographic authentication or identification failed.
    Cryp,
    /// `DENY`: access denied by remote server; stop sending to it.
    Deny,
    /// `DROP`: lost peer in symmetric mode.
    Drop,
    /// `RSTR`: access denied due to local policy; stop sending to it.
    Rstr,
    /// `INIT`: the association has not yet synchronized for the first time.
    Init,
    /// `MCST`: the association belongs to a dynamically discovered server.
    Mcst,
    /// `NKEY`: no key found.
    Nkey,
    /// `NTSN`: NTS negative-acknowledgment: the cookie was not accepted (RFC 8915 §5.7).
    Ntsn,
    /// `RATE`: rate exceeded; reduce the polling rate.
    Rate,
    /// `RMOT`: alteration of association from a remote host running ntpdc.
    Rmot,
    /// `STEP`: a step change in system time has occurred without a new association.
    Step,
    /// Any other four bytes, kept verbatim.
    Unknown([u8; 4]),
}

impl KissCode {
    /// Every code of the RFC 5905 Figure 13 table and RFC 8915, in table order.
    pub const KNOWN: [Self; 15] = [
        Self::Acst,
        Self::Auth,
        Self::Auto,
        Self::Bcst,
        Self::Cryp,
        Self::Deny,
        Self::Drop,
        Self::Rstr,
        Self::Init,
        Self::Mcst,
        Self::Nkey,
        Self::Ntsn,
        Self::Rate,
        Self::Rmot,
        Self::Step,
    ];

    /// The spelling of each code of [`KissCode::KNOWN`], in the same order.
    const SPELLINGS: [[u8; 4]; 15] = [
        *b"ACST", *b"AUTH", *b"AUTO", *b"BCST", *b"CRYP", *b"DENY", *b"DROP", *b"RSTR", *b"INIT", *b"MCST",
        *b"NKEY", *b"NTSN", *b"RATE", *b"RMOT", *b"STEP",
    ];

    /// Entry `i` of [`KissCode::KNOWN`], as a `match`: indexing `KNOWN` itself put a
    /// 75-byte table of enum values in flash and cost more code than this.
    const fn known(i: usize) -> Self {
        match i {
            0 => Self::Acst,
            1 => Self::Auth,
            2 => Self::Auto,
            3 => Self::Bcst,
            4 => Self::Cryp,
            5 => Self::Deny,
            6 => Self::Drop,
            7 => Self::Rstr,
            8 => Self::Init,
            9 => Self::Mcst,
            10 => Self::Nkey,
            11 => Self::Ntsn,
            12 => Self::Rate,
            13 => Self::Rmot,
            _ => Self::Step,
        }
    }

    /// The code spelled by four reference-ID bytes.
    pub const fn from_bytes(bytes: [u8; 4]) -> Self {
        // A table scan rather than a `match` on byte strings: the match compiles to a
        // decision tree of about 300 bytes of Thumb code, the scan to a fifth of that.
        let wanted = u32::from_ne_bytes(bytes);
        let mut i = 0;
        while i < Self::SPELLINGS.len() {
            #[allow(clippy::indexing_slicing)] // i < SPELLINGS.len() == KNOWN.len()
            if u32::from_ne_bytes(Self::SPELLINGS[i]) == wanted {
                return Self::known(i);
            }
            i = i.wrapping_add(1);
        }
        Self::Unknown(bytes)
    }

    /// The four bytes of this code.
    pub const fn to_bytes(self) -> [u8; 4] {
        match self {
            Self::Acst => *b"ACST",
            Self::Auth => *b"AUTH",
            Self::Auto => *b"AUTO",
            Self::Bcst => *b"BCST",
            Self::Cryp => *b"CRYP",
            Self::Deny => *b"DENY",
            Self::Drop => *b"DROP",
            Self::Rstr => *b"RSTR",
            Self::Init => *b"INIT",
            Self::Mcst => *b"MCST",
            Self::Nkey => *b"NKEY",
            Self::Ntsn => *b"NTSN",
            Self::Rate => *b"RATE",
            Self::Rmot => *b"RMOT",
            Self::Step => *b"STEP",
            Self::Unknown(bytes) => bytes,
        }
    }
}

impl fmt::Display for KissCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ascii_or_hex(f, self.to_bytes())
    }
}

/// Reference-clock source names a stratum-1 server puts in its reference ID
/// (RFC 5905 §7.3, Figure 12), plus [`SourceName::Other`] for the many names in use
/// outside that table (`LOCL`, `GNSS`, `NTS`, …).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SourceName {
    /// `GOES`: Geosynchronous Orbit Environment Satellite.
    Goes,
    /// `GPS`: Global Position System.
    Gps,
    /// `GAL`: Galileo Positioning System.
    Gal,
    /// `PPS`: generic pulse-per-second.
    Pps,
    /// `IRIG`: Inter-Range Instrumentation Group.
    Irig,
    /// `WWVB`: LF radio WWVB Ft. Collins, CO 60 kHz.
    Wwvb,
    /// `DCF`: LF radio DCF77 Mainflingen, DE 77.5 kHz.
    Dcf,
    /// `HBG`: LF radio HBG Prangins, HB 75 kHz.
    Hbg,
    /// `MSF`: LF radio MSF Anthorn, UK 60 kHz.
    Msf,
    /// `JJY`: LF radio JJY Fukushima, JP 40 kHz, Saga, JP 60 kHz.
    Jjy,
    /// `LORC`: MF radio LORAN C station, 100 kHz.
    Lorc,
    /// `TDF`: MF radio Allouis, FR 162 kHz.
    Tdf,
    /// `CHU`: HF radio CHU Ottawa, Ontario.
    Chu,
    /// `WWV`: HF radio WWV Ft. Collins, CO.
    Wwv,
    /// `WWVH`: HF radio WWVH Kauai, HI.
    Wwvh,
    /// `NIST`: NIST telephone modem.
    Nist,
    /// `ACTS`: NIST telephone modem.
    Acts,
    /// `USNO`: USNO telephone modem.
    Usno,
    /// `PTB`: European telephone modem.
    Ptb,
    /// Any other four bytes, kept verbatim (names shorter than four characters are
    /// padded with zero bytes on the wire).
    Other([u8; 4]),
}

impl SourceName {
    /// The name of four reference-ID bytes.
    pub const fn from_bytes(bytes: [u8; 4]) -> Self {
        match &bytes {
            b"GOES" => Self::Goes,
            b"GPS\0" => Self::Gps,
            b"GAL\0" => Self::Gal,
            b"PPS\0" => Self::Pps,
            b"IRIG" => Self::Irig,
            b"WWVB" => Self::Wwvb,
            b"DCF\0" => Self::Dcf,
            b"HBG\0" => Self::Hbg,
            b"MSF\0" => Self::Msf,
            b"JJY\0" => Self::Jjy,
            b"LORC" => Self::Lorc,
            b"TDF\0" => Self::Tdf,
            b"CHU\0" => Self::Chu,
            b"WWV\0" => Self::Wwv,
            b"WWVH" => Self::Wwvh,
            b"NIST" => Self::Nist,
            b"ACTS" => Self::Acts,
            b"USNO" => Self::Usno,
            b"PTB\0" => Self::Ptb,
            _ => Self::Other(bytes),
        }
    }

    /// The four wire bytes (zero-padded).
    pub const fn to_bytes(self) -> [u8; 4] {
        match self {
            Self::Goes => *b"GOES",
            Self::Gps => *b"GPS\0",
            Self::Gal => *b"GAL\0",
            Self::Pps => *b"PPS\0",
            Self::Irig => *b"IRIG",
            Self::Wwvb => *b"WWVB",
            Self::Dcf => *b"DCF\0",
            Self::Hbg => *b"HBG\0",
            Self::Msf => *b"MSF\0",
            Self::Jjy => *b"JJY\0",
            Self::Lorc => *b"LORC",
            Self::Tdf => *b"TDF\0",
            Self::Chu => *b"CHU\0",
            Self::Wwv => *b"WWV\0",
            Self::Wwvh => *b"WWVH",
            Self::Nist => *b"NIST",
            Self::Acts => *b"ACTS",
            Self::Usno => *b"USNO",
            Self::Ptb => *b"PTB\0",
            Self::Other(bytes) => bytes,
        }
    }
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ascii_or_hex(f, self.to_bytes())
    }
}

/// The 32-bit reference ID (RFC 5905 §7.3). Its meaning depends on the stratum of the
/// packet that carries it; [`interpret`](Self::interpret) applies that rule.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ReferenceId(pub [u8; 4]);

/// A [`ReferenceId`] read in the light of the packet's stratum.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ReferenceKind {
    /// Stratum 0: a kiss code (RFC 5905 §7.4).
    Kiss(KissCode),
    /// Stratum 1: the name of the reference clock.
    Source(SourceName),
    /// Stratum 2–15: the IPv4 address of the upstream server, or for IPv6 the first four
    /// octets of the MD5 hash of its address (the two cannot be told apart).
    Upstream(Ipv4Addr),
    /// Stratum 16–255: no defined meaning; the raw bytes.
    Raw([u8; 4]),
}

impl ReferenceId {
    /// The reference ID of an IPv4 upstream server.
    #[inline]
    pub const fn from_ipv4(addr: Ipv4Addr) -> Self {
        Self(addr.octets())
    }

    /// The reference ID spelling a kiss code (for stratum-0 replies).
    #[inline]
    pub const fn from_kiss_code(code: KissCode) -> Self {
        Self(code.to_bytes())
    }

    /// The reference ID naming a reference clock (for stratum-1 servers).
    #[inline]
    pub const fn from_source(name: SourceName) -> Self {
        Self(name.to_bytes())
    }

    /// The 32-bit value, most significant byte first on the wire.
    #[inline]
    pub const fn to_bits(self) -> u32 {
        u32::from_be_bytes(self.0)
    }

    /// The ID as a kiss code, whatever the stratum.
    #[inline]
    pub const fn as_kiss_code(self) -> KissCode {
        KissCode::from_bytes(self.0)
    }

    /// The ID interpreted by the rule of RFC 5905 §7.3 for `stratum`.
    pub const fn interpret(self, stratum: Stratum) -> ReferenceKind {
        match stratum.class() {
            StratumClass::KissOfDeath => ReferenceKind::Kiss(KissCode::from_bytes(self.0)),
            StratumClass::Primary => ReferenceKind::Source(SourceName::from_bytes(self.0)),
            StratumClass::Secondary => {
                ReferenceKind::Upstream(Ipv4Addr::new(self.0[0], self.0[1], self.0[2], self.0[3]))
            }
            StratumClass::Unsynchronized | StratumClass::Reserved => ReferenceKind::Raw(self.0),
        }
    }
}

/// Dotted-quad form, as `ntpq` prints the reference ID of a secondary server.
impl fmt::Display for ReferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}.{d}")
    }
}

impl fmt::Display for ReferenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kiss(code) => fmt::Display::fmt(code, f),
            Self::Source(name) => fmt::Display::fmt(name, f),
            Self::Upstream(addr) => fmt::Display::fmt(addr, f),
            Self::Raw(bytes) => write!(f, "0x{:08x}", u32::from_be_bytes(*bytes)),
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ReferenceKind {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Self::Kiss(code) => defmt::write!(f, "Kiss({})", code),
            Self::Source(name) => defmt::write!(f, "Source({})", name),
            Self::Upstream(addr) => defmt::write!(f, "Upstream({=[u8; 4]})", addr.octets()),
            Self::Raw(bytes) => defmt::write!(f, "Raw({=[u8; 4]})", bytes),
        }
    }
}

/// Prints four bytes as text when they are printable ASCII (trailing NULs dropped),
/// otherwise as hexadecimal, so a hostile reference ID cannot inject control bytes
/// into a log line.
fn write_ascii_or_hex(f: &mut fmt::Formatter<'_>, bytes: [u8; 4]) -> fmt::Result {
    let text_len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (text, padding) = bytes.split_at(text_len);
    let printable =
        !text.is_empty() && text.iter().all(|b| b.is_ascii_graphic()) && padding.iter().all(|&b| b == 0);
    if printable {
        for &b in text {
            fmt::Write::write_char(f, char::from(b))?;
        }
        Ok(())
    } else {
        write!(f, "0x{:08x}", u32::from_be_bytes(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn kiss_codes_round_trip_and_unknown_codes_are_kept() {
        for code in KissCode::KNOWN {
            assert_eq!(KissCode::from_bytes(code.to_bytes()), code);
            assert!(!matches!(code, KissCode::Unknown(_)));
        }
        assert_eq!(KissCode::from_bytes(*b"XABC"), KissCode::Unknown(*b"XABC"));
        assert_eq!(KissCode::Rate.to_string(), "RATE");
        assert_eq!(KissCode::Unknown([0xFF; 4]).to_string(), "0xffffffff");
        assert_eq!(KissCode::Unknown([0; 4]).to_string(), "0x00000000");
        assert_eq!(KissCode::Unknown(*b"A\nBC").to_string(), "0x410a4243");
    }

    #[test]
    fn reference_id_depends_on_stratum() {
        let id = ReferenceId(*b"GPS\0");
        assert_eq!(id.interpret(Stratum(1)), ReferenceKind::Source(SourceName::Gps));
        assert_eq!(id.interpret(Stratum(1)).to_string(), "GPS");
        assert_eq!(id.interpret(Stratum(2)), ReferenceKind::Upstream(Ipv4Addr::new(b'G', b'P', b'S', 0)));
        assert_eq!(ReferenceId(*b"DENY").interpret(Stratum(0)), ReferenceKind::Kiss(KissCode::Deny));
        assert_eq!(ReferenceId([1, 2, 3, 4]).interpret(Stratum(16)), ReferenceKind::Raw([1, 2, 3, 4]));
        assert_eq!(ReferenceId([133, 243, 238, 163]).to_string(), "133.243.238.163");
        assert_eq!(SourceName::from_bytes(*b"LOCL"), SourceName::Other(*b"LOCL"));
        assert_eq!(SourceName::Other(*b"LOCL").to_string(), "LOCL");
    }
}
