//! The reader on files as people write them; each keepalived rule cites its source.

use super::*;

/// The master node's file from the article (../shared/article/), verbatim.
const ARTICLE: &str = "vrrp_instance VRRP1 {
    state MASTER
    interface ens33   
    virtual_router_id 41
    priority 200
    advert_int 1
    virtual_ipaddress {
        192.168.31.250/24
    }
}
";

#[test]
fn the_articles_file_works_unchanged() {
    let i = instance(ARTICLE, None).unwrap();
    assert_eq!(i.name, "VRRP1");
    assert_eq!(
        (i.iface.as_deref(), i.vrid, i.priority),
        (Some("ens33"), Some(41), Some(200))
    );
    assert!(i.state_master);
    assert_eq!(i.advert_int, Some(Duration::from_secs(1)));
    assert_eq!(i.vips, vec!["192.168.31.250/24".parse::<Vip>().unwrap()]);
    assert!(!i.no_preempt);
}

#[test]
fn every_supported_keyword() {
    let text = "! comment\nglobal_defs {\n  router_id n1\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 7\n  priority 150\n  advert_int 0.1 # fast\n  version 3\n  nopreempt\n  garp_master_repeat 3\n  garp_master_delay 2\n  virtual_ipaddress {\n    192.0.2.250/24 dev eth0\n    192.0.2.251\n  }\n  unicast_src_ip 192.0.2.1\n  unicast_peer {\n    192.0.2.2\n    192.0.2.3\n  }\n}\n";
    let i = instance(text, None).unwrap();
    assert_eq!(i.advert_int, Some(Duration::from_millis(100)));
    assert_eq!(
        (i.version, i.no_preempt, i.garp_repeat),
        (Some(3), true, Some(3))
    );
    assert_eq!(i.garp_delay, Some(Duration::from_secs(2)));
    assert_eq!(i.vips.len(), 2);
    assert_eq!(i.vips[1].prefix, 32);
    assert_eq!(i.src_ip, Some("192.0.2.1".parse().unwrap()));
    assert_eq!(i.unicast_peers.len(), 2);
}

/// Everything vipflip cannot do is named at once, each with its line.
#[test]
fn unsupported_keywords_are_all_named_with_their_lines() {
    let text = "virtual_server 192.0.2.9 80 {\n  delay_loop 6\n}\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_routes {\n  }\n  virtual_routr_id 41\n  lvs_sync_daemon_interface eth0\n}\n";
    let err = parse(text, None, &NoFiles).unwrap_err().to_string();
    assert_eq!(
        err,
        "line 6: vrrp_instance VI_1: 'virtual_routes' is not supported by vipflip: add them in an --on-master hook; \
         line 8: vrrp_instance VI_1: 'virtual_routr_id' is not a keyword vipflip knows; did you mean 'virtual_router_id'?; \
         line 9: vrrp_instance VI_1: 'lvs_sync_daemon_interface' is not supported by vipflip; \
         line 1: LVS ('virtual_server', 'virtual_server_group', 'local_address_group', 'lvs_*') is not supported by vipflip: vipflip moves VIPs and does no load balancing; run keepalived (or ipvsadm) for the LVS part and vipflip for the VRRP part, or keep keepalived"
    );
}

/// A keepalived.conf as people write it for a NodePort VIP.
const EVERYDAY: &str = r#"! Configuration File for keepalived
global_defs {
   notification_email {
     ops@example.com
   }
   notification_email_from keepalived@example.com
   smtp_server 127.0.0.1
   smtp_connect_timeout 30
   router_id LVS_DEVEL
   vrrp_garp_master_delay 1
   enable_script_security
   script_user root
}
vrrp_script chk_nodeport {
    script "/usr/bin/curl -fsS http://127.0.0.1:32463/healthz"
    interval 2
    timeout 1
    weight -20
    rise 2
    fall 3
    user root
}
vrrp_instance VRRP1 {
    state MASTER
    interface ens33
    virtual_router_id 41
    priority 200
    advert_int 1
    track_interface {
        ens34
    }
    track_script {
        chk_nodeport
    }
    notify_master "/etc/keepalived/notify.sh master"
    notify_backup /etc/keepalived/notify.sh
    notify /etc/keepalived/any.sh
    smtp_alert
    virtual_ipaddress {
        192.168.31.250/24 dev ens33 label ens33:vip
    }
}
"#;

