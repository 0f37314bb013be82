//! One file per subcommand: wires threads, channel and loop; executes actions.

pub mod demo;
pub mod ping_watch;
pub mod probe;
pub mod release;
pub mod run;
mod run_edges;
mod run_group;
mod run_hooks;
mod run_io;
pub(crate) mod run_plan;
mod run_status;
#[cfg(test)]
mod run_tests;
pub mod status;

use std::io::IsTerminal;
use std::net::IpAddr;
use std::sync::Arc;

use crate::cli::OutputArgs;
use crate::error::Result;
use crate::net::frames::{spawn_reader, FrameSocket};
use crate::net::iface::Interface;
use crate::ui::{use_color, Ui};
use crate::wire::announce::{claim, MacAddr};

/// The output every subcommand writes to: stdout, color decided once.
fn stdout_ui(output: &OutputArgs) -> Ui {
    let stdout = std::io::stdout();
    let color = use_color(
        output.color,
        stdout.is_terminal(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
    );
    let live = stdout.is_terminal();
    Ui::new(Box::new(stdout), color, output.json).with_live_status(live)
}

/// Watches `iface` for another MAC announcing one of `vips` (a node that lost a contested
/// takeover, the successor of a stepping-down master) and calls `on_claim(vip, by)` for each
/// announcement, on its own thread, until it returns false. Shared by run and release.
fn watch_claims(
    iface: &Interface,
    vips: Vec<IpAddr>,
    mut on_claim: impl FnMut(IpAddr, MacAddr) -> bool + Send + 'static,
) -> Result<()> {
    let ipv4 = vips.first().is_none_or(IpAddr::is_ipv4);
    let socket = Arc::new(FrameSocket::open_claims(iface.index, ipv4)?);
    let own = iface.mac;
    let on_frame = move |frame: Vec<u8>, _| match claim(&frame, own) {
        Some((vip, by)) if vips.contains(&vip) => on_claim(vip, by),
        _ => true,
    };
    // A help, not a need: when it fails (interface deleted), the caller goes on.
    spawn_reader(socket, "claim-watch", on_frame, |_| {})
}
