//! THE ONLY SYSCALLS: capabilities, interface lookup, raw VRRP sockets, AF_PACKET frames,
//! netlink (VIP add/remove, link and address monitor), signals, TCP probes, the local
//! time zone, the status socket, the virtual MAC interface and its sysctls, systemd's notify
//! socket, the run loop's wait (poll), the allocator's settings, and the demo's namespaces
//! and child processes.

pub mod caps;
pub mod clock;
pub mod exec;
pub mod frames;
pub mod health;
pub mod hooks;
pub mod icmp;
pub mod iface;
pub mod lab;
pub mod memory;
pub mod netlink;
mod netlink_wire;
pub mod notify;
pub mod signals;
pub mod sock;
pub mod status;
pub mod sysctl;
pub mod tcp;
pub mod vmac;
pub mod vrrp_socket;
pub mod wake;
