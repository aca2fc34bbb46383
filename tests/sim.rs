//! Deterministic simulation of the multi-server client (virtual time, no sockets):
//! servers with true offsets, delays, jitter, asymmetric paths, loss, a falseticker, a
//! silent server, kiss-o'-death RATE and DENY, a run across the 2036 rollover, and the
//! state-machine rows of the hostile catalogue. A counting global allocator proves the
//! client never allocates.

use std::net::SocketAddr;

use ntpkit::client::{
    Client, ClientConfig, Decision, Event, MAX_POLL, PeerConfig, PeerId, PeerState, SystemUpdate,
};
use ntpkit::exchange::Reject;
use ntpkit::server::{ServerState, respond, respond_kiss};
use ntpkit::time::Instant;
use ntpkit::*;

#[path = "common/alloc_guard.rs"]
mod alloc_guard;
#[path = "common/rng.rs"]
mod rng;
use alloc_guard::guarded;
use rng::Rng;

// ---------------------------------------------------------------- the simulated world

const SEC: i64 = 1_000_000_000;
const MS: i64 = 1_000_000;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Behaviour {
    Normal,
    Silent,
    Kiss(KissCode),
}

#[derive(Clone)]
struct SimServer {
    addr: SocketAddr,
    /// Server clock minus true time, ns.
    offset: i64,
    out_delay: i64,
    back_delay: i64,
    jitter: i64,
    /// Loss probability per direction, per mille.
    loss: u64,
    behaviour: Behaviour,
    leap: LeapIndicator,
    requests: u64,
}

impl SimServer {
    fn new(i: u8, offset: i64) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 10 + i], 123)),
            offset,
            out_delay: 5 * MS,
            back_delay: 5 * MS,
            jitter: 2 * MS,
            loss: 0,
            behaviour: Behaviour::Normal,
            leap: LeapIndicator::NoWarning,
            requests: 0,
        }
    }
}

struct Packet48 {
    at: i64,
    to_client: bool,
    server: usize,
    bytes: [u8; 48],
}

struct Sim<const N: usize> {
    now: i64,
    base: NtpTimestamp,
    client: Client<N>,
    /// Client clock minus true time, ns, at `now`; drift adds to it continuously.
    client_offset: i64,
    drift_ppb: i64,
    apply_corrections: bool,
    servers: Vec<SimServer>,
    flight: Vec<Packet48>,
    rng: u64,
    updates: Vec<(i64, SystemUpdate<N>)>,
    events: Vec<(i64, Event<N>)>,
    sent: Vec<(i64, PeerId)>,
    rejects: Vec<Reject>,
}

impl<const N: usize> Sim<N> {
    fn new(
        servers: Vec<SimServer>,
        config: ClientConfig,
        server_config: PeerConfig,
        client_offset: i64,
    ) -> Self {
        let mut sim = Self {
            now: 0,
            base: NtpTimestamp::from_parts(0xeeac_e73b, 0),
            client: Client::new(config),
            client_offset,
            drift_ppb: 0,
            apply_corrections: true,
            servers,
            flight: Vec::new(),
            rng: 0x9e37_79b9_7f4a_7c15,
            updates: Vec::new(),
            events: Vec::new(),
            sent: Vec::new(),
            rejects: Vec::new(),
        };
        for i in 0..sim.servers.len() {
            let addr = sim.servers[i].addr;
            let mut rng = sim.rng_fn();
            guarded(|| sim.client.add_server(Instant::from_nanos(0), addr, server_config, &mut rng)).unwrap();
            sim.rng = rng.state();
        }
        sim
    }

    fn rng_fn(&self) -> Rng {
        Rng(self.rng)
    }

    fn rand(&mut self, below: u64) -> u64 {
        let mut r = Rng(self.rng);
        let v = r.next() % below.max(1);
        self.rng = r.0;
        v
    }

    fn wall(&self, offset: i64) -> NtpTimestamp {
        self.base + NtpDuration::from_nanos(self.now + offset).unwrap()
    }

    fn client_wall(&self) -> NtpTimestamp {
        self.wall(self.client_offset)
    }

    /// True offset of the servers' (correct) time relative to the client, ns.
    fn true_offset(&self) -> i64 {
        -self.client_offset
    }

    fn run_for(&mut self, duration: i64) {
        let end = self.now + duration;
        let mut buf = [0u8; 48];
        let mut steps = 0u64;
        while self.now <= end {
            steps += 1;
            assert!(steps < 10_000_000, "simulation does not progress");
            let now = Instant::from_nanos(self.now as u64);
            guarded(|| self.client.handle_timeout(now));
            loop {
                let t1 = self.client_wall();
                let mut rng = self.rng_fn();
                let tx = guarded(|| self.client.poll_transmit(now, t1, &mut rng, &mut buf)).unwrap();
                self.rng = rng.state();
                let Some(tx) = tx else { break };
                self.sent.push((self.now, tx.server));
                let s = usize::from(tx.server.0);
                assert_eq!(tx.addr, self.servers[s].addr);
                let loss = self.servers[s].loss;
                if self.rand(1000) < loss {
                    continue;
                }
                let delay = self.servers[s].out_delay + self.rand(self.servers[s].jitter as u64 + 1) as i64;
                self.flight.push(Packet48 { at: self.now + delay, to_client: false, server: s, bytes: buf });
            }
            self.drain_events();
            // Deliver everything due now.
            while let Some(pos) = self.flight.iter().position(|p| p.at <= self.now) {
                let p = self.flight.swap_remove(pos);
                if p.to_client {
                    let t4 = self.client_wall();
                    let addr = self.servers[p.server].addr;
                    if let Err(r) = guarded(|| self.client.handle_response(now, addr, &p.bytes, t4)) {
                        self.rejects.push(r);
                    }
                    self.drain_events();
                } else {
                    self.serve(p);
                }
            }
            // Advance to the next thing that happens.
            let next_timer = self.client.poll_timeout().map_or(i64::MAX, |t| t.as_nanos() as i64);
            let next_packet = self.flight.iter().map(|p| p.at).min().unwrap_or(i64::MAX);
            let next = next_timer.min(next_packet).max(self.now + 1);
            if next > end {
                break;
            }
            let dt = next - self.now;
            self.client_offset += dt * self.drift_ppb / 1_000_000_000;
            self.now = next;
        }
        self.now = end;
    }

