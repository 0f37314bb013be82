//! `run`'s loop with a recording fake for its I/O: which VIPs it adds and removes (only its
//! own, also when it ends by error or panic), a re-created interface and its socket
//! generations, a VIP removed by hand. No root, no network.

use std::cell::RefCell;
use std::io;
use std::net::IpAddr;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime};

use clap::Parser;

use super::edges::LinkEvent;
use super::group::link_input;
use super::io::{NodeIo, VipLink};
use super::node::Node;
use crate::cli::{Cli, Command};
use crate::config::RunConfig;
use crate::error::{Error, Result};
use crate::json::json_field;
use crate::net::hooks::Job;
use crate::net::iface::Interface;
use crate::net::netlink::NetEvent;
use crate::net::vmac::VmacChange;
use crate::net::vrrp_socket::Routine;
use crate::ui::{Captured, Ui};
use crate::vip::Vip;
use crate::vrrp::{Input, State};
use crate::wire::announce::MacAddr;
use crate::wire::{Advert, Received, V3Checksum};

/// What the fake world holds and what the node did to it.
#[derive(Default)]
struct World {
    /// (interface index, address) on the interfaces.
    addrs: Vec<(u32, IpAddr)>,
    /// What a lookup of the interface's name finds (after it was re-created).
    found: Option<Interface>,
    /// IPv6 addresses whose local route the kernel has not installed yet.
    unrouted: Vec<IpAddr>,
    /// The drain's local routes (interface index, address).
    routes: Vec<(u32, IpAddr)>,
    /// arp_ignore >= 1 and arp_announce >= 2 on the interface.
    arp_quiet: bool,
    /// A queue for routine adverts (`None`: the node has none), what waits in it, and each
    /// routine the node asked the kernel to keep aside.
    routine_queue: Option<std::collections::VecDeque<(Received, SystemTime)>>,
    routines: Vec<Option<Routine>>,
    log: Vec<String>,
}

#[derive(Clone, Default)]
struct Fake(Rc<RefCell<World>>);

impl Fake {
    fn log(&self) -> Vec<String> {
        self.0.borrow().log.clone()
    }

    fn has(&self, index: u32, addr: &str) -> bool {
        let addr: IpAddr = addr.parse().unwrap();
        self.0.borrow().addrs.contains(&(index, addr))
    }

    fn put(&self, index: u32, addr: &str) {
        self.0
            .borrow_mut()
            .addrs
            .push((index, addr.parse().unwrap()));
    }

    fn take_away(&self, index: u32, addr: &str) {
        let addr: IpAddr = addr.parse().unwrap();
        self.0.borrow_mut().addrs.retain(|a| *a != (index, addr));
    }

    fn record(&self, line: String) {
        self.0.borrow_mut().log.push(line);
    }
}

impl NodeIo for Fake {
    fn send_advert(&mut self, advert: &Advert, _: IpAddr, _: V3Checksum) -> io::Result<()> {
        self.record(format!("advert {}", advert.priority));
        Ok(())
    }

    fn send_frame(&mut self, _: &[u8]) -> io::Result<()> {
        self.record("announce".into());
        Ok(())
    }

    fn add_vip(&mut self, index: u32, vip: &Vip) -> Result<bool> {
        self.record(format!("add {} on {index}", vip.addr));
        let had = self.0.borrow().addrs.contains(&(index, vip.addr));
        if !had {
            self.0.borrow_mut().addrs.push((index, vip.addr));
        }
        Ok(!had)
    }

    fn remove_vip(&mut self, index: u32, vip: &Vip) -> Result<bool> {
        self.record(format!("remove {} on {index}", vip.addr));
        let had = self.0.borrow().addrs.contains(&(index, vip.addr));
        self.0
            .borrow_mut()
            .addrs
            .retain(|a| *a != (index, vip.addr));
        Ok(had)
    }

    fn add_local_route(&mut self, index: u32, addr: IpAddr) -> Result<bool> {
        self.record(format!("route {addr} on {index}"));
        let had = self.0.borrow().routes.contains(&(index, addr));
        if !had {
            self.0.borrow_mut().routes.push((index, addr));
        }
        Ok(!had)
    }

