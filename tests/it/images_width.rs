//! Issue 20: `imgreaper images` fits the terminal's width as `docker ps` does, dropping the
//! least needed columns and cutting long names in their middle (never their tag); `--wide`
//! keeps every column, and so does a pipe with no width to fit.

use crate::support;

use support::Sandbox;
use support::images::import;

fn lines(sandbox: &Sandbox, args: &[&str], columns: Option<&str>) -> Vec<String> {
    let mut command = sandbox.command(args);
    match columns {
        Some(columns) => command.env("COLUMNS", columns),
        None => command.env_remove("COLUMNS"),
    };
    let output = command.output().unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn images_fits_the_terminal_and_wide_keeps_every_column() {
    let sandbox = Sandbox::new("width");
    let long = format!(
        "{}:1.2.3",
        sandbox.repo("edge/ml-inference-cpu-optimized-build")
    );
    import(&long);
    sandbox.apply_rule(&format!("{}/*", sandbox.prefix), 60, false);
    let width = |line: &String| line.chars().count();

    for columns in [80, 120] {
        let shown = lines(&sandbox, &["images"], Some(&columns.to_string()));
        let too_wide: Vec<&String> = shown.iter().filter(|l| width(l) > columns).collect();
        assert!(too_wide.is_empty(), "{columns}: {too_wide:#?}");
        let row = shown
            .iter()
            .find(|l| l.contains("build:1.2.3"))
            .unwrap_or_else(|| panic!("the tag is cut at {columns}: {shown:#?}"));
        assert!(row.contains("scheduled"), "{row}");
    }
    let wide = lines(&sandbox, &["images", "--wide"], Some("80"));
    assert!(
        wide[0].contains("IMAGE ID") && wide[0].contains("LAST USED"),
        "{wide:#?}"
    );
    assert!(wide.iter().any(|l| l.contains(&long)), "{wide:#?}");
    // A pipe with no width: every column, whole.
    let piped = lines(&sandbox, &["images"], None);
    assert!(piped[0].contains("IMAGE ID"), "{piped:#?}");
    assert!(piped.iter().any(|l| l.contains(&long)), "{piped:#?}");
}