    fn serve(&mut self, p: Packet48) {
        let s = p.server;
        self.servers[s].requests += 1;
        let server = self.servers[s].clone();
        if server.behaviour == Behaviour::Silent || self.rand(1000) < server.loss {
            return;
        }
        let t2 = self.wall(server.offset);
        let t3 = t2 + NtpDuration::from_nanos(10_000).unwrap();
        let state = ServerState {
            leap: server.leap,
            stratum: Stratum(2),
            precision: Precision(-20),
            root_delay: NtpShort::from_bits(0x0000_0040),
            root_dispersion: NtpShort::from_bits(0x0000_0040),
            reference_id: ReferenceId([10, 0, 0, s as u8]),
            reference_timestamp: t2 - NtpDuration::from_seconds(30),
        };
        let mut out = [0u8; 48];
        match server.behaviour {
            Behaviour::Kiss(code) => respond_kiss(&p.bytes, code, &mut out).unwrap(),
            _ => respond(&p.bytes, &state, t2, t3, &mut out).unwrap(),
        };
        if let Behaviour::Kiss(KissCode::Rate) = server.behaviour {
            out[2] = 12; // the server asks for 2^12 s
        }
        let delay = 10_000 + server.back_delay + self.rand(server.jitter as u64 + 1) as i64;
        self.flight.push(Packet48 { at: self.now + delay, to_client: true, server: s, bytes: out });
    }

    fn drain_events(&mut self) {
        while let Some(e) = guarded(|| self.client.poll_event()) {
            if let Event::Update(u) = &e {
                // Steps are applied at once (the client then clears its filters). A slew
                // is a present estimate for a discipline to track, so the simulated
                // clock is not moved by it.
                if let (true, Decision::Step(d)) = (self.apply_corrections, u.decision) {
                    self.client_offset += d.to_nanos();
                }
                self.updates.push((self.now, u.clone()));
            }
            self.events.push((self.now, e));
        }
    }

    fn last_update(&self) -> &SystemUpdate<N> {
        &self.updates.last().expect("no update").1
    }