    fn remove_local_route(&mut self, index: u32, addr: IpAddr) -> Result<bool> {
        self.record(format!("unroute {addr} on {index}"));
        let had = self.0.borrow().routes.contains(&(index, addr));
        self.0.borrow_mut().routes.retain(|r| *r != (index, addr));
        Ok(had)
    }

    fn arp_quiet(&self, _: &str) -> bool {
        self.0.borrow().arp_quiet
    }

    fn has_addr(&self, index: u32, addr: IpAddr) -> bool {
        self.0.borrow().addrs.contains(&(index, addr))
    }

    fn forwards_ipv6(&self, _: &str) -> bool {
        false
    }

    fn local_route_ready(&self, addr: std::net::Ipv6Addr) -> bool {
        !self.0.borrow().unrouted.contains(&IpAddr::V6(addr))
    }

    fn lookup(&self, name: &str) -> Result<Interface> {
        self.0
            .borrow()
            .found
            .clone()
            .ok_or_else(|| Error::new(format!("unknown interface '{name}'"), "gone"))
    }

    fn reopen(
        &mut self,
        iface: &Interface,
        _: IpAddr,
        generation: u32,
    ) -> Result<(VipLink, Vec<VmacChange>)> {
        self.record(format!("reopen on {} generation {generation}", iface.index));
        Ok((link_of(iface), Vec::new()))
    }

    fn close(&mut self) -> Vec<VmacChange> {
        Vec::new()
    }

    fn run_hook(&mut self, job: Job) {
        self.record(format!("hook {}", job.name));
    }

    fn finish_hooks(&mut self) {}

    fn notify_systemd(&self, _: &str) {}

    fn keeps_routine(&self) -> bool {
        self.0.borrow().routine_queue.is_some()
    }

    fn set_routine(&mut self, routine: Option<&Routine>) -> io::Result<()> {
        self.0.borrow_mut().routines.push(routine.copied());
        Ok(())
    }

    fn receive_routine(&self, _: &mut [u8]) -> io::Result<Option<(Received, SystemTime)>> {
        let mut world = self.0.borrow_mut();
        let queued = world.routine_queue.as_mut().and_then(|q| q.pop_front());
        queued
            .map(Some)
            .ok_or_else(|| io::ErrorKind::WouldBlock.into())
    }
}

fn cfg(extra: &[&str]) -> RunConfig {
    let mut argv = vec!["vipflip", "run", "--iface", "veth0", "--vrid", "41"];
    argv.extend(extra);
    match Cli::try_parse_from(argv).unwrap().command {
        Command::Run(args) => crate::config::run_config(&args, None).unwrap(),
        other => panic!("{other:?}"),
    }
}

fn iface(index: u32, addrs: &[&str]) -> Interface {
    Interface {
        name: "veth0".into(),
        index,
        mac: MacAddr(2, 0, 0, 0, 0, 1),
        up: true,
        addrs: addrs.iter().map(|a| a.parse().unwrap()).collect(),
    }
}

/// The VIPs on the interface itself (no --vmac).
fn link_of(iface: &Interface) -> VipLink {
    VipLink {
        index: iface.index,
        mac: iface.mac,
    }
}

/// A node on interface index 7 with 192.0.2.201, its output as JSON lines.
fn node(extra: &[&str], fake: &Fake) -> (Node<Fake>, Captured) {
    let out = Captured::default();
    let ui = Ui::new(Box::new(out.clone()), false, true);
    let primary = "192.0.2.201".parse().unwrap();
    let iface = iface(7, &["192.0.2.201"]);
    let link = link_of(&iface);
    let node = Node::new(cfg(extra), iface, primary, link, fake.clone(), ui);
    (node, out)
}

/// Started, and master after Master_Down_Interval with no other node heard.
fn master(node: &mut Node<Fake>) {
    let start = Instant::now();
    assert!(!node.step(start, Input::Start { link_up: true }));
    while node.machine.state() != State::Master {
        let at = node
            .machine
            .deadline()
            .expect("a backup waits for a deadline");
        assert!(!node.step(at, Input::Tick));
    }
}