#[test]
fn an_everyday_file() {
    let i = instance(EVERYDAY, None).unwrap();
    let s = &i.scripts[0];
    assert_eq!(
        s.argv,
        vec!["/usr/bin/curl", "-fsS", "http://127.0.0.1:32463/healthz"]
    );
    assert_eq!(
        (s.interval, s.timeout, s.rise, s.fall, s.weight),
        (Duration::from_secs(2), Duration::from_secs(1), 2, 3, -20)
    );
    assert_eq!(
        i.on_master,
        Some(vec!["/etc/keepalived/notify.sh".into(), "master".into()])
    );
    assert_eq!(i.on_backup, Some(vec!["/etc/keepalived/notify.sh".into()]));
    assert_eq!(i.on_change, Some(vec!["/etc/keepalived/any.sh".into()]));
    assert_eq!(i.track_ifaces[0].name, "ens34");
    assert_eq!(
        i.notes[0],
        "keepalived.conf: global_defs notification_email, notification_email_from, smtp_server, \
         smtp_connect_timeout, router_id, vrrp_garp_master_delay, enable_script_security, \
         script_user accepted; they change nothing vipflip does"
    );
}

/// keepalived's parser.c decomment(): `#` inside double quotes is text.
#[test]
fn comment_signs_inside_double_quotes_are_kept() {
    let text = "vrrp_script c {\n  script \"/bin/sh -c 'test \\\"$(cat /x)\\\" != \\\"#\\\"'\"\n}\nvrrp_instance V {\n  track_script {\n    c\n  }\n  notify \"/bin/echo !bang\"\n}\n";
    let i = instance(text, None).unwrap();
    assert_eq!(i.on_change, Some(vec!["/bin/echo".into(), "!bang".into()]));
    assert_eq!(i.scripts[0].argv[2], "test \"$(cat /x)\" != \"#\"");
}

/// Each script keeps its own settings (keepalived keeps them per vrrp_script, and
/// alloc_track_script lets a track_script line override the weight).
#[test]
fn scripts_keep_their_own_settings() {
    let text = "vrrp_script a {\n  script \"/bin/sh -c 'exit 0'\"\n  interval 1\n  weight 2\n}\nvrrp_script b {\n  script /bin/false\n  interval 5\n  fall 10\n  rise 2\n  init_fail\n}\nvrrp_instance V {\n  track_script {\n    a\n    b weight -30 reverse\n  }\n}\n";
    let i = instance(text, None).unwrap();
    assert_eq!(i.scripts[0].argv, vec!["/bin/sh", "-c", "exit 0"]);
    assert_eq!(i.scripts[0].weight, 2);
    let b = &i.scripts[1];
    assert_eq!(
        (b.interval, b.rise, b.fall, b.weight, b.reverse, b.init_fail),
        (Duration::from_secs(5), 2, 10, -30, true, true)
    );
    let missing = "vrrp_instance V {\n  track_script {\n    nope\n  }\n}\n";
    assert!(instance(missing, None)
        .unwrap_err()
        .to_string()
        .contains("track_script 'nope' on line 3: there is no vrrp_script of that name"));
    let unquoted = "vrrp_script k {\n  script killall -0 haproxy\n}\nvrrp_instance V {\n  track_script {\n    k\n  }\n}\n";
    let i = instance(unquoted, None).unwrap();
    assert_eq!(i.scripts[0].argv, vec!["killall"]);
    assert!(
        i.notes
            .iter()
            .any(|n| n.contains("keepalived runs only 'killall' and drops '-0 haproxy'")),
        "{:?}",
        i.notes
    );
}

/// vrrp.c vrrp_complete_instance: "If no priority has been set, derive it from the initial
/// state"; nopreempt and preempt_delay cleared under state MASTER.
#[test]
fn state_master_as_keepalived_completes_it() {
    let i = instance("vrrp_instance V {\n  state MASTER\n  nopreempt\n}\n", None).unwrap();
    assert_eq!(
        (i.priority, i.no_preempt, i.state_master),
        (Some(255), false, true)
    );
    assert!(i.notes.iter().any(|n| n.contains("255, the address owner")));
    let b = instance("vrrp_instance V {\n  state BACKUP\n}\n", None).unwrap();
    assert_eq!(b.priority, Some(100));
    let d = instance(
        "vrrp_instance V {\n  state MASTER\n  priority 150\n  preempt_delay 5\n}\n",
        None,
    )
    .unwrap();
    assert_eq!(d.preempt_delay, None);
    let order = instance(
        "vrrp_instance V {\n  state MASTER\n  state BACKUP\n}\n",
        None,
    )
    .unwrap();
    assert!(
        order.state_master,
        "vrrp_state_handler: BACKUP after MASTER is ignored"
    );
}

