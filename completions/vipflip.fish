# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vipflip_global_optspecs
    string join \n h/help V/version
end

function __fish_vipflip_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vipflip_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vipflip_using_subcommand
    set -l cmd (__fish_vipflip_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vipflip -n "__fish_vipflip_needs_command" -s h -l help -d 'Print help'
complete -c vipflip -n "__fish_vipflip_needs_command" -s V -l version -d 'Print version'
complete -c vipflip -n "__fish_vipflip_needs_command" -f -a "run" -d 'Join a VRRP group on an interface and hold the VIP while master'
complete -c vipflip -n "__fish_vipflip_needs_command" -f -a "release" -d 'Remove a VIP left behind (after a killed vipflip or keepalived), and optionally hand over at once'
complete -c vipflip -n "__fish_vipflip_needs_command" -f -a "ping-watch" -d 'Watch an address (a VIP) and report every outage: when, how long, probes lost, and the MAC that answered before and after'
complete -c vipflip -n "__fish_vipflip_needs_command" -f -a "probe" -d 'Listen on an interface: who is master of each VRRP group, who else speaks, and which MACs answer for each VIP'
complete -c vipflip -n "__fish_vipflip_needs_command" -f -a "demo" -d 'Show a failover on this one machine: three nodes and a client in network namespaces of their own'
complete -c vipflip -n "__fish_vipflip_needs_command" -f -a "status" -d 'What the vipflip instances on this node are doing now: state and since when, priority, master, VIPs'
complete -c vipflip -n "__fish_vipflip_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l vip -d 'Virtual IP to hold while master, with prefix length (repeatable). IPv4 and IPv6 VIPs together run as two VRRPv3 instances of the VRID that move together. Required unless --keepalived-conf gives it' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l iface -l interface -d 'Interface to run VRRP on and to add the VIP to (keepalived: interface)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l vrid -d 'Virtual router ID shared by all nodes of the group, 1-255 (keepalived: virtual_router_id)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l priority -d 'Priority 1-254 (default 100); the highest live node is master. 255 = address owner, master at once' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l advert-int -d 'Advert interval (default 1s), e.g. 1s, 100ms. Below 1s needs --vrrp-version 3 (10 ms steps, up to 40.95s)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l vrrp-version -d 'VRRP version: 2 (RFC 3768) or 3 (RFC 5798/9568). Default 2 for IPv4 (as keepalived), 3 for IPv6 and for IPv4 and IPv6 together' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l state -d 'keepalived\'s initial state: master listens one advert interval (plus the smallest Skew_Time, that of priority 255: keepalived\'s VRRP_TIMER_SKEW_MIN) at start instead of Master_Down_Interval, and cannot be combined with --no-preempt or --preempt-delay (keepalived: state MASTER)' -r -f -a "master\t''
backup\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l preempt-delay -d 'Wait this long before preempting a lower-priority master, up to 1h (keepalived: preempt_delay)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l v3-checksum -d 'Checksum form of VRRPv3 over IPv4 to send: keepalived (with pseudo-header) or rfc9568 (message only). Both are accepted on receive' -r -f -a "keepalived\t''
rfc9568\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l auth-pass -d 'VRRPv2 simple password, only to join keepalived groups with auth_type PASS. Not security: it is sent in clear text' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l garp-repeat -d 'Gratuitous ARPs / unsolicited NAs per VIP on becoming master (default 5)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l garp-delay -d 'Repeat the announcement burst this long after becoming master (default 5s; 0 = never; up to 1h)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l garp-refresh -d 'While master, announce the VIPs again this often (keepalived: garp_master_refresh; default never)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l garp-refresh-repeat -d 'Gratuitous ARP / NA rounds per refresh (keepalived: garp_master_refresh_repeat)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l vmac -d 'Hold the VIP on the RFC\'s virtual MAC (00:00:5e:00:01:VRID; IPv6 00:00:5e:00:02:VRID), on a macvlan of --iface named NAME (default vrrp.VRID; IPv6 vrrp6.VRID), so clients keep one neighbour entry through every failover (keepalived: use_vmac). Sets arp_ignore=1 and arp_announce=2 on --iface for IPv4, restored at exit' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l unicast-peer -d 'Send adverts to this peer instead of the multicast group (repeatable; for networks that drop multicast). Adverts from other addresses are dropped (keepalived: unicast_peer)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l unicast-src -d 'Address of --iface to send unicast adverts from (default: its primary address; keepalived: unicast_src_ip)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-cmd -d 'Health check: a command, healthy when it exits 0 (repeatable; split at spaces, run without a shell)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-tcp -d 'Health check: a TCP connect to HOST:PORT (repeatable)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-http -d 'Health check: an HTTP GET, healthy on a 2xx or 3xx status (repeatable; http:// only)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-interval -d 'How often each check runs (10ms to 1h; default 1s)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-timeout -d 'A check taking longer fails (a command is killed). Default: the --track-interval; up to 1h' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-rise -d 'Successes in a row before a failed check counts as healthy again (default 1)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-fall -d 'Failures in a row before a check counts as failed (default 1). A check\'s first result decides at once, as in keepalived' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-iface -d 'Go to fault while this interface is down (repeatable; keepalived\'s track_interface)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l track-weight -d 'A failing check lowers the advertised priority by N (keepalived\'s weight). Without it a failing check sends the node to fault, handing the VIP over' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l on-master -d 'Run CMD on becoming master, with the arguments INSTANCE NAME MASTER PRIORITY and VIPFLIP_* variables (no shell)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l on-backup -d 'Run CMD on becoming backup' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l on-fault -d 'Run CMD on entering fault (interface down or a failed check)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l on-stop -d 'Run CMD when vipflip stops' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l on-change -d 'Run CMD on every change above (keepalived\'s notify)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l hook-timeout -d 'A hook running longer is killed (default 10s, up to 1h)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l args-file -d 'Read more flags from FILE, one per line with its value as the rest of the line (`--track-cmd systemctl is-active nginx`: no quoting, spaces stay in the value; `#` starts a comment line). For systemd units, where $VAR splits at every space' -r -F
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l keepalived-conf -d 'Run a keepalived.conf: every vrrp_instance in one process (or --instance\'s), read as keepalived reads it; flags given here override it' -r -F
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l instance -d 'Run only this vrrp_instance of --keepalived-conf (needed to override its settings with flags when the file has several)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l config-id -d 'Which `@ID` lines of --keepalived-conf count (keepalived -i); default: the host name up to its first dot, as keepalived' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l color -d 'When to color the output (default auto: on a terminal, never with NO_COLOR set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l no-vip -d 'Run without a VIP: state, adverts and hooks only, as keepalived runs an instance without virtual_ipaddress (the cloud floating-IP pattern: an --on-master hook moves the address). VRRPv2 only, as in keepalived'
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l no-preempt -d 'Do not take over from a live lower-priority master (keepalived: nopreempt)'
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l dont-track-primary -d 'Do not go to fault while --iface is down (keepalived: dont_track_primary)'
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l check -d 'Check everything up to the first packet, then stop: the flags or keepalived.conf, the interface and its addresses, the programs of --track-cmd and --on-*. Prints the effective settings and the equivalent `vipflip run` command; adds no address and sends nothing (no root needed). Exit 0, or 2 with the error (as keepalived -t)'
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -l json -d 'One JSON object per line instead of text, for scripts'
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipflip -n "__fish_vipflip_using_subcommand run" -s V -l version -d 'Print version'
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l vip -d 'VIP to remove, with prefix length (repeatable)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l iface -l interface -d 'Interface the VIP is on' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l vrid -d 'Also send one priority-0 advert for this VRID so a backup takes over after Skew_Time' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l vrrp-version -d 'VRRP version of that advert. Default 2 for IPv4, 3 for IPv6' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l advert-int -d 'The group\'s advert interval, carried in that advert (default 1s)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l auth-pass -d 'The group\'s VRRPv2 password, if it uses keepalived\'s auth_type PASS' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l v3-checksum -d 'Checksum form of that advert for VRRPv3 over IPv4' -r -f -a "keepalived\t''
rfc9568\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l color -d 'When to color the output (default auto: on a terminal, never with NO_COLOR set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -l json -d 'One JSON object per line instead of text, for scripts'
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipflip -n "__fish_vipflip_using_subcommand release" -s V -l version -d 'Print version'
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -s i -l interval -d 'Time between probes, 10ms to 1h (default 100ms); a bare number is seconds, as ping\'s -i' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -s c -l count -d 'Stop after this many probes (as ping\'s -c)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -l duration -d 'Stop after this long (up to 1 week)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -l tcp -d 'Probe with TCP connects to this port instead of ICMP echo' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -l max-outage -d 'Exit 1 if any outage lasted longer than this (up to 1h)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -l color -d 'When to color the output (default auto: on a terminal, never with NO_COLOR set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -l json -d 'One JSON object per line instead of text, for scripts'
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipflip -n "__fish_vipflip_using_subcommand ping-watch" -s V -l version -d 'Print version'
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -l iface -l interface -d 'Interface to listen on' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -l vrid -d 'Report only this VRID' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -l vip -d 'Also ask who holds this address (repeatable), advertised or not; a /LEN is ignored' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -l duration -d 'How long to listen before reporting (default 3s: three advert intervals catch every master; up to 1 day)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -l color -d 'When to color the output (default auto: on a terminal, never with NO_COLOR set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -l watch -d 'After the report, keep listening and print each change until interrupted'
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -l json -d 'One JSON object per line instead of text, for scripts'
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipflip -n "__fish_vipflip_using_subcommand probe" -s V -l version -d 'Print version'
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -l nodes -d 'Nodes in the group, 2 to 8 (default 3), priorities 200, 199, 198, ...' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -l advert-int -d 'Advert interval of every node (VRRPv3: 10ms to 40s; VRRPv2: whole seconds). Default 100ms, 1s with --vrrp-version 2' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -l vrrp-version -d 'VRRP version the nodes speak (default 3)' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -l color -d 'When to color the output (default auto: on a terminal, never with NO_COLOR set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -l keep -d 'After the story, leave the lab running and say how to look inside, until Ctrl-C'
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -l json -d 'One JSON object per line instead of text, for scripts'
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipflip -n "__fish_vipflip_using_subcommand demo" -s V -l version -d 'Print version'
complete -c vipflip -n "__fish_vipflip_using_subcommand status" -l iface -l interface -d 'Only instances on this interface' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand status" -l vrid -d 'Only this VRID' -r
complete -c vipflip -n "__fish_vipflip_using_subcommand status" -l color -d 'When to color the output (default auto: on a terminal, never with NO_COLOR set)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c vipflip -n "__fish_vipflip_using_subcommand status" -l json -d 'One JSON object per line instead of text, for scripts'
complete -c vipflip -n "__fish_vipflip_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vipflip -n "__fish_vipflip_using_subcommand status" -s V -l version -d 'Print version'
complete -c vipflip -n "__fish_vipflip_using_subcommand help; and not __fish_seen_subcommand_from run release ping-watch probe demo status help" -f -a "run" -d 'Join a VRRP group on an interface and hold the VIP while master'
complete -c vipflip -n "__fish_vipflip_using_subcommand help; and not __fish_seen_subcommand_from run release ping-watch probe demo status help" -f -a "release" -d 'Remove a VIP left behind (after a killed vipflip or keepalived), and optionally hand over at once'
complete -c vipflip -n "__fish_vipflip_using_subcommand help; and not __fish_seen_subcommand_from run release ping-watch probe demo status help" -f -a "ping-watch" -d 'Watch an address (a VIP) and report every outage: when, how long, probes lost, and the MAC that answered before and after'
complete -c vipflip -n "__fish_vipflip_using_subcommand help; and not __fish_seen_subcommand_from run release ping-watch probe demo status help" -f -a "probe" -d 'Listen on an interface: who is master of each VRRP group, who else speaks, and which MACs answer for each VIP'
complete -c vipflip -n "__fish_vipflip_using_subcommand help; and not __fish_seen_subcommand_from run release ping-watch probe demo status help" -f -a "demo" -d 'Show a failover on this one machine: three nodes and a client in network namespaces of their own'
complete -c vipflip -n "__fish_vipflip_using_subcommand help; and not __fish_seen_subcommand_from run release ping-watch probe demo status help" -f -a "status" -d 'What the vipflip instances on this node are doing now: state and since when, priority, master, VIPs'
complete -c vipflip -n "__fish_vipflip_using_subcommand help; and not __fish_seen_subcommand_from run release ping-watch probe demo status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