/// SIGTERM: the machine hands over (priority 0, a short wait) and says to exit.
fn stop(node: &mut Node<Fake>) {
    let mut now = Instant::now();
    let mut input = Input::Shutdown;
    while !node.step(now, input) {
        now = node
            .machine
            .deadline()
            .expect("a stopping node waits for a deadline");
        input = Input::Tick;
    }
}

fn events(out: &Captured) -> Vec<String> {
    out.text()
        .lines()
        .filter_map(|l| json_field(l, "event"))
        .collect()
}

fn net(node: &mut Node<Fake>, event: NetEvent) -> Option<Input> {
    link_input(node, LinkEvent::Net(event)).unwrap()
}

#[test]
fn a_new_master_adds_its_vips_announces_and_advertises() {
    let fake = Fake::default();
    let (mut node, _) = node(&["--vip", "192.0.2.250/24", "--priority", "200"], &fake);
    master(&mut node);
    let log = fake.log();
    assert!(log.contains(&"add 192.0.2.250 on 7".to_string()), "{log:?}");
    assert!(log.contains(&"announce".to_string()), "{log:?}");
    assert!(log.contains(&"advert 200".to_string()), "{log:?}");
    assert!(fake.has(7, "192.0.2.250"));
}

#[test]
fn at_exit_only_the_vips_this_process_added_are_removed() {
    let fake = Fake::default();
    fake.put(7, "192.0.2.251");
    let flags = ["--vip", "192.0.2.250/24", "--vip", "192.0.2.251/24"];
    let (mut node, out) = node(&flags, &fake);
    master(&mut node);
    assert!(events(&out).contains(&"vip-not-ours".to_string()));
    stop(&mut node);
    assert!(!fake.has(7, "192.0.2.250"), "the VIP it added stays behind");
    assert!(
        fake.has(7, "192.0.2.251"),
        "a VIP it did not add was removed"
    );
    drop(node);
    let removes: Vec<String> = fake
        .log()
        .into_iter()
        .filter(|l| l.starts_with("remove"))
        .collect();
    assert_eq!(removes, ["remove 192.0.2.250 on 7"]);
}

#[test]
fn an_owner_neither_warns_about_nor_removes_its_own_address() {
    let fake = Fake::default();
    fake.put(7, "192.0.2.250");
    let (mut node, out) = node(&["--vip", "192.0.2.250/24", "--priority", "255"], &fake);
    master(&mut node);
    stop(&mut node);
    drop(node);
    assert!(!events(&out).contains(&"vip-not-ours".to_string()));
    assert!(fake.has(7, "192.0.2.250"));
}

#[test]
fn ending_without_a_shutdown_still_removes_the_vips_it_added() {
    // An error return or a panic unwind drops the node without the machine's RemoveVips.
    let fake = Fake::default();
    let (mut node, _) = node(&["--vip", "192.0.2.250/24"], &fake);
    master(&mut node);
    assert!(fake.has(7, "192.0.2.250"));
    drop(node);
    assert!(!fake.has(7, "192.0.2.250"));
}

#[test]
fn a_vip_deleted_by_hand_while_master_is_added_again_and_announced() {
    let fake = Fake::default();
    let (mut node, _) = node(&["--vip", "192.0.2.250/24"], &fake);
    master(&mut node);
    let before = fake.log().len();
    fake.take_away(7, "192.0.2.250");
    let input = net(
        &mut node,
        NetEvent::AddressRemoved {
            index: 7,
            addr: "192.0.2.250".parse().unwrap(),
        },
    );
    assert!(matches!(input, Some(Input::VipsMissing)), "{input:?}");
    node.step(Instant::now(), Input::VipsMissing);
    let after = fake.log()[before..].to_vec();
    assert!(
        after.contains(&"add 192.0.2.250 on 7".to_string()),
        "{after:?}"
    );
    assert!(after.contains(&"announce".to_string()), "{after:?}");
    assert!(fake.has(7, "192.0.2.250"));
}

#[test]
fn a_removal_reported_after_the_vip_came_back_changes_nothing() {
    // A quick master-backup-master round trip: the removal event arrives late.
    let fake = Fake::default();
    let (mut node, _) = node(&["--vip", "192.0.2.250/24"], &fake);
    master(&mut node);
    let input = net(
        &mut node,
        NetEvent::AddressRemoved {
            index: 7,
            addr: "192.0.2.250".parse().unwrap(),
        },
    );
    assert!(input.is_none(), "{input:?}");
}

