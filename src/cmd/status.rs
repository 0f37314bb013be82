//! `vipflip status`: asks the running instances of this network namespace what they are
//! doing (net/status.rs) and says it; the exit code answers "is one of them master?".

use crate::cli::StatusArgs;
use crate::error::Result;
use crate::json::{json_field, Json};
use crate::net::status::instances;
use crate::ui::Level;

pub fn status(args: &StatusArgs) -> Result<i32> {
    let mut ui = super::stdout_ui(&args.output);
    let found: Vec<_> = instances()?
        .into_iter()
        .filter(|i| args.iface.as_ref().is_none_or(|name| &i.iface == name))
        .filter(|i| args.vrid.is_none_or(|vrid| i.vrid == vrid))
        .collect();
    if found.is_empty() {
        let mut what = String::from("no vipflip run");
        if let Some(vrid) = args.vrid {
            what.push_str(&format!(" for vrid {vrid}"));
        }
        if let Some(iface) = &args.iface {
            what.push_str(&format!(" on {iface}"));
        }
        what.push_str(" in this network namespace");
        let mut fields = Json::default();
        if let Some(iface) = &args.iface {
            fields = fields.str("iface", iface);
        }
        if let Some(vrid) = args.vrid {
            fields = fields.raw("vrid", vrid);
        }
        ui.tell(Level::Plain, "none", 0, &what, fields);
        return Ok(1);
    }
    let mut master = false;
    for instance in &found {
        master |= json_field(&instance.json, "state").as_deref() == Some("master");
        ui.instance(&instance.json);
    }
    Ok(if master { 0 } else { 1 })
}