    fn intervals(&self, server: PeerId) -> Vec<i64> {
        let times: Vec<i64> = self.sent.iter().filter(|(_, s)| *s == server).map(|(t, _)| *t).collect();
        times.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

fn fast() -> PeerConfig {
    PeerConfig { min_poll: 4, max_poll: 6, ..PeerConfig::default() }
}

fn assert_no_client_allocations() {
    assert_eq!(alloc_guard::allocations(), 0, "the client allocated");
}

// ---------------------------------------------------------------- scenarios

/// Four servers, one lying by 1 s; the client starts 250 ms behind. The system offset
/// ends within 1 ms of the truth, the liar is never selected, and nothing allocates.
#[test]
fn falseticker_is_outvoted() {
    let mut servers: Vec<SimServer> = (0..4).map(|i| SimServer::new(i, 0)).collect();
    servers[3].offset = SEC;
    let mut sim: Sim<4> = Sim::new(servers, ClientConfig::default(), fast(), -250 * MS);
    sim.run_for(2 * 3600 * SEC);
    assert!(sim.updates.len() > 50, "{} updates", sim.updates.len());
    let first = &sim.updates[0].1;
    assert!(
        matches!(first.decision, Decision::Step(d) if (d.to_nanos() - 250 * MS).abs() < MS),
        "{:?}",
        first.decision
    );
    for (_, u) in &sim.updates {
        assert!(!u.selected.contains(&PeerId(3)), "falseticker selected: {u:?}");
    }
    let last = sim.last_update();
    let err = last.offset.to_nanos() - sim.true_offset();
    assert!(err.abs() < MS, "system offset {} vs truth {}", last.offset, sim.true_offset());
    assert!(sim.client_offset.abs() < MS, "client clock {} ns off after corrections", sim.client_offset);
    assert!(matches!(last.decision, Decision::Slew(_)));
    assert_eq!(last.stratum, Stratum(3));
    let stats = sim.client.peer_stats(PeerId(3), Instant::from_nanos(sim.now as u64)).unwrap();
    assert!(!stats.selected && stats.reach != 0);
    assert_no_client_allocations();
    println!("size_of::<Client<4>>() = {} bytes", core::mem::size_of::<Client<4>>());
}

/// 50% loss in each direction on every server: still converges.
#[test]
fn converges_with_half_the_packets_lost() {
    let servers: Vec<SimServer> = (0..4).map(|i| SimServer { loss: 500, ..SimServer::new(i, 0) }).collect();
    let mut sim: Sim<4> = Sim::new(servers, ClientConfig::default(), fast(), 40 * MS);
    sim.run_for(4 * 3600 * SEC);
    assert!(sim.updates.len() > 20, "{}", sim.updates.len());
    let last = sim.last_update();
    // 40 ms is below the step threshold: the estimate is to be slewed, and it is right.
    assert!(
        (last.offset.to_nanos() - sim.true_offset()).abs() < MS,
        "{} vs {}",
        last.offset,
        sim.true_offset()
    );
    assert_eq!(sim.true_offset(), -40 * MS);
    assert!(matches!(last.decision, Decision::Slew(_)));
    assert!(sim.events.iter().any(|(_, e)| matches!(e, Event::Timeout { .. })));
    assert_no_client_allocations();
}

/// An asymmetric path biases that server by half the asymmetry (RFC 5905 §8); with
/// three symmetric servers the combined error stays small; a drifting client clock is
/// followed by slews.
#[test]
fn asymmetry_and_drift() {
    let mut servers: Vec<SimServer> = (0..4).map(|i| SimServer::new(i, 0)).collect();
    servers[0].back_delay = 25 * MS; // 20 ms asymmetry: this server reads 10 ms early
    let mut sim: Sim<4> = Sim::new(servers, ClientConfig::default(), fast(), 0);
    sim.drift_ppb = 20_000; // 20 ppm
    sim.run_for(6 * 3600 * SEC);
    let last = sim.last_update();
    assert!((last.offset.to_nanos() - sim.true_offset()).abs() < 5 * MS, "{}", last.offset);
    // 20 ppm for 6 h is 432 ms: the client steps whenever the estimate passes 128 ms,
    // so the clock never drifts far.
    assert!(sim.client_offset.abs() < 140 * MS, "client {} ns off", sim.client_offset);
    assert!(sim.updates.iter().any(|(_, u)| matches!(u.decision, Decision::Step(_))));
    assert!(sim.updates.iter().any(|(_, u)| matches!(u.decision, Decision::Slew(_))));
}

/// Poll intervals stay within [16 s, 2^max_poll s] for 24 simulated hours (after the
/// initial burst), for answering servers and a silent one that backs off to the cap.
#[test]
fn poll_intervals_obey_the_bounds_for_a_day() {
    let mut servers: Vec<SimServer> = (0..3).map(|i| SimServer::new(i, 0)).collect();
    servers[2].behaviour = Behaviour::Silent;
    let config = PeerConfig { min_poll: 4, max_poll: 10, ..PeerConfig::default() };
    let mut sim: Sim<3> = Sim::new(servers, ClientConfig::default(), config, 0);
    sim.run_for(24 * 3600 * SEC);
    for s in 0..3u8 {
        let iv = sim.intervals(PeerId(s));
        assert!(iv.len() > 20);
        let burst = ntpkit::client::BURST_LEN as usize;
        assert!(iv[..burst - 1].iter().all(|&d| d == 2 * SEC), "burst {s}: {:?}", &iv[..burst]);
        for &d in &iv[burst..] {
            assert!((16 * SEC..=1024 * SEC).contains(&d), "server {s}: interval {d}");
        }
    }
    let silent = sim.intervals(PeerId(2));
    assert_eq!(*silent.last().unwrap(), 1024 * SEC, "silent server backs off to the cap");
    let stats = sim.client.peer_stats(PeerId(2), Instant::from_nanos(sim.now as u64)).unwrap();
    assert_eq!(stats.reach, 0);
    assert!(sim.last_update().selected.len() == 2);
}

/// A server answering RATE makes the client back off: its intervals never shrink and
/// reach the requested 2^12 s (bounded by max_poll).
#[test]
fn rate_kiss_backs_off() {
    let mut servers: Vec<SimServer> = (0..3).map(|i| SimServer::new(i, 0)).collect();
    servers[0].behaviour = Behaviour::Kiss(KissCode::Rate);
    let config = PeerConfig { min_poll: 4, max_poll: 12, ..PeerConfig::default() };
    let mut sim: Sim<3> = Sim::new(servers, ClientConfig::default(), config, 0);
    sim.run_for(12 * 3600 * SEC);
    // Whole seconds: the client reschedules from when each kiss arrives, which carries
    // milliseconds of simulated network jitter.
    let iv: Vec<i64> = sim.intervals(PeerId(0)).iter().map(|d| d / SEC).collect();
    assert!(iv.windows(2).all(|w| w[1] >= w[0]), "{iv:?}");
    assert_eq!(*iv.last().unwrap(), 4096);
    assert!(sim.servers[0].requests < 20, "{} requests to a rate-limiting server", sim.servers[0].requests);
    assert!(sim.events.iter().any(|(_, e)| matches!(e, Event::KissOfDeath { code: KissCode::Rate, .. })));
}

/// DENY stops all traffic to that server for the hold time (1 h), then one retry.
#[test]
fn deny_kiss_stops_traffic() {
    let mut servers: Vec<SimServer> = (0..3).map(|i| SimServer::new(i, 0)).collect();
    servers[1].behaviour = Behaviour::Kiss(KissCode::Deny);
    let mut sim: Sim<3> = Sim::new(servers, ClientConfig::default(), fast(), 0);
    sim.run_for(24 * 3600 * SEC);
    let iv = sim.intervals(PeerId(1));
    assert!(iv.iter().all(|&d| d >= 3600 * SEC), "{iv:?}");
    assert!((24..=26).contains(&sim.servers[1].requests), "{}", sim.servers[1].requests);
    let stats = sim.client.peer_stats(PeerId(1), Instant::from_nanos(sim.now as u64)).unwrap();
    assert!(matches!(stats.state, PeerState::Denied { .. }) || stats.reach == 0);
    assert!(sim.last_update().selected.iter().all(|s| *s != PeerId(1)));
}

/// Across the 2036 era rollover the offsets stay right (start 10 minutes before).
#[test]
fn runs_across_the_2036_rollover() {
    let servers: Vec<SimServer> = (0..4).map(|i| SimServer::new(i, 0)).collect();
    let mut sim: Sim<4> = Sim::new(servers, ClientConfig::default(), fast(), 30 * MS);
    sim.base = NtpTimestamp::from_parts(0xFFFF_FDA8, 0);
    sim.run_for(3600 * SEC);
    assert!(sim.client_wall().seconds() < 0x1000, "crossed into era 1");
    assert!(sim.updates.len() > 20);
    assert!(sim.updates.iter().all(|(_, u)| u.offset.saturating_abs() < NtpDuration::ONE_SECOND));
    assert!((sim.last_update().offset.to_nanos() - sim.true_offset()).abs() < MS);
}

/// The client's memory footprint, reported (and bounded so a regression shows).
#[test]
fn client_size() {
    let size = core::mem::size_of::<Client<4>>();
    println!("size_of::<Client<4>>() = {size} bytes; Client<1> = {}", core::mem::size_of::<Client<1>>());
    assert!(size < 8192, "{size}");
}

// ---------------------------------------------------------------- catalogue rows

fn addr(i: u8) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 10 + i], 123))
}

/// A client with one server and its first request sent; returns the request bytes.
fn one_server(config: PeerConfig) -> (Client<2>, [u8; 48], Rng) {
    let mut client: Client<2> = Client::new(ClientConfig::default());
    let mut rng = Rng(42);
    client.add_server(Instant::from_nanos(0), addr(0), config, &mut rng).unwrap();
    let due = client.poll_timeout().unwrap();
    client.handle_timeout(due);
    let mut buf = [0u8; 48];
    let tx = client
        .poll_transmit(due, NtpTimestamp::from_parts(0xeeac_e73b, 0), &mut rng, &mut buf)
        .unwrap()
        .unwrap();
    assert_eq!(tx.len, 48);
    (client, buf, rng)
}

