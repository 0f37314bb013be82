//! vipflip: move a virtual IP between Linux machines with VRRP.
//!
//! `vrrp` (the protocol), `wire` (the bytes) and `config` are pure; `net` holds every
//! syscall; `cmd` wires them together per subcommand; `ui` writes every line users see.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod error;
#[doc(hidden)]
pub mod fuzz_entry;
pub mod keepalived_conf;
pub mod net;
pub mod outage;
pub mod ui;
pub mod vrrp;
pub mod wire;
