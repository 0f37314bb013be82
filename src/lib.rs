//! vipflip: move a virtual IP between Linux machines with VRRP.
//!
//! `vrrp` (the protocol), `wire` (the bytes) and `config` are pure; `net` holds every
//! syscall; `cmd` wires them together per subcommand; `ui` writes every line users see.
//! Two unsafe sites, both in net/ and marked `#[allow(unsafe_code)]`: the AF_PACKET address
//! (net/frames.rs) and localtime_r (net/clock.rs).

#![deny(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
pub mod events;
#[doc(hidden)]
pub mod fuzz_entry;
pub mod health_checks;
pub mod keepalived_conf;
pub mod net;
pub mod outage;
pub mod ui;
pub mod vip;
pub mod vrrp;
pub mod wire;