fn reply_to(request: &[u8; 48], at: NtpTimestamp) -> [u8; 48] {
    let state = ServerState {
        leap: LeapIndicator::NoWarning,
        stratum: Stratum(2),
        reference_timestamp: at - NtpDuration::from_seconds(10),
        ..ServerState::default()
    };
    let mut out = [0u8; 48];
    respond(request, &state, at, at, &mut out).unwrap();
    out
}

/// The whole client state, twice over: its Debug form and its fingerprint.
fn snapshot<const N: usize>(c: &Client<N>) -> (String, u64) {
    (format!("{c:?}"), c.state_fingerprint())
}

/// B-3: replies when nothing is outstanding (before the first poll, after acceptance):
/// `NotAwaitingResponse`, state unchanged; replies from an unknown address:
/// `UnexpectedSource`.
#[test]
fn b3_nothing_outstanding() {
    let (mut client, req, _) = one_server(fast());
    let reply = reply_to(&req, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 20));
    let now = client.poll_timeout().unwrap();
    let t4 = NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21);
    let before = snapshot(&client);
    assert_eq!(client.handle_response(now, addr(1), &reply, t4), Err(Reject::UnexpectedSource));
    assert_eq!(snapshot(&client), before);
    client.handle_response(now, addr(0), &reply, t4).unwrap();
    let before = snapshot(&client);
    assert_eq!(client.handle_response(now, addr(0), &reply, t4), Err(Reject::NotAwaitingResponse));
    assert_eq!(snapshot(&client), before);
}

/// B-5: a mismatched reply just before the deadline moves no timer; the genuine one is
/// then accepted. Q-6: no reply ever makes `poll_transmit` produce a request early.
#[test]
fn b5_q6_rejected_reply_moves_no_timer_and_replies_never_transmit() {
    let (mut client, req, mut rng) = one_server(fast());
    let deadline = client.poll_timeout().unwrap();
    let almost = Instant::from_nanos(deadline.as_nanos() - 1);
    let mut bad = reply_to(&req, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 20));
    bad[31] ^= 1; // origin mismatch
    let before = snapshot(&client);
    let r = client.handle_response(almost, addr(0), &bad, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21));
    assert_eq!(r, Err(Reject::OriginMismatch));
    assert_eq!(snapshot(&client), before);
    assert_eq!(client.poll_timeout(), Some(deadline));
    let good = reply_to(&req, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 20));
    client.handle_response(almost, addr(0), &good, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21)).unwrap();
    let mut buf = [0u8; 48];
    assert_eq!(
        client.poll_transmit(almost, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 22), &mut rng, &mut buf),
        Ok(None)
    );
}

/// B-12: the reply arrives after the response timeout: `NotAwaitingResponse`.
#[test]
fn b12_reply_after_timeout() {
    let (mut client, req, _) = one_server(fast());
    let deadline = client.poll_timeout().unwrap();
    client.handle_timeout(deadline);
    assert!(matches!(client.poll_event(), Some(Event::Timeout { server: PeerId(0) })));
    let late = reply_to(&req, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 20));
    let before = snapshot(&client);
    assert_eq!(
        client.handle_response(deadline, addr(0), &late, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21)),
        Err(Reject::NotAwaitingResponse)
    );
    assert_eq!(snapshot(&client), before);
}

fn kiss_reply(request: &[u8; 48], code: KissCode, ppoll: i8) -> [u8; 48] {
    let mut out = [0u8; 48];
    respond_kiss(request, code, &mut out).unwrap();
    out[2] = ppoll as u8;
    out
}

fn poll_of(client: &Client<2>) -> i8 {
    client.peer_stats(PeerId(0), Instant::from_nanos(0)).unwrap().poll
}

/// K-1: RATE with a wrong origin changes nothing (CVE-2015-7704).
#[test]
fn k1_forged_rate_changes_nothing() {
    let (mut client, req, _) = one_server(fast());
    let mut kiss = kiss_reply(&req, KissCode::Rate, 17);
    kiss[30] ^= 0x40;
    let before = snapshot(&client);
    let now = client.poll_timeout().unwrap();
    assert_eq!(
        client.handle_response(now, addr(0), &kiss, NtpTimestamp::from_parts(1, 0)),
        Err(Reject::OriginMismatch)
    );
    assert_eq!(snapshot(&client), before);
}

/// K-2: RATE with ppoll 17, 127 and −128: new poll = clamp(max(cur + 1, ppoll), min, max).
#[test]
fn k2_rate_sets_a_clamped_poll() {
    for (ppoll, expect) in [(17i8, 10i8), (127, 10), (-128, 5), (7, 7)] {
        let config = PeerConfig { min_poll: 4, max_poll: 10, iburst: false, ..PeerConfig::default() };
        let (mut client, req, _) = one_server(config);
        assert_eq!(poll_of(&client), 4);
        let now = client.poll_timeout().unwrap();
        client
            .handle_response(
                now,
                addr(0),
                &kiss_reply(&req, KissCode::Rate, ppoll),
                NtpTimestamp::from_parts(1, 0),
            )
            .unwrap();
        assert_eq!(poll_of(&client), expect, "ppoll {ppoll}");
        assert!(matches!(client.poll_event(), Some(Event::KissOfDeath { code: KissCode::Rate, .. })));
    }
}

/// K-3: 100 RATEs in a row: the poll never decreases, saturates at max, and a good
/// reply returns it to normal (CVE-2015-7705).
#[test]
fn k3_repeated_rate_saturates_then_recovers() {
    let config = PeerConfig { min_poll: 4, max_poll: 12, iburst: false, ..PeerConfig::default() };
    let (mut client, mut req, mut rng) = one_server(config);
    let mut polls = vec![poll_of(&client)];
    let mut now = Instant::from_nanos(0);
    for _ in 0..100 {
        let t = client.poll_timeout().unwrap().max(now);
        client
            .handle_response(t, addr(0), &kiss_reply(&req, KissCode::Rate, 0), NtpTimestamp::from_parts(1, 0))
            .unwrap();
        polls.push(poll_of(&client));
        now = client.poll_timeout().unwrap();
        client.handle_timeout(now);
        let tx =
            client.poll_transmit(now, NtpTimestamp::from_parts(0xeeac_e73b, 0), &mut rng, &mut req).unwrap();
        assert!(tx.is_some());
    }
    assert!(polls.windows(2).all(|w| w[1] >= w[0]));
    assert_eq!(*polls.last().unwrap(), 12);
    let good = reply_to(&req, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 20));
    client.handle_response(now, addr(0), &good, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21)).unwrap();
    assert_eq!(poll_of(&client), 4, "back to normal after a good reply");
}