/// keepalived's dont_track_primary (vrrp.c vrrp_complete_instance: the interface added with
/// VRRP_NOT_TRACK_IF): a master stays master while its interface is down.
#[test]
fn dont_track_primary_ignores_the_interface_going_down() {
    let fake = Fake::default();
    let (mut tracked, _) = node(&["--vip", "192.0.2.250/24"], &fake);
    master(&mut tracked);
    assert_eq!(
        net(&mut tracked, NetEvent::Link(false)),
        Some(Input::LinkDown)
    );
    let (mut untracked, _) = node(&["--vip", "192.0.2.250/24", "--dont-track-primary"], &fake);
    master(&mut untracked);
    assert_eq!(net(&mut untracked, NetEvent::Link(false)), None);
    assert_eq!(untracked.machine.state(), State::Master);
}

#[test]
fn a_backup_ignores_the_removal_of_an_address() {
    let fake = Fake::default();
    let (mut node, _) = node(&["--vip", "192.0.2.250/24"], &fake);
    node.step(Instant::now(), Input::Start { link_up: true });
    assert_eq!(node.machine.state(), State::Backup);
    let input = net(
        &mut node,
        NetEvent::AddressRemoved {
            index: 7,
            addr: "192.0.2.250".parse().unwrap(),
        },
    );
    assert!(input.is_none(), "{input:?}");
}

/// Master on index 7, then the interface is deleted and created again as index 9.
fn recreated(fake: &Fake, addrs: &[&str]) -> (Node<Fake>, Captured, Option<Input>) {
    let (mut node, out) = node(&["--vip", "192.0.2.250/24"], fake);
    master(&mut node);
    let down = net(&mut node, NetEvent::LinkGone);
    assert!(matches!(down, Some(Input::LinkDown)), "{down:?}");
    node.step(Instant::now(), Input::LinkDown);
    assert_eq!(node.machine.state(), State::Fault);
    fake.0.borrow_mut().found = Some(iface(9, addrs));
    let back = net(&mut node, NetEvent::LinkAppeared { index: 9, up: true });
    (node, out, back)
}

#[test]
fn a_recreated_interface_gets_new_sockets_and_the_vips_go_on_it() {
    let fake = Fake::default();
    let (mut node, out, back) = recreated(&fake, &["192.0.2.201"]);
    assert!(matches!(back, Some(Input::LinkUp)), "{back:?}");
    assert!(fake.log().contains(&"reopen on 9 generation 1".to_string()));
    assert!(events(&out).contains(&"iface-back".to_string()));
    node.step(Instant::now(), Input::LinkUp);
    master(&mut node);
    assert!(fake.has(9, "192.0.2.250"), "{:?}", fake.log());
    drop(node);
    assert!(
        !fake.has(9, "192.0.2.250"),
        "the VIP on the new interface stays"
    );
}

#[test]
fn only_the_current_receive_thread_failing_ends_the_node() {
    let fake = Fake::default();
    let (mut node, _, _) = recreated(&fake, &["192.0.2.201"]);
    node.step(Instant::now(), Input::LinkUp);
    master(&mut node);
    let old = LinkEvent::ReceiveFailed {
        generation: 0,
        cause: "No such device".into(),
    };
    assert!(matches!(link_input(&mut node, old), Ok(None)));
    assert_eq!(node.machine.state(), State::Master);
    let current = LinkEvent::ReceiveFailed {
        generation: 1,
        cause: "Network is down".into(),
    };
    let err = link_input(&mut node, current).expect_err("the current socket failed");
    assert!(err.to_string().contains("Network is down"), "{err}");
    drop(node);
    assert!(!fake.has(9, "192.0.2.250"), "a failed node keeps its VIP");
}

#[test]
fn a_recreated_interface_without_an_address_keeps_the_node_in_fault() {
    let fake = Fake::default();
    let (node, out, back) = recreated(&fake, &[]);
    assert!(back.is_none(), "{back:?}");
    assert!(events(&out).contains(&"iface-not-usable".to_string()));
    assert!(!fake.log().iter().any(|l| l.starts_with("reopen")));
    assert_eq!(node.machine.state(), State::Fault);
    assert_eq!(node.generation, 0);
}

