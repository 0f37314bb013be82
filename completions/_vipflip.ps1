
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'vipflip' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'vipflip'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'vipflip' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Join a VRRP group on an interface and hold the VIP while master')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Remove a VIP left behind (after a killed vipflip or keepalived), and optionally hand over at once')
            [CompletionResult]::new('ping-watch', 'ping-watch', [CompletionResultType]::ParameterValue, 'Watch an address (a VIP) and report every outage: when, how long, probes lost, and the MAC that answered before and after')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Listen on an interface: who is master of each VRRP group, who else speaks, and which MACs answer for each VIP')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Show a failover on this one machine: three nodes and a client in network namespaces of their own')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'What the vipflip instances on this node are doing now: state and since when, priority, master, VIPs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vipflip;run' {
            [CompletionResult]::new('--vip', '--vip', [CompletionResultType]::ParameterName, 'Virtual IP to hold while master, with prefix length (repeatable). IPv4 and IPv6 VIPs together run as two VRRPv3 instances of the VRID that move together. Required unless --keepalived-conf gives it')
            [CompletionResult]::new('--iface', '--iface', [CompletionResultType]::ParameterName, 'Interface to run VRRP on and to add the VIP to (keepalived: interface)')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Interface to run VRRP on and to add the VIP to (keepalived: interface)')
            [CompletionResult]::new('--vrid', '--vrid', [CompletionResultType]::ParameterName, 'Virtual router ID shared by all nodes of the group, 1-255 (keepalived: virtual_router_id)')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Priority 1-254 (default 100); the highest live node is master. 255 = address owner, master at once')
            [CompletionResult]::new('--advert-int', '--advert-int', [CompletionResultType]::ParameterName, 'Advert interval (default 1s), e.g. 1s, 100ms. Below 1s needs --vrrp-version 3 (10 ms steps, up to 40.95s)')
            [CompletionResult]::new('--vrrp-version', '--vrrp-version', [CompletionResultType]::ParameterName, 'VRRP version: 2 (RFC 3768) or 3 (RFC 5798/9568). Default 2 for IPv4 (as keepalived), 3 for IPv6 and for IPv4 and IPv6 together')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'keepalived''s initial state: master listens one advert interval (plus the smallest Skew_Time, that of priority 255: keepalived''s VRRP_TIMER_SKEW_MIN) at start instead of Master_Down_Interval, and cannot be combined with --no-preempt or --preempt-delay (keepalived: state MASTER)')
            [CompletionResult]::new('--preempt-delay', '--preempt-delay', [CompletionResultType]::ParameterName, 'Wait this long before preempting a lower-priority master, up to 1h (keepalived: preempt_delay)')
            [CompletionResult]::new('--v3-checksum', '--v3-checksum', [CompletionResultType]::ParameterName, 'Checksum form of VRRPv3 over IPv4 to send: keepalived (with pseudo-header) or rfc9568 (message only). Both are accepted on receive')
            [CompletionResult]::new('--auth-pass', '--auth-pass', [CompletionResultType]::ParameterName, 'VRRPv2 simple password, only to join keepalived groups with auth_type PASS. Not security: it is sent in clear text')
            [CompletionResult]::new('--garp-repeat', '--garp-repeat', [CompletionResultType]::ParameterName, 'Gratuitous ARPs / unsolicited NAs per VIP on becoming master (default 5)')
            [CompletionResult]::new('--garp-delay', '--garp-delay', [CompletionResultType]::ParameterName, 'Repeat the announcement burst this long after becoming master (default 5s; 0 = never; up to 1h)')
            [CompletionResult]::new('--garp-refresh', '--garp-refresh', [CompletionResultType]::ParameterName, 'While master, announce the VIPs again this often (keepalived: garp_master_refresh; default never)')
            [CompletionResult]::new('--garp-refresh-repeat', '--garp-refresh-repeat', [CompletionResultType]::ParameterName, 'Gratuitous ARP / NA rounds per refresh (keepalived: garp_master_refresh_repeat)')
            [CompletionResult]::new('--vmac', '--vmac', [CompletionResultType]::ParameterName, 'Hold the VIP on the RFC''s virtual MAC (00:00:5e:00:01:VRID; IPv6 00:00:5e:00:02:VRID), on a macvlan of --iface named NAME (default vrrp.VRID; IPv6 vrrp6.VRID), so clients keep one neighbour entry through every failover (keepalived: use_vmac). Sets arp_ignore=1 and arp_announce=2 on --iface for IPv4, restored at exit')
            [CompletionResult]::new('--unicast-peer', '--unicast-peer', [CompletionResultType]::ParameterName, 'Send adverts to this peer instead of the multicast group (repeatable; for networks that drop multicast). Adverts from other addresses are dropped (keepalived: unicast_peer)')
            [CompletionResult]::new('--unicast-src', '--unicast-src', [CompletionResultType]::ParameterName, 'Address of --iface to send unicast adverts from (default: its primary address; keepalived: unicast_src_ip)')
            [CompletionResult]::new('--track-cmd', '--track-cmd', [CompletionResultType]::ParameterName, 'Health check: a command, healthy when it exits 0 (repeatable; split at spaces, run without a shell)')
            [CompletionResult]::new('--track-tcp', '--track-tcp', [CompletionResultType]::ParameterName, 'Health check: a TCP connect to HOST:PORT (repeatable)')
            [CompletionResult]::new('--track-http', '--track-http', [CompletionResultType]::ParameterName, 'Health check: an HTTP GET, healthy on a 2xx or 3xx status (repeatable; http:// only)')
            [CompletionResult]::new('--track-interval', '--track-interval', [CompletionResultType]::ParameterName, 'How often each check runs (10ms to 1h; default 1s)')
            [CompletionResult]::new('--track-timeout', '--track-timeout', [CompletionResultType]::ParameterName, 'A check taking longer fails (a command is killed). Default: the --track-interval; up to 1h')
            [CompletionResult]::new('--track-rise', '--track-rise', [CompletionResultType]::ParameterName, 'Successes in a row before a failed check counts as healthy again (default 1)')
            [CompletionResult]::new('--track-fall', '--track-fall', [CompletionResultType]::ParameterName, 'Failures in a row before a check counts as failed (default 1). A check''s first result decides at once, as in keepalived')
            [CompletionResult]::new('--track-iface', '--track-iface', [CompletionResultType]::ParameterName, 'Go to fault while this interface is down (repeatable; keepalived''s track_interface)')
            [CompletionResult]::new('--track-weight', '--track-weight', [CompletionResultType]::ParameterName, 'A failing check lowers the advertised priority by N (keepalived''s weight). Without it a failing check sends the node to fault, handing the VIP over')
            [CompletionResult]::new('--on-master', '--on-master', [CompletionResultType]::ParameterName, 'Run CMD on becoming master, with the arguments INSTANCE NAME MASTER PRIORITY and VIPFLIP_* variables (no shell)')
            [CompletionResult]::new('--on-backup', '--on-backup', [CompletionResultType]::ParameterName, 'Run CMD on becoming backup')
            [CompletionResult]::new('--on-fault', '--on-fault', [CompletionResultType]::ParameterName, 'Run CMD on entering fault (interface down or a failed check)')
            [CompletionResult]::new('--on-stop', '--on-stop', [CompletionResultType]::ParameterName, 'Run CMD when vipflip stops')
            [CompletionResult]::new('--on-change', '--on-change', [CompletionResultType]::ParameterName, 'Run CMD on every change above (keepalived''s notify)')
            [CompletionResult]::new('--hook-timeout', '--hook-timeout', [CompletionResultType]::ParameterName, 'A hook running longer is killed (default 10s, up to 1h)')
            [CompletionResult]::new('--args-file', '--args-file', [CompletionResultType]::ParameterName, 'Read more flags from FILE, one per line with its value as the rest of the line (`--track-cmd systemctl is-active nginx`: no quoting, spaces stay in the value; `#` starts a comment line). For systemd units, where $VAR splits at every space')
            [CompletionResult]::new('--keepalived-conf', '--keepalived-conf', [CompletionResultType]::ParameterName, 'Run a keepalived.conf: every vrrp_instance in one process (or --instance''s), read as keepalived reads it; flags given here override it')
            [CompletionResult]::new('--instance', '--instance', [CompletionResultType]::ParameterName, 'Run only this vrrp_instance of --keepalived-conf (needed to override its settings with flags when the file has several)')
            [CompletionResult]::new('--config-id', '--config-id', [CompletionResultType]::ParameterName, 'Which `@ID` lines of --keepalived-conf count (keepalived -i); default: the host name up to its first dot, as keepalived')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (default auto: on a terminal, never with NO_COLOR set)')
            [CompletionResult]::new('--no-vip', '--no-vip', [CompletionResultType]::ParameterName, 'Run without a VIP: state, adverts and hooks only, as keepalived runs an instance without virtual_ipaddress (the cloud floating-IP pattern: an --on-master hook moves the address). VRRPv2 only, as in keepalived')
            [CompletionResult]::new('--no-preempt', '--no-preempt', [CompletionResultType]::ParameterName, 'Do not take over from a live lower-priority master (keepalived: nopreempt)')
            [CompletionResult]::new('--dont-track-primary', '--dont-track-primary', [CompletionResultType]::ParameterName, 'Do not go to fault while --iface is down (keepalived: dont_track_primary)')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Check everything up to the first packet, then stop: the flags or keepalived.conf, the interface and its addresses, the programs of --track-cmd and --on-*. Prints the effective settings and the equivalent `vipflip run` command; adds no address and sends nothing (no root needed). Exit 0, or 2 with the error (as keepalived -t)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line instead of text, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vipflip;release' {
            [CompletionResult]::new('--vip', '--vip', [CompletionResultType]::ParameterName, 'VIP to remove, with prefix length (repeatable)')
            [CompletionResult]::new('--iface', '--iface', [CompletionResultType]::ParameterName, 'Interface the VIP is on')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Interface the VIP is on')
            [CompletionResult]::new('--vrid', '--vrid', [CompletionResultType]::ParameterName, 'Also send one priority-0 advert for this VRID so a backup takes over after Skew_Time')
            [CompletionResult]::new('--vrrp-version', '--vrrp-version', [CompletionResultType]::ParameterName, 'VRRP version of that advert. Default 2 for IPv4, 3 for IPv6')
            [CompletionResult]::new('--advert-int', '--advert-int', [CompletionResultType]::ParameterName, 'The group''s advert interval, carried in that advert (default 1s)')
            [CompletionResult]::new('--auth-pass', '--auth-pass', [CompletionResultType]::ParameterName, 'The group''s VRRPv2 password, if it uses keepalived''s auth_type PASS')
            [CompletionResult]::new('--v3-checksum', '--v3-checksum', [CompletionResultType]::ParameterName, 'Checksum form of that advert for VRRPv3 over IPv4')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (default auto: on a terminal, never with NO_COLOR set)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line instead of text, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vipflip;ping-watch' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Time between probes, 10ms to 1h (default 100ms); a bare number is seconds, as ping''s -i')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between probes, 10ms to 1h (default 100ms); a bare number is seconds, as ping''s -i')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Stop after this many probes (as ping''s -c)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after this many probes (as ping''s -c)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this long (up to 1 week)')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'Probe with TCP connects to this port instead of ICMP echo')
            [CompletionResult]::new('--max-outage', '--max-outage', [CompletionResultType]::ParameterName, 'Exit 1 if any outage lasted longer than this (up to 1h)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (default auto: on a terminal, never with NO_COLOR set)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line instead of text, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vipflip;probe' {
            [CompletionResult]::new('--iface', '--iface', [CompletionResultType]::ParameterName, 'Interface to listen on')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Interface to listen on')
            [CompletionResult]::new('--vrid', '--vrid', [CompletionResultType]::ParameterName, 'Report only this VRID')
            [CompletionResult]::new('--vip', '--vip', [CompletionResultType]::ParameterName, 'Also ask who holds this address (repeatable), advertised or not; a /LEN is ignored')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long to listen before reporting (default 3s: three advert intervals catch every master; up to 1 day)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (default auto: on a terminal, never with NO_COLOR set)')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'After the report, keep listening and print each change until interrupted')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line instead of text, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vipflip;demo' {
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'Nodes in the group, 2 to 8 (default 3), priorities 200, 199, 198, ...')
            [CompletionResult]::new('--advert-int', '--advert-int', [CompletionResultType]::ParameterName, 'Advert interval of every node (VRRPv3: 10ms to 40s; VRRPv2: whole seconds). Default 100ms, 1s with --vrrp-version 2')
            [CompletionResult]::new('--vrrp-version', '--vrrp-version', [CompletionResultType]::ParameterName, 'VRRP version the nodes speak (default 3)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (default auto: on a terminal, never with NO_COLOR set)')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'After the story, leave the lab running and say how to look inside, until Ctrl-C')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line instead of text, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vipflip;status' {
            [CompletionResult]::new('--iface', '--iface', [CompletionResultType]::ParameterName, 'Only instances on this interface')
            [CompletionResult]::new('--interface', '--interface', [CompletionResultType]::ParameterName, 'Only instances on this interface')
            [CompletionResult]::new('--vrid', '--vrid', [CompletionResultType]::ParameterName, 'Only this VRID')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to color the output (default auto: on a terminal, never with NO_COLOR set)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'One JSON object per line instead of text, for scripts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'vipflip;help' {
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Join a VRRP group on an interface and hold the VIP while master')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Remove a VIP left behind (after a killed vipflip or keepalived), and optionally hand over at once')
            [CompletionResult]::new('ping-watch', 'ping-watch', [CompletionResultType]::ParameterValue, 'Watch an address (a VIP) and report every outage: when, how long, probes lost, and the MAC that answered before and after')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Listen on an interface: who is master of each VRRP group, who else speaks, and which MACs answer for each VIP')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Show a failover on this one machine: three nodes and a client in network namespaces of their own')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'What the vipflip instances on this node are doing now: state and since when, priority, master, VIPs')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vipflip;help;run' {
            break
        }
        'vipflip;help;release' {
            break
        }
        'vipflip;help;ping-watch' {
            break
        }
        'vipflip;help;probe' {
            break
        }
        'vipflip;help;demo' {
            break
        }
        'vipflip;help;status' {
            break
        }
        'vipflip;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