/// K-4: an origin-valid DENY marks the server denied with a timed retry, not forever.
#[test]
fn k4_deny_is_a_timed_hold() {
    let (mut client, req, mut rng) = one_server(fast());
    let now = client.poll_timeout().unwrap();
    client
        .handle_response(now, addr(0), &kiss_reply(&req, KissCode::Deny, 0), NtpTimestamp::from_parts(1, 0))
        .unwrap();
    let stats = client.peer_stats(PeerId(0), now).unwrap();
    let PeerState::Denied { until } = stats.state else { panic!("{:?}", stats.state) };
    assert_eq!(until.saturating_duration_since(now), ClientConfig::default().deny_hold);
    assert_eq!(client.poll_timeout(), Some(until));
    let mut buf = [0u8; 48];
    let just_before = Instant::from_nanos(until.as_nanos() - 1);
    client.handle_timeout(just_before);
    assert_eq!(
        client.poll_transmit(just_before, NtpTimestamp::from_parts(2, 0), &mut rng, &mut buf),
        Ok(None)
    );
    client.handle_timeout(until);
    assert!(
        client.poll_transmit(until, NtpTimestamp::from_parts(2, 0), &mut rng, &mut buf).unwrap().is_some()
    );
}

/// a configured poll of 1 s (exponent 0) and server polls of −128 and 127 still
/// give intervals of at least 16 s and at most the maximum.
#[test]
fn q3_poll_floor_and_ceiling() {
    let config = PeerConfig { min_poll: 0, max_poll: 127, iburst: false, ..PeerConfig::default() };
    let (mut client, req, _) = one_server(config);
    assert_eq!(poll_of(&client), ntpkit::client::MIN_POLL);
    let now = client.poll_timeout().unwrap();
    client
        .handle_response(now, addr(0), &kiss_reply(&req, KissCode::Rate, 127), NtpTimestamp::from_parts(1, 0))
        .unwrap();
    assert_eq!(poll_of(&client), MAX_POLL);
}

/// no replies for 20 polls: the interval doubles up to the cap and never overflows.
#[test]
fn q4_backoff_without_replies() {
    let config = PeerConfig { min_poll: 4, max_poll: 17, iburst: false, ..PeerConfig::default() };
    let (mut client, _, mut rng) = one_server(config);
    let mut buf = [0u8; 48];
    let mut sends = vec![];
    while sends.len() < 20 {
        let t = client.poll_timeout().unwrap();
        client.handle_timeout(t);
        if let Some(tx) = client.poll_transmit(t, NtpTimestamp::from_parts(3, 0), &mut rng, &mut buf).unwrap()
        {
            sends.push((t.as_nanos(), tx.server));
        }
    }
    let polls: Vec<u64> = sends.windows(2).map(|w| (w[1].0 - w[0].0) / 1_000_000_000).collect();
    assert!(polls.windows(2).all(|w| w[1] == (w[0] * 2).min(1 << 17)), "{polls:?}");
    assert_eq!(*polls.last().unwrap(), 1 << 17);
}

/// the first request after boot waits an RNG-derived delay inside the window.
#[test]
fn q5_randomized_first_request() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..20u64 {
        let mut client: Client<1> = Client::new(ClientConfig::default());
        let mut rng = Rng(seed);
        client.add_server(Instant::from_nanos(1000), addr(0), fast(), &mut rng).unwrap();
        let first = client.poll_timeout().unwrap().as_nanos() - 1000;
        assert!(first < 2_000_000_000, "{first}");
        seen.insert(first);
    }
    assert!(seen.len() > 15, "delays are not random: {seen:?}");
}

/// O-4: an offset of 10⁶ s is a Step decision on the first update (startup step
/// allowed), and once synchronized the same is rejected as `StepTooLarge`.
#[test]
fn o4_startup_step_then_step_limit() {
    // The clock filter needs a few samples before the root distance is small enough
    // (empty stages count as 16 s of dispersion, RFC 5905 §10): exchange until an update.
    let (mut client, mut req, mut rng) = one_server(fast());
    let far = NtpTimestamp::from_parts(0xeeac_e73b + 1_000_000, 0);
    let mut update = None;
    for _ in 0..8 {
        let now = client.poll_timeout().unwrap();
        let t4 = NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21);
        client.handle_response(now, addr(0), &reply_to(&req, far), t4).unwrap();
        update = std::iter::from_fn(|| client.poll_event()).find_map(|e| match e {
            Event::Update(u) => Some(u),
            _ => None,
        });
        if update.is_some() {
            break;
        }
        let t = client.poll_timeout().unwrap();
        client.handle_timeout(t);
        let _ = client
            .poll_transmit(t, NtpTimestamp::from_parts(0xeeac_e73b, 0), &mut rng, &mut req)
            .unwrap()
            .unwrap();
    }
    assert!(matches!(update.unwrap().decision, Decision::Step(d) if d.seconds() == 999_999));
    let t = client.poll_timeout().unwrap();
    client.handle_timeout(t);
    let mut buf = [0u8; 48];
    let _ = client
        .poll_transmit(t, NtpTimestamp::from_parts(0xeeac_e73b, 0), &mut rng, &mut buf)
        .unwrap()
        .unwrap();
    let before = snapshot(&client);
    let r = client.handle_response(
        t,
        addr(0),
        &reply_to(&buf, far),
        NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21),
    );
    assert!(matches!(r, Err(Reject::StepTooLarge { .. })), "{r:?}");
    assert_eq!(snapshot(&client), before);
}

/// O-5: one server whose times are shifted by a year is outvoted by three good ones.
#[test]
fn o5_shifted_server_is_outvoted() {
    let mut servers: Vec<SimServer> = (0..4).map(|i| SimServer::new(i, 0)).collect();
    servers[2].offset = 365 * 86_400 * SEC;
    let mut sim: Sim<4> = Sim::new(servers, ClientConfig::default(), fast(), 0);
    sim.run_for(3600 * SEC);
    assert!(sim.updates.iter().all(|(_, u)| !u.selected.contains(&PeerId(2))));
    assert!(sim.updates.iter().all(|(_, u)| u.offset.saturating_abs() < NtpDuration::ONE_SECOND));
}