#[test]
fn a_transition_runs_its_hooks() {
    let fake = Fake::default();
    let flags = ["--vip", "192.0.2.250/24", "--on-master", "/bin/true"];
    let (mut node, _) = node(&flags, &fake);
    master(&mut node);
    assert!(
        fake.log().contains(&"hook on-master".to_string()),
        "{:?}",
        fake.log()
    );
}

/// The two instances of a run with IPv4 and IPv6 VIPs, both master, IPv4 on index 7 and
/// IPv6 on index 8 of the fakes.
fn pair(fake4: &Fake, fake6: &Fake) -> (Vec<Node<Fake>>, Captured) {
    let out = Captured::default();
    let both = cfg(&[
        "--vip",
        "192.0.2.250/24",
        "--vip",
        "2001:db8::250/64",
        "--advert-int",
        "100ms",
    ]);
    let mut nodes = Vec::new();
    for (family, fake) in both.families().into_iter().zip([fake4, fake6]) {
        let v4 = family.family();
        let ui = Ui::new(Box::new(out.clone()), false, true).with_family(v4);
        let (primary, iface) = if v4.is_v4() {
            ("192.0.2.201", iface(7, &["192.0.2.201"]))
        } else {
            ("fe80::c0ff:fe00:2c9", iface(7, &["fe80::c0ff:fe00:2c9"]))
        };
        let link = link_of(&iface);
        let primary = primary.parse().unwrap();
        let mut node = Node::new(family, iface, primary, link, fake.clone(), ui);
        node.family = Some(v4);
        master(&mut node);
        nodes.push(node);
    }
    (nodes, out)
}

/// `couple` and the inputs it gives, stepped.
fn settle(nodes: &mut [Node<Fake>]) {
    let mut pending = vec![None, None];
    let sets = [(None, vec![0, 1])];
    super::group::couple(nodes, &sets, &[false, false], &mut pending);
    for (node, input) in nodes.iter_mut().zip(pending) {
        if let Some(input) = input {
            node.step(Instant::now(), input);
        }
    }
}

#[test]
fn when_one_family_goes_to_fault_both_give_up_their_vips_and_come_back_together() {
    let (fake4, fake6) = (Fake::default(), Fake::default());
    let (mut nodes, out) = pair(&fake4, &fake6);
    assert!(fake4.has(7, "192.0.2.250") && fake6.has(7, "2001:db8::250"));
    // The IPv6 instance alone loses its interface (in life: its link-local went missing
    // while the interface came back).
    let gone = net(&mut nodes[1], NetEvent::LinkGone);
    nodes[1].step(Instant::now(), gone.expect("fault"));
    assert_eq!(nodes[1].machine.state(), State::Fault);
    settle(&mut nodes);
    // Like a failed check: the IPv4 master hands over (priority 0), then sits in fault.
    assert_eq!(nodes[0].machine.state(), State::Releasing, "{}", out.text());
    while nodes[0].machine.state() == State::Releasing {
        let at = nodes[0].machine.deadline().expect("a releasing node waits");
        nodes[0].step(at, Input::Tick);
    }
    assert_eq!(nodes[0].machine.state(), State::Fault, "{}", out.text());
    assert!(
        !fake4.has(7, "192.0.2.250"),
        "the IPv4 VIP was given up too"
    );
    assert!(
        fake4.log().contains(&"advert 0".to_string()),
        "{:?}",
        fake4.log()
    );
    assert!(
        out.text().contains("vrid 41 IPv4") || out.text().contains("\"family\":\"ipv4\""),
        "{}",
        out.text()
    );
    assert!(
        out.text().contains("IPv6 instance in fault"),
        "{}",
        out.text()
    );
    // The IPv6 instance is usable again: both leave fault.
    fake6.0.borrow_mut().found = Some(iface(9, &["fe80::c0ff:fe00:2c9"]));
    let back = net(&mut nodes[1], NetEvent::LinkAppeared { index: 9, up: true });
    nodes[1].step(Instant::now(), back.expect("link up"));
    settle(&mut nodes);
    assert_eq!(nodes[0].machine.state(), State::Backup);
    assert_eq!(nodes[1].machine.state(), State::Backup);
}

