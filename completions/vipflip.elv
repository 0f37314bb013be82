
use builtin;
use str;

set edit:completion:arg-completer[vipflip] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'vipflip'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'vipflip'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand run 'Join a VRRP group on an interface and hold the VIP while master'
            cand release 'Remove a VIP left behind (after a killed vipflip or keepalived), and optionally hand over at once'
            cand ping-watch 'Watch an address (a VIP) and report every outage: when, how long, probes lost, and the MAC that answered before and after'
            cand probe 'Listen on an interface: who is master of each VRRP group, who else speaks, and which MACs answer for each VIP'
            cand demo 'Show a failover on this one machine: three nodes and a client in network namespaces of their own'
            cand status 'What the vipflip instances on this node are doing now: state and since when, priority, master, VIPs'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vipflip;run'= {
            cand --vip 'Virtual IP to hold while master, with prefix length (repeatable). IPv4 and IPv6 VIPs together run as two VRRPv3 instances of the VRID that move together. Required unless --keepalived-conf gives it'
            cand --iface 'Interface to run VRRP on and to add the VIP to (keepalived: interface)'
            cand --interface 'Interface to run VRRP on and to add the VIP to (keepalived: interface)'
            cand --vrid 'Virtual router ID shared by all nodes of the group, 1-255 (keepalived: virtual_router_id)'
            cand --priority 'Priority 1-254 (default 100); the highest live node is master. 255 = address owner, master at once'
            cand --advert-int 'Advert interval (default 1s), e.g. 1s, 100ms. Below 1s needs --vrrp-version 3 (10 ms steps, up to 40.95s)'
            cand --vrrp-version 'VRRP version: 2 (RFC 3768) or 3 (RFC 5798/9568). Default 2 for IPv4 (as keepalived), 3 for IPv6 and for IPv4 and IPv6 together'
            cand --state 'keepalived''s initial state: master listens one advert interval (plus the smallest Skew_Time, that of priority 255: keepalived''s VRRP_TIMER_SKEW_MIN) at start instead of Master_Down_Interval, and cannot be combined with --no-preempt or --preempt-delay (keepalived: state MASTER)'
            cand --preempt-delay 'Wait this long before preempting a lower-priority master, up to 1h (keepalived: preempt_delay)'
            cand --v3-checksum 'Checksum form of VRRPv3 over IPv4 to send: keepalived (with pseudo-header) or rfc9568 (message only). Both are accepted on receive'
            cand --auth-pass 'VRRPv2 simple password, only to join keepalived groups with auth_type PASS. Not security: it is sent in clear text'
            cand --garp-repeat 'Gratuitous ARPs / unsolicited NAs per VIP on becoming master (default 5)'
            cand --garp-delay 'Repeat the announcement burst this long after becoming master (default 5s; 0 = never; up to 1h)'
            cand --garp-refresh 'While master, announce the VIPs again this often (keepalived: garp_master_refresh; default never)'
            cand --garp-refresh-repeat 'Gratuitous ARP / NA rounds per refresh (keepalived: garp_master_refresh_repeat)'
            cand --vmac 'Hold the VIP on the RFC''s virtual MAC (00:00:5e:00:01:VRID; IPv6 00:00:5e:00:02:VRID), on a macvlan of --iface named NAME (default vrrp.VRID; IPv6 vrrp6.VRID), so clients keep one neighbour entry through every failover (keepalived: use_vmac). Sets arp_ignore=1 and arp_announce=2 on --iface for IPv4, restored at exit'
            cand --unicast-peer 'Send adverts to this peer instead of the multicast group (repeatable; for networks that drop multicast). Adverts from other addresses are dropped (keepalived: unicast_peer)'
            cand --unicast-src 'Address of --iface to send unicast adverts from (default: its primary address; keepalived: unicast_src_ip)'
            cand --track-cmd 'Health check: a command, healthy when it exits 0 (repeatable; split at spaces, run without a shell)'
            cand --track-tcp 'Health check: a TCP connect to HOST:PORT (repeatable)'
            cand --track-http 'Health check: an HTTP GET, healthy on a 2xx or 3xx status (repeatable; http:// only)'
            cand --track-interval 'How often each check runs (10ms to 1h; default 1s)'
            cand --track-timeout 'A check taking longer fails (a command is killed). Default: the --track-interval; up to 1h'
            cand --track-rise 'Successes in a row before a failed check counts as healthy again (default 1)'
            cand --track-fall 'Failures in a row before a check counts as failed (default 1). A check''s first result decides at once, as in keepalived'
            cand --track-iface 'Go to fault while this interface is down (repeatable; keepalived''s track_interface)'
            cand --track-weight 'A failing check lowers the advertised priority by N (keepalived''s weight). Without it a failing check sends the node to fault, handing the VIP over'
            cand --on-master 'Run CMD on becoming master, with the arguments INSTANCE NAME MASTER PRIORITY and VIPFLIP_* variables (no shell)'
            cand --on-backup 'Run CMD on becoming backup'
            cand --on-fault 'Run CMD on entering fault (interface down or a failed check)'
            cand --on-stop 'Run CMD when vipflip stops'
            cand --on-change 'Run CMD on every change above (keepalived''s notify)'
            cand --hook-timeout 'A hook running longer is killed (default 10s, up to 1h)'
            cand --args-file 'Read more flags from FILE, one per line with its value as the rest of the line (`--track-cmd systemctl is-active nginx`: no quoting, spaces stay in the value; `#` starts a comment line). For systemd units, where $VAR splits at every space'
            cand --keepalived-conf 'Run a keepalived.conf: every vrrp_instance in one process (or --instance''s), read as keepalived reads it; flags given here override it'
            cand --instance 'Run only this vrrp_instance of --keepalived-conf (needed to override its settings with flags when the file has several)'
            cand --config-id 'Which `@ID` lines of --keepalived-conf count (keepalived -i); default: the host name up to its first dot, as keepalived'
            cand --color 'When to color the output (default auto: on a terminal, never with NO_COLOR set)'
            cand --no-vip 'Run without a VIP: state, adverts and hooks only, as keepalived runs an instance without virtual_ipaddress (the cloud floating-IP pattern: an --on-master hook moves the address). VRRPv2 only, as in keepalived'
            cand --no-preempt 'Do not take over from a live lower-priority master (keepalived: nopreempt)'
            cand --dont-track-primary 'Do not go to fault while --iface is down (keepalived: dont_track_primary)'
            cand --check 'Check everything up to the first packet, then stop: the flags or keepalived.conf, the interface and its addresses, the programs of --track-cmd and --on-*. Prints the effective settings and the equivalent `vipflip run` command; adds no address and sends nothing (no root needed). Exit 0, or 2 with the error (as keepalived -t)'
            cand --json 'One JSON object per line instead of text, for scripts'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vipflip;release'= {
            cand --vip 'VIP to remove, with prefix length (repeatable)'
            cand --iface 'Interface the VIP is on'
            cand --interface 'Interface the VIP is on'
            cand --vrid 'Also send one priority-0 advert for this VRID so a backup takes over after Skew_Time'
            cand --vrrp-version 'VRRP version of that advert. Default 2 for IPv4, 3 for IPv6'
            cand --advert-int 'The group''s advert interval, carried in that advert (default 1s)'
            cand --auth-pass 'The group''s VRRPv2 password, if it uses keepalived''s auth_type PASS'
            cand --v3-checksum 'Checksum form of that advert for VRRPv3 over IPv4'
            cand --color 'When to color the output (default auto: on a terminal, never with NO_COLOR set)'
            cand --json 'One JSON object per line instead of text, for scripts'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vipflip;ping-watch'= {
            cand -i 'Time between probes, 10ms to 1h (default 100ms); a bare number is seconds, as ping''s -i'
            cand --interval 'Time between probes, 10ms to 1h (default 100ms); a bare number is seconds, as ping''s -i'
            cand -c 'Stop after this many probes (as ping''s -c)'
            cand --count 'Stop after this many probes (as ping''s -c)'
            cand --duration 'Stop after this long (up to 1 week)'
            cand --tcp 'Probe with TCP connects to this port instead of ICMP echo'
            cand --max-outage 'Exit 1 if any outage lasted longer than this (up to 1h)'
            cand --color 'When to color the output (default auto: on a terminal, never with NO_COLOR set)'
            cand --json 'One JSON object per line instead of text, for scripts'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vipflip;probe'= {
            cand --iface 'Interface to listen on'
            cand --interface 'Interface to listen on'
            cand --vrid 'Report only this VRID'
            cand --vip 'Also ask who holds this address (repeatable), advertised or not; a /LEN is ignored'
            cand --duration 'How long to listen before reporting (default 3s: three advert intervals catch every master; up to 1 day)'
            cand --color 'When to color the output (default auto: on a terminal, never with NO_COLOR set)'
            cand --watch 'After the report, keep listening and print each change until interrupted'
            cand --json 'One JSON object per line instead of text, for scripts'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vipflip;demo'= {
            cand --nodes 'Nodes in the group, 2 to 8 (default 3), priorities 200, 199, 198, ...'
            cand --advert-int 'Advert interval of every node (VRRPv3: 10ms to 40s; VRRPv2: whole seconds). Default 100ms, 1s with --vrrp-version 2'
            cand --vrrp-version 'VRRP version the nodes speak (default 3)'
            cand --color 'When to color the output (default auto: on a terminal, never with NO_COLOR set)'
            cand --keep 'After the story, leave the lab running and say how to look inside, until Ctrl-C'
            cand --json 'One JSON object per line instead of text, for scripts'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vipflip;status'= {
            cand --iface 'Only instances on this interface'
            cand --interface 'Only instances on this interface'
            cand --vrid 'Only this VRID'
            cand --color 'When to color the output (default auto: on a terminal, never with NO_COLOR set)'
            cand --json 'One JSON object per line instead of text, for scripts'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'vipflip;help'= {
            cand run 'Join a VRRP group on an interface and hold the VIP while master'
            cand release 'Remove a VIP left behind (after a killed vipflip or keepalived), and optionally hand over at once'
            cand ping-watch 'Watch an address (a VIP) and report every outage: when, how long, probes lost, and the MAC that answered before and after'
            cand probe 'Listen on an interface: who is master of each VRRP group, who else speaks, and which MACs answer for each VIP'
            cand demo 'Show a failover on this one machine: three nodes and a client in network namespaces of their own'
            cand status 'What the vipflip instances on this node are doing now: state and since when, priority, master, VIPs'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vipflip;help;run'= {
        }
        &'vipflip;help;release'= {
        }
        &'vipflip;help;ping-watch'= {
        }
        &'vipflip;help;probe'= {
        }
        &'vipflip;help;demo'= {
        }
        &'vipflip;help;status'= {
        }
        &'vipflip;help;help'= {
        }
    ]
    $completions[$command]
}