/// Leap seconds: the update reports the leap indication held by a majority of the
/// selected servers; one server alone announcing a leap is not enough (CVE-2016-4954).
#[test]
fn leap_indication_needs_a_majority() {
    for (announcing, expect) in [
        (1usize, LeapIndicator::NoWarning),
        (2, LeapIndicator::InsertSecond),
        (3, LeapIndicator::InsertSecond),
    ] {
        let mut servers: Vec<SimServer> = (0..3).map(|i| SimServer::new(i, 0)).collect();
        for s in servers.iter_mut().take(announcing) {
            s.leap = LeapIndicator::InsertSecond;
        }
        let mut sim: Sim<3> = Sim::new(servers, ClientConfig::default(), fast(), 0);
        sim.run_for(600 * SEC);
        let last = sim.last_update();
        assert_eq!(last.selected.len(), 3);
        assert_eq!(last.leap, expect, "{announcing} of 3 announcing");
    }
}

/// Servers are added and removed at run time within the capacity `N`; a reply from a
/// removed server is rejected and a freed slot is reused.
#[test]
fn add_and_remove_servers_at_run_time() {
    use ntpkit::client::ClientError;
    let mut client: Client<2> = Client::new(ClientConfig::default());
    let mut rng = Rng(5);
    let a = client.add_server(Instant::from_nanos(0), addr(0), fast(), &mut rng).unwrap();
    assert_eq!(
        client.add_server(Instant::from_nanos(0), addr(0), fast(), &mut rng),
        Err(ClientError::Duplicate)
    );
    let b = client.add_server(Instant::from_nanos(0), addr(1), fast(), &mut rng).unwrap();
    assert_eq!(client.add_server(Instant::from_nanos(0), addr(2), fast(), &mut rng), Err(ClientError::Full));
    // Send to both, then remove one: its reply is from an unknown source now.
    let mut buf = [0u8; 48];
    let mut requests = Vec::new();
    let t = Instant::from_nanos(3_000_000_000);
    client.handle_timeout(t);
    while let Some(tx) =
        client.poll_transmit(t, NtpTimestamp::from_parts(0xeeac_e73b, 0), &mut rng, &mut buf).unwrap()
    {
        requests.push((tx.server, buf));
    }
    assert_eq!(requests.len(), 2);
    assert!(client.remove_server(b));
    assert!(!client.remove_server(b));
    let (_, req_b) = requests.iter().find(|(s, _)| *s == b).unwrap();
    let reply = reply_to(req_b, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 20));
    assert_eq!(
        client.handle_response(t, addr(1), &reply, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21)),
        Err(Reject::UnexpectedSource)
    );
    assert_eq!(client.servers().collect::<Vec<_>>(), vec![a]);
    assert_eq!(client.add_server(t, addr(2), fast(), &mut rng), Ok(b), "the freed slot is reused");
}

/// `Decision::apply` steps or slews through the caller's `ClockControl` and leaves the
/// clock alone on a panic.
#[test]
fn decisions_apply_through_clock_control() {
    #[derive(Default)]
    struct Recorder(Vec<(&'static str, i64)>);
    impl ntpkit::traits::ClockControl for Recorder {
        type Error = ();
        fn step(&mut self, offset: NtpDuration) -> Result<(), ()> {
            self.0.push(("step", offset.to_nanos()));
            Ok(())
        }
        fn slew(&mut self, offset: NtpDuration) -> Result<(), ()> {
            self.0.push(("slew", offset.to_nanos()));
            Ok(())
        }
        fn set_frequency(&mut self, ppb: i64) -> Result<(), ()> {
            self.0.push(("frequency", ppb));
            Ok(())
        }
    }
    let mut clock = Recorder::default();
    let d = NtpDuration::from_nanos(5_000).unwrap();
    assert_eq!(Decision::Step(d).apply(&mut clock), Ok(true));
    assert_eq!(Decision::Slew(d).apply(&mut clock), Ok(true));
    assert_eq!(Decision::Panic(d).apply(&mut clock), Ok(false));
    assert_eq!(clock.0, [("step", 5_000), ("slew", 5_000)]);
}

/// The fingerprint tracks state: it changes when a reply is accepted, a timer fires or
/// an event is drained, and is stable otherwise.
#[test]
fn state_fingerprint_changes_with_state() {
    let (mut client, req, _) = one_server(fast());
    let f0 = client.state_fingerprint();
    assert_eq!(f0, client.state_fingerprint());
    let now = client.poll_timeout().unwrap();
    let reply = reply_to(&req, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 20));
    client.handle_response(now, addr(0), &reply, NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21)).unwrap();
    let f1 = client.state_fingerprint();
    assert_ne!(f0, f1, "accepting a reply");
    while client.poll_event().is_some() {}
    let f2 = client.state_fingerprint();
    assert_ne!(f1, f2, "draining events");
    let t = client.poll_timeout().unwrap();
    client.handle_timeout(t);
    let mut rng = Rng(9);
    let mut buf = [0u8; 48];
    let _ = client.poll_transmit(t, NtpTimestamp::from_parts(0xeeac_e73b, 0), &mut rng, &mut buf).unwrap();
    assert_ne!(f2, client.state_fingerprint(), "sending a request");
}

/// Requests carry the client's current poll exponent (RFC 5905 §7.3), backoff included.
#[test]
fn requests_advertise_the_current_poll() {
    let config = PeerConfig { min_poll: 4, max_poll: 8, iburst: false, ..PeerConfig::default() };
    let (mut client, first, mut rng) = one_server(config);
    assert_eq!(first[2], 4);
    let mut buf = [0u8; 48];
    for expected in [5u8, 6, 7, 8, 8] {
        let deadline = client.poll_timeout().unwrap();
        client.handle_timeout(deadline); // the outstanding request times out: back off
        let t = client.poll_timeout().unwrap();
        client.handle_timeout(t);
        let _ = client
            .poll_transmit(t, NtpTimestamp::from_parts(0xeeac_e73b, 0), &mut rng, &mut buf)
            .unwrap()
            .unwrap();
        assert_eq!(buf[2], expected);
    }
}