#[test]
fn a_fault_both_share_does_not_hold_either_once_it_ends() {
    let (fake4, fake6) = (Fake::default(), Fake::default());
    let (mut nodes, _) = pair(&fake4, &fake6);
    for node in nodes.iter_mut() {
        let down = net(node, NetEvent::Link(false));
        node.step(Instant::now(), down.expect("link down"));
    }
    settle(&mut nodes);
    assert!(nodes.iter().all(|n| n.machine.state() == State::Fault));
    for node in nodes.iter_mut() {
        let up = net(node, NetEvent::Link(true));
        node.step(Instant::now(), up.expect("link up"));
    }
    settle(&mut nodes);
    assert!(
        nodes.iter().all(|n| n.machine.state() == State::Backup),
        "{:?}",
        nodes.iter().map(|n| n.machine.state()).collect::<Vec<_>>()
    );
}

/// Issue 20 d: the local route of an IPv6 VIP comes a little after the add; the announcement
/// waits for it on the loop's deadline, not in a sleep inside the add that held up the loop
/// (and the other family's instance) up to 100 ms per VIP.
#[test]
fn an_ipv6_announcement_waits_for_the_local_route_on_the_loops_deadline() {
    let vip6: IpAddr = "2001:db8::250".parse().unwrap();
    let flags = ["--vip", "2001:db8::250/64", "--priority", "200"];
    let announces = |fake: &Fake| fake.log().iter().filter(|l| *l == "announce").count();

    // The route comes: the announcement follows it.
    let fake = Fake::default();
    fake.0.borrow_mut().unrouted.push(vip6);
    let (mut n, _) = node(&flags, &fake);
    master(&mut n);
    let log = fake.log();
    assert!(log.contains(&"advert 200".to_string()), "{log:?}");
    assert!(
        log.contains(&"add 2001:db8::250 on 7".to_string()),
        "{log:?}"
    );
    assert_eq!(announces(&fake), 0, "no NA before the route: {log:?}");
    let now = Instant::now();
    let poll = n.io_deadline(now).expect("the loop looks again soon");
    assert!(poll <= now + std::time::Duration::from_millis(1));
    n.release_held_back(now);
    assert_eq!(announces(&fake), 0, "still no route");
    fake.0.borrow_mut().unrouted.clear();
    n.release_held_back(Instant::now());
    assert_eq!(announces(&fake), 5, "the whole burst once routed");
    assert_eq!(n.io_deadline(Instant::now()), None);

    // The route never comes: the announcement goes when the wait is over.
    let fake = Fake::default();
    fake.0.borrow_mut().unrouted.push(vip6);
    let (mut n, _) = node(&flags, &fake);
    master(&mut n);
    // (`master` steps on the machine's deadlines: the takeover came Master_Down_Interval
    // after the start, 3.2 s from now.)
    let still_waiting = n.io_deadline(Instant::now()).expect("waiting");
    n.release_held_back(still_waiting);
    assert_eq!(announces(&fake), 0);
    n.release_held_back(Instant::now() + std::time::Duration::from_secs(10));
    assert_eq!(announces(&fake), 5);

    // The node leaves master first: the waiting announcement is dropped.
    let fake = Fake::default();
    fake.0.borrow_mut().unrouted.push(vip6);
    let (mut n, _) = node(&flags, &fake);
    master(&mut n);
    assert!(!n.step(Instant::now(), Input::LinkDown));
    fake.0.borrow_mut().unrouted.clear();
    n.release_held_back(Instant::now());
    assert_eq!(announces(&fake), 0, "{:?}", fake.log());
}

