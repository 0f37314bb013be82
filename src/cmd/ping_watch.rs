//! `vipflip ping-watch`: probe an address at a steady rate, report outages as they end.
//! A receive thread reads whole frames (AF_PACKET) so each reply comes with its MAC; TCP
//! probes run on short-lived threads; the loop owns the tracker.

use std::net::{IpAddr, SocketAddr};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime};

use crate::cli::PingWatchArgs;
use crate::config::{ping_watch_config, PingWatchConfig};
use crate::error::{Error, Result};
use crate::json::Json;
use crate::net::caps::{require, NET_RAW};
use crate::net::frames::{spawn_reader, FrameSocket};
use crate::net::icmp::IcmpSender;
use crate::net::signals::on_stop;
use crate::net::tcp;
use crate::outage::{Event, Outage, Tracker};
use crate::ui::{Level, OutageLine, Ui, WatchSummary};
use crate::wire::announce::MacAddr;
use crate::wire::echo::{echo_reply, echo_request, mac_of_sender};

/// A probe unanswered this long is lost even if no later probe is answered.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
const STATUS_EVERY: Duration = Duration::from_millis(200);

enum Msg {
    Echo {
        seq16: u16,
        at: Instant,
        mac: MacAddr,
    },
    /// TCP mode: a frame from the target, to know which MAC answers.
    Seen(MacAddr),
    Tcp {
        seq: u64,
        ok: bool,
        at: Instant,
    },
    Stop,
    ReceiveFailed(String),
}

/// How probes are sent.
enum Prober {
    Icmp { sender: IcmpSender, ident: u16 },
    Tcp { target: SocketAddr, tx: Sender<Msg> },
}

pub fn ping_watch(flags: &PingWatchArgs) -> Result<i32> {
    let cfg = ping_watch_config(flags)?;
    let mut ui = super::stdout_ui(&flags.output);
    require(
        &[NET_RAW],
        "ping-watch sends ICMP echo and reads the replies with their MAC",
    )?;
    let frames = FrameSocket::open(0, true)?;
    let ident = (std::process::id() & 0xffff) as u16;
    let (tx, rx) = mpsc::channel();
    let prober = match cfg.tcp {
        None => Prober::Icmp {
            sender: IcmpSender::open(cfg.addr)?,
            ident,
        },
        Some(port) => Prober::Tcp {
            target: SocketAddr::new(cfg.addr, port),
            tx: tx.clone(),
        },
    };
    spawn_receiver(
        frames,
        cfg.addr,
        cfg.tcp.is_none().then_some(ident),
        tx.clone(),
    )?;
    let stop_tx = tx.clone();
    on_stop(move || {
        let _ = stop_tx.send(Msg::Stop);
    })?;
    let how = match cfg.tcp {
        None => "ICMP echo".to_string(),
        Some(port) => format!("TCP connects to port {port}"),
    };
    let text = format!(
        "watching {} with {how} every {} (Ctrl-C to stop)",
        cfg.addr,
        humantime::format_duration(cfg.interval)
    );
    let mut fields = Json::default()
        .str("addr", cfg.addr)
        .raw("interval_ms", cfg.interval.as_millis());
    if let Some(port) = cfg.tcp {
        fields = fields.raw("tcp_port", port);
    }
    ui.tell(Level::Plain, "watch-start", 0, &text, fields);
    let mut watch = Watch {
        cfg: &cfg,
        ui,
        prober,
        tracker: Tracker::new(PROBE_TIMEOUT),
        seen_mac: None,
        seq: 0,
    };
    watch.run(&rx)
}

fn spawn_receiver(
    frames: FrameSocket,
    target: IpAddr,
    ident: Option<u16>,
    tx: Sender<Msg>,
) -> Result<()> {
    let failed = tx.clone();
    let on_frame = move |frame: Vec<u8>, at| {
        let msg = match ident {
            Some(ident) => {
                echo_reply(&frame, target, ident).map(|(seq16, mac)| Msg::Echo { seq16, at, mac })
            }
            None => mac_of_sender(&frame, target).map(Msg::Seen),
        };
        msg.is_none_or(|msg| tx.send(msg).is_ok())
    };
    let on_error = move |cause| {
        let _ = failed.send(Msg::ReceiveFailed(cause));
    };
    spawn_reader(
        std::sync::Arc::new(frames),
        "ping-watch-receive",
        on_frame,
        on_error,
    )
}

struct Watch<'a> {
    cfg: &'a PingWatchConfig,
    ui: Ui,
    prober: Prober,
    tracker: Tracker,
    seen_mac: Option<MacAddr>,
    seq: u64,
}

