//! One module per subcommand (run is a folder of its own): wires threads, channel and loop;
//! executes actions.

pub mod demo;
pub mod ping_watch;
pub mod probe;
pub mod release;
pub mod run;
pub mod status;

use std::io::IsTerminal;

use crate::cli::OutputArgs;
use crate::ui::{use_color, Ui};

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
