//! The benchmarks are in `benches/wire.rs`; this library is empty.