/// Issue 20's quiet drain: a master that yields hands each IPv6 VIP's address over to a local
/// route (its traffic still lands here, no NS is answered for it) and removes the route when
/// the drain ends; an IPv4 VIP keeps its address for the drain.
#[test]
fn a_yielding_master_drains_its_ipv6_vips_through_a_local_route() {
    let yield_to_higher = |n: &mut Node<Fake>, at: Instant| {
        let p = n.machine.params().clone();
        let mut advert = p.advert(250);
        advert.addrs = p.vips.clone();
        let src = "192.0.2.209".parse().unwrap();
        assert!(!n.step(
            at,
            Input::Advert {
                src,
                advert,
                received: Some(at)
            }
        ));
        assert_eq!(n.machine.state(), State::Backup);
    };
    let fake = Fake::default();
    let (mut n, _) = node(&["--vip", "2001:db8::250/64", "--priority", "200"], &fake);
    master(&mut n);
    let at = Instant::now();
    yield_to_higher(&mut n, at);
    assert!(!fake.has(7, "2001:db8::250"), "{:?}", fake.log());
    assert!(fake
        .0
        .borrow()
        .routes
        .contains(&(7, "2001:db8::250".parse().unwrap())));
    let log = fake.log();
    let route = log.iter().position(|l| l == "route 2001:db8::250 on 7");
    let remove = log.iter().position(|l| l == "remove 2001:db8::250 on 7");
    assert!(
        route.is_some() && route < remove,
        "the route before the address goes: {log:?}"
    );
    let drained = n.machine.deadline().expect("the drain's end");
    assert!(!n.step(drained, Input::Tick));
    assert!(fake.0.borrow().routes.is_empty(), "{:?}", fake.log());

    let v4 = ["--vip", "192.0.2.250/24", "--priority", "200"];
    let fake = Fake::default();
    let (mut n, _) = node(&v4, &fake);
    master(&mut n);
    yield_to_higher(&mut n, Instant::now());
    assert!(
        fake.has(7, "192.0.2.250"),
        "IPv4 keeps its address: {:?}",
        fake.log()
    );
    assert!(fake.0.borrow().routes.is_empty());

    // Unless the interface answers ARP for configured addresses only.
    let fake = Fake::default();
    fake.0.borrow_mut().arp_quiet = true;
    let (mut n, _) = node(&v4, &fake);
    master(&mut n);
    yield_to_higher(&mut n, Instant::now());
    assert!(!fake.has(7, "192.0.2.250"), "{:?}", fake.log());
    assert!(fake
        .0
        .borrow()
        .routes
        .contains(&(7, "192.0.2.250".parse().unwrap())));
}

/// An IPv6 master on SIGTERM, releasing: the instant it began.
fn releasing_ipv6_master(fake: &Fake) -> (Node<Fake>, Instant) {
    let (mut n, _) = node(&["--vip", "2001:db8::250/64", "--priority", "200"], fake);
    master(&mut n);
    let now = Instant::now();
    assert!(!n.step(now, Input::Shutdown));
    (n, now)
}

/// A stopping master keeps answering for its VIPs until its successor has announced them;
/// from then on, for the CLAIM_SETTLE it still waits, it answers no request for them (an
/// IPv6 VIP a local route, as in a yield's drain), and the route goes with the VIPs.
#[test]
fn a_releasing_master_stops_answering_once_its_successor_announced() {
    let fake = Fake::default();
    let (mut n, now) = releasing_ipv6_master(&fake);
    assert_eq!(n.machine.state(), State::Releasing);
    assert!(
        fake.has(7, "2001:db8::250"),
        "answers until a successor announces"
    );
    let p = n.machine.params().clone();
    let mut advert = p.advert(199);
    advert.addrs = p.vips.clone();
    let src = "192.0.2.202".parse().unwrap();
    let heard = now + std::time::Duration::from_millis(300);
    assert!(!n.step(
        heard,
        Input::Advert {
            src,
            advert,
            received: Some(heard)
        }
    ));
    assert!(
        fake.has(7, "2001:db8::250"),
        "an advert is not yet the announcement"
    );
    let by = MacAddr(2, 0, 0, 0, 0, 2);
    let vip = "2001:db8::250".parse().unwrap();
    assert!(!n.step(heard, Input::Claimed { vip, by }));
    assert!(!fake.has(7, "2001:db8::250"), "{:?}", fake.log());
    assert!(fake.0.borrow().routes.contains(&(7, vip)));
    let settled = n.machine.deadline().expect("the settle");
    assert!(n.step(settled, Input::Tick), "exits");
    assert!(fake.0.borrow().routes.is_empty(), "{:?}", fake.log());
}