// ---------------------------------------------------------------- addresses and IDs

/// B-13, B-14, B-15 in the client: the IPv4-mapped form of a configured IPv4 server, or
/// an IPv6 server with a flow label, is a `Duplicate`; link-local addresses in two zones
/// are two servers. A reply from the mapped source is the configured server's.
#[test]
fn b13_b14_b15_client_compares_servers_by_address_and_port() {
    use core::net::SocketAddrV6;
    use ntpkit::client::ClientError;
    let t0 = Instant::from_nanos(0);
    let mut client: Client<4> = Client::new(ClientConfig::default());
    let mut rng = Rng(11);
    let v4: SocketAddr = "192.0.2.1:123".parse().unwrap();
    client.add_server(t0, v4, fast(), &mut rng).unwrap();
    let mapped: SocketAddr = "[::ffff:192.0.2.1]:123".parse().unwrap();
    assert_eq!(client.add_server(t0, mapped, fast(), &mut rng), Err(ClientError::Duplicate));
    let ll = |scope, flow| SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 123, flow, scope));
    let zone2 = client.add_server(t0, ll(2, 0), fast(), &mut rng).unwrap();
    let zone3 = client.add_server(t0, ll(3, 0), fast(), &mut rng).unwrap();
    assert_ne!(zone2, zone3);
    assert_eq!(client.add_server(t0, ll(2, 0xbeef), fast(), &mut rng), Err(ClientError::Duplicate));

    // Poll everything; answer the IPv4 server from its mapped address and the zone-3
    // server from zone 3 with a flow label; zone 2's request is answered from zone 3.
    let t = Instant::from_nanos(3 * SEC as u64);
    client.handle_timeout(t);
    let mut buf = [0u8; 48];
    let mut requests = Vec::new();
    let t1 = NtpTimestamp::from_parts(0xeeac_e73b, 0);
    while let Some(tx) = client.poll_transmit(t, t1, &mut rng, &mut buf).unwrap() {
        requests.push((tx.server, buf));
    }
    assert_eq!(requests.len(), 3);
    let t4 = NtpTimestamp::from_parts(0xeeac_e73b, 1 << 21);
    let reply_of = |id: PeerId| reply_to(&requests.iter().find(|(s, _)| *s == id).unwrap().1, t1);
    let before = snapshot(&client);
    assert_eq!(client.handle_response(t, ll(3, 0), &reply_of(zone2), t4), Err(Reject::OriginMismatch));
    assert_eq!(snapshot(&client), before, "a reply from the wrong zone changed the client");
    client.handle_response(t, mapped, &reply_of(PeerId(0)), t4).unwrap();
    client.handle_response(t, ll(3, 0x1234), &reply_of(zone3), t4).unwrap();
    let samples: Vec<PeerId> = std::iter::from_fn(|| client.poll_event())
        .filter_map(|e| match e {
            Event::Sample { server, .. } => Some(server),
            _ => None,
        })
        .collect();
    assert_eq!(samples, vec![PeerId(0), zone3]);
}

/// `PeerId` names exactly one slot. `Client<256>` gives its 256 servers the IDs
/// 0…255 and refuses a 257th as `Full`; a `Client<257>` does not compile (a doc test
/// on `Client::new` proves it).
#[test]
fn q7_server_ids_identify_one_server() {
    use ntpkit::client::ClientError;
    let mut client: Box<Client<256>> = Box::new(Client::new(ClientConfig::default()));
    let mut rng = Rng(3);
    let t0 = Instant::from_nanos(0);
    for i in 0..256u32 {
        let addr = SocketAddr::from(([10, 1, (i >> 8) as u8, i as u8], 123));
        assert_eq!(client.add_server(t0, addr, fast(), &mut rng), Ok(PeerId(i as u8)));
    }
    let extra = SocketAddr::from(([10, 2, 0, 0], 123));
    assert_eq!(client.add_server(t0, extra, fast(), &mut rng), Err(ClientError::Full));
    assert_eq!(client.servers().count(), 256);
    let stats = client.peer_stats(PeerId(255), t0).unwrap();
    assert_eq!(stats.addr, SocketAddr::from(([10, 1, 0, 255], 123)));
    assert!(client.remove_server(PeerId(255)));
    assert_eq!(client.add_server(t0, extra, fast(), &mut rng), Ok(PeerId(255)));
}

// ---------------------------------------------------------------- availability

/// Servers 0..n, the listed ones silent (dead), client 250 ms behind.
fn availability_sim<const N: usize>(dead: &[usize], iburst: bool) -> Sim<N> {
    let servers: Vec<SimServer> = (0..N)
        .map(|i| SimServer {
            behaviour: if dead.contains(&i) { Behaviour::Silent } else { Behaviour::Normal },
            ..SimServer::new(i as u8, 0)
        })
        .collect();
    let config = PeerConfig { iburst, ..PeerConfig::default() };
    Sim::new(servers, ClientConfig::default(), config, -250 * MS)
}

/// Runs until the first update (at most `limit` ns): its time, or `None`.
fn first_update<const N: usize>(sim: &mut Sim<N>, limit: i64) -> Option<i64> {
    while sim.updates.is_empty() && sim.now < limit {
        sim.run_for(SEC);
    }
    sim.updates.first().map(|(t, _)| *t)
}

/// The first update steps by the true 250 ms, and the clock stays right after.
fn assert_keeps_time<const N: usize>(sim: &mut Sim<N>, alive: &[usize]) {
    let first = &sim.updates[0].1;
    assert!(
        matches!(first.decision, Decision::Step(d) if (d.to_nanos() - 250 * MS).abs() < 5 * MS),
        "{:?}",
        first.decision
    );
    sim.run_for(3600 * SEC);
    assert!(sim.updates.len() > 5, "{} updates in an hour", sim.updates.len());
    let last = sim.last_update();
    assert!(last.selected.iter().all(|s| alive.contains(&usize::from(s.0))), "{:?}", last.selected);
    assert!((last.offset.to_nanos() - sim.true_offset()).abs() < 5 * MS);
    assert!(sim.client_offset.abs() < 5 * MS, "clock {} ns off", sim.client_offset);
}

