//! The fleet's inventory reads as Ansible reads it: Debian's `ansible-core` is the oracle.
//! `ansible-inventory --list` gives the hosts, their groups and their merged variables;
//! `ansible --list-hosts PATTERN` gives what a `--limit` selects.

use imgreaper::fleet::inventory::{Inventory, select, text_of};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const INI: &str = r#"# hosts before any section are ungrouped
solo1 ansible_host=10.0.0.1
solo2:2201

[web]
web[01:03].example.org ansible_user=deploy
web-extra ansible_port=2222 imgreaper_path="/opt/imgreaper/bin/imgreaper"

[db]
db-[a:c]   # a comment after a host
db-z ansible_become=yes ansible_become_user=postgres

[prod:children]
web
db

[berlin:children]
prod

[berlin:vars]
site=berlin
ansible_user=berliner

[prod:vars]
ansible_user=produser
tier = "1"

[edge]
solo1
gw[1:4:2]:2222 ansible_become=true

[edge:vars]
ansible_group_priority=10
site=edge

[all:vars]
imgreaper_path=/usr/local/bin/imgreaper
ansible_user=everyone
"#;

const YAML: &str = r#"all:
  hosts:
    solo1:
      ansible_host: 10.0.0.1
    solo2:2201:
  vars:
    imgreaper_path: /usr/local/bin/imgreaper
    ansible_user: everyone
  children:
    berlin:
      vars:
        site: berlin
        ansible_user: berliner
      children:
        prod:
          vars:
            ansible_user: produser
            tier: "1"
          children:
            web:
              hosts:
                web[01:03].example.org:
                  ansible_user: deploy
                web-extra:
                  ansible_port: 2222
                  imgreaper_path: /opt/imgreaper/bin/imgreaper
            db:
              hosts:
                db-[a:c]:
                db-z:
                  ansible_become: yes
                  ansible_become_user: postgres
    edge:
      vars:
        ansible_group_priority: 10
        site: edge
      hosts:
        solo1:
        gw[1:4:2]:2222:
          ansible_become: true
"#;

const PATTERNS: &[&str] = &[
    "all",
    "*",
    "web",
    "web:db",
    "web,db",
    "prod:!db",
    "prod:&web",
    "prod:&web:!web02.example.org",
    "!web",
    "&berlin",
    "web*",
    "*.example.org",
    "db-?",
    "~db-[a-c]",
    "~web0[13]",
    "web[0]",
    "web[1:2]",
    "web[-1]",
    "db[1:]",
    "web[1:2],db[-1]",
    "berlin:edge",
    "solo1:gw3",
    "ungrouped",
    "edge:&ungrouped",
];

fn have_ansible() -> bool {
    let found = Command::new("ansible-inventory")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: ansible-core is not installed (tests/engine/up installs it)");
    }
    found
}

fn ansible(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .env("ANSIBLE_HOME", dir.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", dir.join("ansible-tmp"))
        .env("ANSIBLE_LOCALHOST_WARNING", "false")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "false")
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Ansible's view: host -> (its groups, its variables as text).
type View = BTreeMap<String, (BTreeSet<String>, BTreeMap<String, String>)>;

fn ansible_view(dir: &Path, file: &Path) -> View {
    let listed: serde_json::Value = serde_json::from_str(&ansible(
        dir,
        "ansible-inventory",
        &["-i", file.to_str().unwrap(), "--list"],
    ))
    .expect("ansible-inventory prints JSON");
    let groups = listed.as_object().unwrap();
    // A group's direct members, then its ancestors through `children`.
    let mut direct: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, group) in groups.iter().filter(|(n, _)| *n != "_meta") {
        for host in group["hosts"].as_array().into_iter().flatten() {
            direct
                .entry(host.as_str().unwrap().to_string())
                .or_default()
                .insert(name.clone());
        }
    }
    let parents = |group: &str| -> Vec<String> {
        groups
            .iter()
            .filter(|(n, g)| {
                *n != "_meta"
                    && g["children"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|c| c == group))
            })
            .map(|(n, _)| n.clone())
            .collect()
    };
    let mut view = View::new();
    for (host, vars) in listed["_meta"]["hostvars"].as_object().unwrap() {
        let mut member: BTreeSet<String> = BTreeSet::new();
        let mut queue: Vec<String> = direct.get(host).into_iter().flatten().cloned().collect();
        while let Some(group) = queue.pop() {
            if member.insert(group.clone()) {
                queue.extend(parents(&group));
            }
        }
        member.remove("all");
        let vars = vars
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), text_of(v)))
            .collect();
        view.insert(host.clone(), (member, vars));
    }
    // Hosts without variables are not in `_meta.hostvars`: add them from the groups.
    for (host, member) in direct {
        view.entry(host).or_insert_with(|| {
            let mut member = member;
            member.remove("all");
            (member, BTreeMap::new())
        });
    }
    view
}

fn our_view(inventory: &Inventory) -> View {
    inventory
        .hosts
        .iter()
        .map(|host| {
            let groups = inventory
                .groups_of(host)
                .into_iter()
                .filter(|g| *g != "all")
                .cloned()
                .collect();
            let vars = inventory
                .vars_of(host)
                .iter()
                .map(|(k, v)| (k.clone(), text_of(v)))
                .collect();
            (host.clone(), (groups, vars))
        })
        .collect()
}

fn ansible_hosts(dir: &Path, file: &Path, pattern: &str) -> BTreeSet<String> {
    ansible(
        dir,
        "ansible",
        &["-i", file.to_str().unwrap(), "--list-hosts", pattern],
    )
    .lines()
    .skip(1)
    .map(|l| l.trim().to_string())
    .filter(|l| !l.is_empty())
    .collect()
}