/// vrrp.c vrrp_complete_instance: the address owner ignores weighted tracking.
#[test]
fn the_owner_ignores_weighted_scripts() {
    let text = "vrrp_script up {\n  script /bin/true\n  weight 10\n}\nvrrp_script must {\n  script /bin/true\n}\nvrrp_instance V {\n  priority 255\n  track_script {\n    up\n    must\n  }\n  track_interface {\n    eth1 weight -10\n    eth2\n  }\n}\n";
    let i = instance(text, None).unwrap();
    assert_eq!(i.scripts.len(), 1);
    assert_eq!(i.scripts[0].name, "must");
    assert_eq!(i.track_ifaces.len(), 1);
    assert_eq!(i.track_ifaces[0].name, "eth2");
}

/// vrrp.c vrrp_complete_instance: in a sync group weighted scripts are ignored, tracked
/// interfaces' weights become 0.
#[test]
fn sync_groups_group_members_and_drop_weights() {
    let text = "vrrp_script w {\n  script /bin/true\n  weight -20\n}\nvrrp_sync_group G {\n  group {\n    A\n    B\n  }\n}\nvrrp_instance A {\n  track_script {\n    w\n  }\n  track_interface {\n    eth1 weight -5\n  }\n}\nvrrp_instance B {\n}\n";
    let conf = parse(text, None, &NoFiles).unwrap();
    assert_eq!(conf.sync_groups[0].members, vec!["A", "B"]);
    let a = &conf.instances[0];
    assert_eq!(a.sync_group.as_deref(), Some("G"));
    assert!(a.scripts.is_empty());
    assert_eq!(a.track_ifaces[0].weight, 0);
    // keepalived's doc/samples/keepalived.conf.vrrp.lvs_syncd lists members without 'group':
    // keepalived ignores the lines ("Unknown keyword"), so its group is empty.
    let old = "vrrp_sync_group G {\n  VI_2\n}\nvrrp_instance VI_2 {\n}\n";
    let err = parse(old, None, &NoFiles).unwrap_err().to_string();
    assert!(
        err.contains(
            "line 2: vrrp_sync_group G: 'VI_2' is not a keyword; members go in 'group { ... }'"
        ),
        "{err}"
    );
    let bad = "vrrp_sync_group G {\n  group {\n    X\n  }\n}\nvrrp_instance A {\n}\n";
    assert!(parse(bad, None, &NoFiles)
        .unwrap_err()
        .to_string()
        .contains("no vrrp_instance 'X'"));
}

