//! NTS-KE over TLS 1.3 with rustls (ring provider), for the `nts_query` binary and
//! `tests/interop_nts.rs`: the only place ntpkit's NTS meets a socket. The library does
//! the records and the key export through [`KeyExporter`]; this file opens the TCP
//! connection, runs TLS with ALPN `ntske/1` (RFC 8915 §4), and moves the bytes.

use std::error::Error;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ntpkit::nts::ke::{KeError, KeRequest, KeResponse, KeyExporter, NtsKeys, export_keys};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

/// ALPN protocol ID of NTS-KE (RFC 8915 §4).
const ALPN_NTSKE: &[u8] = b"ntske/1";

/// What NTS-KE gives: the server's response, the session keys, and where to send NTP.
pub struct KeyExchange {
    pub response: KeResponse,
    pub keys: NtsKeys,
    pub ntp_addr: SocketAddr,
}

/// rustls's exporter behind ntpkit's [`KeyExporter`].
struct Exporter<'a>(&'a rustls::ClientConnection);

impl KeyExporter for Exporter<'_> {
    type Error = rustls::Error;
    fn export_keying_material(
        &mut self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), rustls::Error> {
        self.0.export_keying_material(out, label, Some(context)).map(|_| ())
    }
}

fn tls_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, Box<dyn Error>> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let name = path.display();
            let certs = CertificateDer::pem_file_iter(path).map_err(|e| format!("--ca-file {name}: {e}"))?;
            for cert in certs {
                let cert = cert.map_err(|e| format!("--ca-file {name}: not a PEM certificate: {e}"))?;
                roots.add(cert).map_err(|e| format!("--ca-file {name}: {e}"))?;
            }
            if roots.is_empty() {
                return Err(format!("--ca-file {name}: no certificate in the file").into());
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    // RFC 8915 §3: TLS 1.3 or later only.
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_NTSKE.to_vec()];
    Ok(Arc::new(config))
}

/// Runs NTS-KE with `host` (a name the certificate must carry) at `ke_addr`, offering
/// the AEADs `aeads` in that order, and returns the response, the exported keys and the NTP
/// server address (the one the server named, else `host` on port 123).
pub fn key_exchange(
    host: &str,
    ke_addr: SocketAddr,
    ca_file: Option<&Path>,
    aeads: &[u16],
    timeout: Duration,
) -> Result<KeyExchange, Box<dyn Error>> {
    let name = ServerName::try_from(host.to_owned())?;
    let mut conn = rustls::ClientConnection::new(tls_config(ca_file)?, name)?;
    let mut tcp = TcpStream::connect_timeout(&ke_addr, timeout)?;
    tcp.set_read_timeout(Some(timeout))?;
    tcp.set_write_timeout(Some(timeout))?;
    let mut tls = rustls::Stream::new(&mut conn, &mut tcp);

    let mut request = [0u8; 64];
    let n = KeRequest { aead_algorithms: aeads, server: None, port: None }.encode(&mut request)?;
    tls.write_all(&request[..n])?;
    tls.flush()?;

    // Read until the response decodes (End of Message); NTS-KE responses are a few KiB.
    let mut received = Vec::new();
    let response = loop {
        match KeResponse::decode_for(&received, aeads) {
            Ok((response, _)) => break response,
            Err(KeError::Incomplete) => {}
            Err(e) => return Err(e.into()),
        }
        let mut chunk = [0u8; 4096];
        let n = tls.read(&mut chunk)?;
        if n == 0 {
            return Err("NTS-KE server closed the connection before End of Message".into());
        }
        received.extend_from_slice(&chunk[..n]);
        if received.len() > 65_536 {
            return Err("NTS-KE response larger than 64 KiB".into());
        }
    };
    if tls.conn.alpn_protocol() != Some(ALPN_NTSKE) {
        return Err("server did not agree on ALPN ntske/1".into());
    }
    let keys = export_keys(&mut Exporter(tls.conn), response.aead).ok_or("unknown AEAD key length")??;
    // RFC 8915 §4.1.7–4.1.8: the server may name another NTP host or port; without
    // them NTP goes to the address NTS-KE used, port 123.
    let ntp_port = response.port.unwrap_or(123);
    let ntp_addr = match response.server.as_deref() {
        Some(name) => (name, ntp_port).to_socket_addrs()?.next().ok_or("NTP server name did not resolve")?,
        None => SocketAddr::new(ke_addr.ip(), ntp_port),
    };
    Ok(KeyExchange { response, keys, ntp_addr })
}
