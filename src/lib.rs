//! vipflip: move a virtual IP between Linux machines with VRRP.
//!
//! `vrrp` (the protocol) and `wire` (the bytes) are pure; `net` holds every syscall; `cmd`
//! wires them together per subcommand.

pub mod vrrp;
pub mod wire;