/// S-1: every server alive (1 to 4 servers): an update within the initial burst.
#[test]
fn s1_all_alive_update_within_the_burst() {
    let mut s1: Sim<1> = availability_sim(&[], true);
    let mut s2: Sim<2> = availability_sim(&[], true);
    let mut s4: Sim<4> = availability_sim(&[], true);
    assert!(first_update(&mut s1, 60 * SEC).unwrap() < 12 * SEC);
    assert!(first_update(&mut s2, 60 * SEC).unwrap() < 12 * SEC);
    assert!(first_update(&mut s4, 60 * SEC).unwrap() < 12 * SEC);
    assert_keeps_time(&mut s1, &[0]);
    assert_keeps_time(&mut s2, &[0, 1]);
    assert_keeps_time(&mut s4, &[0, 1, 2, 3]);
}

/// S-2: one of two servers never answers. Once its initial burst has timed out it no
/// longer counts, and the other server alone keeps the clock (ntpd `minsane 1`, chrony
/// `minsources 1`; RFC 5905 §11.2.1 counts the majority among candidates).
#[test]
fn s2_one_of_two_dead_still_keeps_time() {
    let mut sim: Sim<2> = availability_sim(&[1], true);
    let at = first_update(&mut sim, 120 * SEC).expect("no update with one of two servers dead");
    assert!(at < 15 * SEC, "first update after {at} ns");
    assert_keeps_time(&mut sim, &[0]);
    let stats = sim.client.peer_stats(PeerId(1), Instant::from_nanos(sim.now as u64)).unwrap();
    assert_eq!(stats.reach, 0);
}

/// S-3: two of four dead: the two alive servers are a majority of those that count.
#[test]
fn s3_two_of_four_dead_still_keeps_time() {
    let mut sim: Sim<4> = availability_sim(&[0, 2], true);
    let at = first_update(&mut sim, 120 * SEC).expect("no update with two of four dead");
    assert!(at < 15 * SEC, "first update after {at} ns");
    assert_keeps_time(&mut sim, &[1, 3]);
}

/// S-4: three of four dead: the survivor keeps the clock once the others' bursts are
/// over.
#[test]
fn s4_three_of_four_dead_still_keeps_time() {
    let mut sim: Sim<4> = availability_sim(&[0, 1, 3], true);
    let at = first_update(&mut sim, 120 * SEC).expect("no update with three of four dead");
    assert!(at < 15 * SEC, "first update after {at} ns");
    assert_keeps_time(&mut sim, &[2]);
}

/// S-5: a liar (+5 s) that answers long before the others never steps the clock alone:
/// with two servers nothing is decided at all (no majority can say who is right), and
/// with three the first update follows the two honest servers.
#[test]
fn s5_liar_that_answers_first_cannot_step_alone() {
    let liar_first = |i: u8| {
        let mut s = SimServer::new(i, 0);
        if i == 0 {
            s.offset = 5 * SEC;
            (s.out_delay, s.back_delay, s.jitter) = (MS, MS, 0);
        } else {
            (s.out_delay, s.back_delay) = (100 * MS, 100 * MS);
        }
        s
    };
    let mut two: Sim<2> =
        Sim::new((0..2).map(liar_first).collect(), ClientConfig::default(), PeerConfig::default(), -250 * MS);
    two.run_for(3600 * SEC);
    let first_sample = |events: &[(i64, Event<2>)]| {
        events.iter().find_map(|(_, e)| match e {
            Event::Sample { server, .. } => Some(*server),
            _ => None,
        })
    };
    assert_eq!(first_sample(&two.events), Some(PeerId(0)), "the liar did not answer first");
    assert!(two.updates.is_empty(), "{:?}", two.updates.first());
    assert_eq!(two.client_offset, -250 * MS, "the clock was touched");
    let mut three: Sim<3> =
        Sim::new((0..3).map(liar_first).collect(), ClientConfig::default(), PeerConfig::default(), -250 * MS);
    assert!(first_update(&mut three, 60 * SEC).is_some());
    let first = three.events.iter().find_map(|(_, e)| match e {
        Event::Sample { server, .. } => Some(*server),
        _ => None,
    });
    assert_eq!(first, Some(PeerId(0)), "the liar did not answer first");
    for (_, u) in &three.updates {
        assert!(!u.selected.contains(&PeerId(0)), "the liar was selected: {u:?}");
    }
    assert_keeps_time(&mut three, &[1, 2]);
}

/// S-6: a liar among three servers that all answer alike is outvoted from the start.
#[test]
fn s6_liar_among_three_is_outvoted() {
    let mut servers: Vec<SimServer> = (0..3).map(|i| SimServer::new(i, 0)).collect();
    servers[1].offset = -2 * SEC;
    let mut sim: Sim<3> = Sim::new(servers, ClientConfig::default(), PeerConfig::default(), -250 * MS);
    assert!(first_update(&mut sim, 60 * SEC).is_some());
    assert!(sim.updates.iter().all(|(_, u)| !u.selected.contains(&PeerId(1))));
    assert_keeps_time(&mut sim, &[0, 2]);
}

/// Time to the first `Update` with default settings (poll 64 s to 1024 s), with and
/// without iburst, for the README table: printed, and bounded so a regression fails.
#[test]
fn time_to_first_update() {
    fn measure<const N: usize>(dead: &[usize], iburst: bool) -> i64 {
        let mut sim: Sim<N> = availability_sim(dead, iburst);
        first_update(&mut sim, 3600 * SEC).expect("no update within an hour")
    }
    let rows = [
        ("1 server", measure::<1>(&[], true), measure::<1>(&[], false)),
        ("2 servers, 1 dead", measure::<2>(&[1], true), measure::<2>(&[1], false)),
        ("3 servers", measure::<3>(&[], true), measure::<3>(&[], false)),
        ("4 servers", measure::<4>(&[], true), measure::<4>(&[], false)),
    ];
    println!("| servers | with iburst | without iburst |");
    println!("|---|---|---|");
    for (name, burst, plain) in rows {
        println!("| {name} | {:.1} s | {:.1} s |", burst as f64 / 1e9, plain as f64 / 1e9);
        assert!(burst < 15 * SEC, "{name}: {burst} ns with iburst");
        assert!(plain < 1200 * SEC, "{name}: {plain} ns without iburst");
    }
}