impl Watch<'_> {
    fn run(&mut self, rx: &Receiver<Msg>) -> Result<i32> {
        let start = Instant::now();
        let (mut next_probe, mut next_status) = (start, start);
        let mut draining: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if draining.is_none() && now >= next_probe {
                self.probe(now);
                next_probe = (next_probe + self.cfg.interval).max(now);
                if self.done_sending(start, now) {
                    draining = Some(now + PROBE_TIMEOUT);
                }
            }
            if now >= next_status {
                self.draw_status();
                next_status = now + STATUS_EVERY;
            }
            self.tracker.expire(now);
            if draining.is_some_and(|end| now >= end || self.tracker.in_flight() == 0) {
                break;
            }
            let wake = [Some(next_probe), Some(next_status), draining]
                .into_iter()
                .flatten()
                .min();
            let wait = wake
                .map(|w| w.saturating_duration_since(Instant::now()))
                .unwrap_or(STATUS_EVERY);
            match rx.recv_timeout(wait) {
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(Msg::ReceiveFailed(cause)) => {
                    return Err(Error::new("reading replies failed", cause))
                }
                Ok(msg) => self.handle(msg),
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        Ok(self.finish())
    }

    fn done_sending(&self, start: Instant, now: Instant) -> bool {
        self.cfg.count.is_some_and(|n| self.seq >= n)
            || self.cfg.duration.is_some_and(|d| now >= start + d)
    }

    fn probe(&mut self, now: Instant) {
        let seq = self.seq;
        self.seq += 1;
        self.tracker.sent(seq, now);
        match &self.prober {
            Prober::Icmp { sender, ident } => {
                // A failed send (no route) is a lost probe like any other.
                let _ = sender.send(&echo_request(
                    self.cfg.addr.is_ipv6(),
                    *ident,
                    (seq & 0xffff) as u16,
                ));
            }
            Prober::Tcp { target, tx } => {
                let tx = tx.clone();
                tcp::probe(*target, PROBE_TIMEOUT, move |ok, at| {
                    let _ = tx.send(Msg::Tcp { seq, ok, at });
                });
            }
        }
    }

    fn handle(&mut self, msg: Msg) {
        let events = match msg {
            Msg::Echo { seq16, at, mac } => match self.tracker.pending_seq(seq16) {
                Some(seq) => self.tracker.answered(seq, at, Some(mac)),
                None => Vec::new(),
            },
            Msg::Seen(mac) => {
                self.seen_mac = Some(mac);
                Vec::new()
            }
            Msg::Tcp { seq, ok: true, at } => self.tracker.answered(seq, at, self.seen_mac),
            Msg::Tcp { seq, ok: false, .. } => {
                self.tracker.failed(seq);
                Vec::new()
            }
            Msg::Stop | Msg::ReceiveFailed(_) => Vec::new(),
        };
        for event in events {
            match event {
                Event::OutageEnded(outage) => self.report(&outage, false),
                Event::MacChanged { from, to } => {
                    self.ui.answered_by(
                        self.cfg.addr,
                        from.map(|m| m.to_string()),
                        &to.to_string(),
                    );
                }
            }
        }
    }

    fn report(&mut self, outage: &Outage, ongoing: bool) {
        let ago = Instant::now().saturating_duration_since(outage.start);
        self.ui.outage(&OutageLine {
            start: SystemTime::now() - ago,
            length: outage.length,
            lost: outage.lost,
            mac_before: outage.mac_before.map(|m| m.to_string()),
            mac_after: outage.mac_after.map(|m| m.to_string()),
            ongoing,
        });
    }

    fn draw_status(&mut self) {
        let t = &self.tracker;
        let mac = t.mac.map(|m| m.to_string()).unwrap_or_else(|| "-".into());
        let rtt = t
            .last_rtt
            .map(|r| format!("{:.2}ms", r.as_secs_f64() * 1000.0))
            .unwrap_or_else(|| "-".into());
        let state = if t.in_outage() { "  OUTAGE" } else { "" };
        let text = format!(
            "sent {}  lost {}  mac {mac}  rtt {rtt}{state}",
            t.sent, t.lost
        );
        self.ui.status(&text);
    }

    /// Prints the summary; the exit code (1: nothing answered, or an outage over --max-outage).
    fn finish(&mut self) -> i32 {
        let now = Instant::now();
        let ongoing = self.tracker.ongoing(now);
        if let Some(outage) = &ongoing {
            self.report(outage, true);
        }
        let t = &self.tracker;
        let longest = t
            .longest()
            .into_iter()
            .chain(ongoing.as_ref().map(|o| o.length))
            .max();
        let outages = t.outages.len() + usize::from(ongoing.is_some());
        let summary = WatchSummary {
            addr: self.cfg.addr,
            sent: t.sent,
            received: t.received,
            outages,
            longest,
            mac_changes: t.mac_changes,
        };
        self.ui.watch_summary(&summary);
        if t.received == 0 {
            return 1;
        }
        match (self.cfg.max_outage, longest) {
            (Some(max), Some(longest)) if longest > max => {
                let msg = format!(
                    "longest outage {:.3}s exceeds --max-outage {:.3}s",
                    longest.as_secs_f64(),
                    max.as_secs_f64()
                );
                let fields = Json::default()
                    .raw("longest_ms", longest.as_millis())
                    .raw("max_ms", max.as_millis());
                self.ui
                    .tell(Level::Warn, "max-outage-exceeded", 0, &msg, fields);
                1
            }
            _ => 0,
        }
    }
}
