//! vipflip: move a virtual IP between Linux machines with VRRP.
//!
//! `vrrp` (the protocol), `wire` (the bytes) and `config` are pure; `net` holds every
//! syscall; `cmd` wires them together per subcommand; `ui` writes every line users see.
//! The library's surface is what the binary, the tests, the benchmarks and the fuzz targets
//! use: the pure core (`vrrp`, `wire`), `cli`, `cmd`'s entry points, `error`, `events`;
//! the rest is private so that the dead-code lint sees it.
//! Three unsafe sites, all in net/ and marked `#[allow(unsafe_code)]`: the AF_PACKET address
//! (net/frames.rs), localtime_r (net/clock.rs) and the allocator's settings (net/memory.rs).

#![deny(unsafe_code)]

pub mod cli;
pub mod cmd;
mod config;
pub mod error;
pub mod events;
#[doc(hidden)]
pub mod fuzz_entry;
mod health_checks;
mod json;
mod keepalived_conf;
mod net;
mod outage;
mod ui;
mod vip;
pub mod vrrp;
pub mod wire;

/// Reads one field of a `--json` line (the tests read vipflip's output with it).
pub use json::json_field;