/// FRR over IPv6 sends its NA an interval before its first advert: a stopping master that
/// hears the announcement first goes quiet then, not an interval later (simulator, mixed
/// seed 7356: a client that asked meanwhile took this MAC after FRR's, and kept it).
#[test]
fn a_releasing_master_goes_quiet_on_an_announcement_before_its_successors_advert() {
    let fake = Fake::default();
    let (mut n, now) = releasing_ipv6_master(&fake);
    let by = MacAddr(2, 0, 0, 0, 0, 2);
    let vip = "2001:db8::250".parse().unwrap();
    let claimed = now + std::time::Duration::from_millis(30);
    assert!(!n.step(claimed, Input::Claimed { vip, by }));
    assert!(!fake.has(7, "2001:db8::250"), "{:?}", fake.log());
    assert!(fake.0.borrow().routes.contains(&(7, vip)));
}

/// A VRRPv3 advert from the master 192.0.2.202 at 10 ms, as the socket hands it over.
fn masters_advert(priority: u8) -> Received {
    let advert = Advert {
        version: crate::wire::Version::V3,
        vrid: 41,
        priority,
        interval_cs: 1,
        auth: crate::wire::Auth::None,
        addrs: vec!["192.0.2.250".parse().unwrap()],
    };
    let src: IpAddr = "192.0.2.202".parse().unwrap();
    let dst: IpAddr = "224.0.0.18".parse().unwrap();
    let payload = crate::wire::vrrp::emit(&advert, src, dst, V3Checksum::Keepalived).unwrap();
    Received {
        ttl: 255,
        src,
        dst,
        payload,
    }
}

#[test]
fn a_backup_reads_its_masters_routine_adverts_late_in_order_with_their_arrival_times() {
    // Real time: the node maps the kernel's arrival stamps (time of day) onto its clock.
    let fake = Fake::default();
    fake.0.borrow_mut().routine_queue = Some(Default::default());
    let flags = ["--vip", "192.0.2.250/24", "--priority", "100"];
    let (mut node, _) = node(
        &[&flags[..], &["--vrrp-version", "3", "--advert-int", "10ms"]].concat(),
        &fake,
    );
    assert!(!node.step(Instant::now(), Input::Start { link_up: true }));
    // The first advert comes the usual way; the node then asks for the next ones aside.
    let packet = masters_advert(200);
    let t1 = Instant::now();
    let input = link_input(
        &mut node,
        LinkEvent::Packet {
            packet: packet.clone(),
            at: t1,
            _slot: None,
        },
    );
    assert!(!node.step(t1, input.unwrap().expect("an advert from a higher master")));
    assert_eq!(fake.0.borrow().routines, [Routine::of(&packet)]);
    let due = node.machine.deadline().expect("a master-down timer");
    // Four more arrive 10 ms apart and wait in the queue, past the timer's first deadline:
    // the loop wakes only then.
    let mut last = t1;
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(10));
        let (mono, wall) = super::node::clocks_together();
        last = mono;
        let queued = (masters_advert(200), wall);
        let mut world = fake.0.borrow_mut();
        world.routine_queue.as_mut().unwrap().push_back(queued);
    }
    let now = Instant::now();
    assert!(now > due);
    // Preempted between its wake-up and the read: the packets' ages grow meanwhile, and
    // taken from the wake-up's `now` they would all look older by this much.
    std::thread::sleep(Duration::from_millis(20));
    assert!(!node.step(now, Input::Tick));
    assert_eq!(
        node.machine.state(),
        State::Backup,
        "the queued adverts came first"
    );
    let moved = node.machine.deadline().unwrap().duration_since(due);
    let expected = last.duration_since(t1);
    let off = moved.abs_diff(expected);
    assert!(
        off < Duration::from_millis(5),
        "timer moved {moved:?}, not {expected:?}: the last advert's arrival"
    );
    // Priority 0 is news: it comes the usual way, and the routine ends.
    let t2 = Instant::now();
    let released = link_input(
        &mut node,
        LinkEvent::Packet {
            packet: masters_advert(0),
            at: t2,
            _slot: None,
        },
    );
    assert!(!node.step(t2, released.unwrap().expect("priority 0 is an advert")));
    assert_eq!(fake.0.borrow().routines.last(), Some(&None));
    assert!(node.machine.deadline().unwrap() <= t2 + Duration::from_millis(10));
}