/// vrrp_parser.c vrrp_auth_pass_handler truncates to 8; inet_stosockaddr drops a /mask;
/// mcast_src_ip and unicast_src_ip share vrrp_srcip_handler.
#[test]
fn forms_keepalived_accepts() {
    let text = "global_defs {\n  vrrp_version 3\n  max_auto_priority 50\n}\nvrrp_instance V {\n  interface eth0\n  mcast_src_ip 192.0.2.1/24\n  unicast_peer {\n    192.0.2.2/24\n  }\n  virtual_ipaddress {\n    192.0.2.250/24 brd 192.0.2.255 dev eth0 scope global label eth0:1\n  }\n}\nvrrp_instance W {\n  version 2\n  authentication {\n    auth_type PASS\n    auth_pass 123456789\n  }\n}\n";
    let conf = parse(text, None, &NoFiles).unwrap();
    let v = &conf.instances[0];
    assert_eq!(v.version, Some(3), "global_defs vrrp_version");
    assert_eq!(v.src_ip, Some("192.0.2.1".parse().unwrap()));
    assert_eq!(
        v.unicast_peers,
        vec!["192.0.2.2".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(v.vips.len(), 1);
    let w = &conf.instances[1];
    assert_eq!(w.auth_pass.as_deref(), Some("12345678"));
    // vrrp_ipaddress.c parse_ipaddress: `dev X` puts the address on X; the instance's own
    // interface needs no entry. virtual_ipaddress_excluded: vrrp.c's evip list.
    let dev = "vrrp_instance V {\n  interface eth0\n  virtual_ipaddress {\n    192.0.2.1/32 dev lo\n    192.0.2.2/24 dev eth0\n  }\n  virtual_ipaddress_excluded {\n    198.51.100.9/24 dev eth1\n  }\n}\n";
    let v = &parse(dev, None, &NoFiles).unwrap().instances[0];
    assert_eq!(v.vips.len(), 2);
    assert_eq!(
        v.excluded_vips,
        vec!["198.51.100.9/24".parse::<Vip>().unwrap()]
    );
    assert_eq!(
        v.vip_devs,
        vec![
            ("192.0.2.1".parse().unwrap(), "lo".to_string()),
            ("198.51.100.9".parse().unwrap(), "eth1".to_string())
        ]
    );
}

/// global_parser.c / vrrp_parser.c vrrp_garp_refresh_handler: whole seconds, anything else
/// ignored ("Invalid ... - ignoring"); the global value is the instances' default.
#[test]
fn garp_master_refresh_in_whole_seconds_or_ignored() {
    let text = "global_defs {\n  vrrp_garp_master_refresh 30\n}\nvrrp_instance A {\n}\nvrrp_instance B {\n  garp_master_refresh 5\n}\n";
    let conf = parse(text, None, &NoFiles).unwrap();
    assert_eq!(
        conf.instances[0].garp_refresh,
        Some(Duration::from_secs(30))
    );
    assert_eq!(conf.instances[1].garp_refresh, Some(Duration::from_secs(5)));
    let bare = parse(
        "global_defs {\n  vrrp_garp_master_refresh\n}\nvrrp_instance A {\n}\n",
        None,
        &NoFiles,
    )
    .unwrap();
    assert_eq!(bare.instances[0].garp_refresh, None);
    assert!(
        bare.notes
            .iter()
            .any(|n| n.contains("keepalived ignores it")),
        "{:?}",
        bare.notes
    );
}

#[test]
fn did_you_mean_takes_the_closest_known_keyword_only() {
    let known = &["priority", "state", "virtual_router_id"];
    assert_eq!(did_you_mean("priorty", known), Some("priority"));
    assert_eq!(did_you_mean("advert_interval", known), None);
    assert_eq!(did_you_mean("stat", known), Some("state"));
    assert_eq!(edit_distance("kitten", "sitting"), 3);
}

#[test]
fn choosing_an_instance() {
    let two = "vrrp_instance A {\n  priority 1\n}\nvrrp_instance B {\n  priority 2\n}\n";
    assert!(instance(two, None)
        .unwrap_err()
        .to_string()
        .contains("2 vrrp_instance blocks (A, B): choose one with --instance"));
    assert_eq!(instance(two, Some("B")).unwrap().priority, Some(2));
    assert!(instance(two, Some("C"))
        .unwrap_err()
        .to_string()
        .contains("no vrrp_instance named 'C' (found: A, B)"));
    assert!(instance("", None)
        .unwrap_err()
        .to_string()
        .contains("no vrrp_instance"));
}

#[test]
fn broken_files() {
    assert!(instance("vrrp_instance A {\n", None)
        .unwrap_err()
        .to_string()
        .contains("never closed"));
    assert!(instance("}\n", None)
        .unwrap_err()
        .to_string()
        .contains("line 1: '}' without a matching '{'"));
    let bad = instance(
        "vrrp_instance A {\n  priority high\n  auth_type AH\n}\n",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        bad.contains("line 2: vrrp_instance A: 'priority' has a bad value 'high'"),
        "{bad}"
    );
    assert!(
        bad.contains("line 3: vrrp_instance A: 'auth_type'"),
        "all at once: {bad}"
    );
    let ah = "vrrp_instance A {\n  authentication {\n    auth_type AH\n  }\n}\n";
    assert!(instance(ah, None)
        .unwrap_err()
        .to_string()
        .contains("line 2: vrrp_instance A: auth_type AH is not supported"));
}

#[test]
fn only_vrrp_versions_2_and_3() {
    for (v, want) in [("2", Some(2)), ("3", Some(3))] {
        let text = format!("vrrp_instance A {{\n  version {v}\n}}\n");
        assert_eq!(instance(&text, None).unwrap().version, want);
    }
    for v in ["1", "4", "0"] {
        let text = format!("vrrp_instance A {{\n  version {v}\n}}\n");
        let err = instance(&text, None).unwrap_err().to_string();
        assert!(
            err.contains(&format!("'version {v}' is not a VRRP version: use 2 or 3")),
            "{err}"
        );
    }
}