fn agrees_with_ansible(name: &str, text: &str) {
    if !have_ansible() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let inventory = Inventory::load(file.to_str().unwrap()).expect("the inventory reads");
    assert_eq!(
        our_view(&inventory),
        ansible_view(dir.path(), &file),
        "{name}"
    );
    for pattern in PATTERNS {
        // Selecting nothing is an error here, where Ansible warns and does nothing.
        let ours: BTreeSet<String> = match select(&inventory, Some(pattern)) {
            Ok((nodes, _)) => nodes.into_iter().map(|n| n.name).collect(),
            Err(error) => {
                assert!(
                    format!("{error:#}").contains("selects no host"),
                    "{error:#}"
                );
                BTreeSet::new()
            }
        };
        assert_eq!(
            ours,
            ansible_hosts(dir.path(), &file, pattern),
            "{name}: --limit {pattern}"
        );
    }
}

#[test]
fn an_ini_inventory_reads_as_ansible_reads_it() {
    agrees_with_ansible("hosts.ini", INI);
}

#[test]
fn a_yaml_inventory_reads_as_ansible_reads_it() {
    agrees_with_ansible("hosts.yml", YAML);
}

#[test]
fn the_format_is_told_from_the_text_when_the_name_does_not_say() {
    let ini = Inventory::parse(INI, Path::new("inventory")).unwrap();
    let yaml = Inventory::parse(YAML, Path::new("inventory")).unwrap();
    // The values differ in type as Ansible's do (INI `yes` is a string, YAML's a boolean);
    // the nodes they describe are the same.
    assert_eq!(ini.hosts.len(), yaml.hosts.len());
    for host in &ini.hosts {
        assert_eq!(ini.node(host).unwrap(), yaml.node(host).unwrap());
    }
}

#[test]
fn a_node_is_reached_as_its_variables_say() {
    let inventory = Inventory::parse(INI, Path::new("hosts.ini")).unwrap();
    let node = |name: &str| inventory.node(name).unwrap();
    let web = node("web02.example.org");
    assert_eq!(web.address, "web02.example.org");
    assert_eq!(web.user.as_deref(), Some("deploy"));
    assert_eq!(web.program, "/usr/local/bin/imgreaper");
    assert_eq!(web.become_user, None);
    let extra = node("web-extra");
    assert_eq!(extra.port, Some(2222));
    assert_eq!(extra.program, "/opt/imgreaper/bin/imgreaper");
    assert_eq!(extra.user.as_deref(), Some("produser"));
    assert_eq!(node("db-z").become_user.as_deref(), Some("postgres"));
    assert_eq!(node("gw3").become_user.as_deref(), Some("root"));
    assert_eq!(node("gw3").port, Some(2222));
    let solo = node("solo1");
    assert_eq!(solo.address, "10.0.0.1");
    assert_eq!(solo.groups, vec!["edge".to_string()]);
    assert_eq!(node("solo2").port, Some(2201));
}

#[test]
fn a_plain_list_names_user_host_and_port() {
    let text = "# the lab\nedge1\ndeploy@10.0.0.7:2222\nops@edge3 # by alias\n";
    let inventory = Inventory::parse(text, Path::new("nodes.txt")).unwrap();
    assert_eq!(inventory.hosts, ["edge1", "10.0.0.7:2222", "edge3"]);
    let second = inventory.node("10.0.0.7:2222").unwrap();
    assert_eq!(
        (second.address.as_str(), second.port, second.user.as_deref()),
        ("10.0.0.7", Some(2222), Some("deploy"))
    );
    assert_eq!(
        inventory.node("edge3").unwrap().user.as_deref(),
        Some("ops")
    );
    let listed = Inventory::load("edge1,deploy@edge2:2200,").unwrap();
    assert_eq!(listed.hosts, ["edge1", "edge2:2200"]);
}

#[test]
fn bad_inventories_say_where_and_what_is_wrong() {
    let error = |text: &str, name: &str| {
        format!(
            "{:#}",
            Inventory::parse(text, Path::new(name)).expect_err("refused")
        )
    };
    assert!(error("[web]\nhost1 user\n", "h.ini").contains("line 2"));
    assert!(error("[web:stuff]\n", "h.ini").contains("not a section kind"));
    assert!(error("[a:children]\nb\n[b:children]\na\n", "h.ini").contains("cycle"));
    assert!(error("all:\n  host:\n    a:\n", "h.yml").contains("unexpected key `host`"));
    assert!(error("all:\n  hosts: [a, b]\n", "h.yml").contains("expected a mapping"));
    let inventory = Inventory::parse("[web]\nh1 ansible_port=http\n", Path::new("h.ini")).unwrap();
    assert!(format!("{:#}", inventory.node("h1").unwrap_err()).contains("not a port number"));
    let missing = format!(
        "{:#}",
        Inventory::load("/nonexistent/inventory").unwrap_err()
    );
    assert!(
        missing.contains("cannot read the inventory /nonexistent/inventory"),
        "{missing}"
    );
}

#[test]
fn a_limit_that_selects_nothing_is_an_error_and_a_term_that_matches_nothing_a_warning() {
    let inventory = Inventory::parse(INI, Path::new("hosts.ini")).unwrap();
    let error = format!("{:#}", select(&inventory, Some("nowhere")).unwrap_err());
    assert!(error.contains("selects no host"), "{error}");
    let (nodes, warnings) = select(&inventory, Some("web:nowhere")).unwrap();
    assert_eq!(nodes.len(), 4);
    assert_eq!(warnings, ["--limit: `nowhere` matches no host; ignored"]);
}
