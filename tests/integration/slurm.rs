//! A real single-node Slurm runs a sharded sweep with a failing shard, its
//! resubmission and the dependent merge (tests/slurm/slurm_e2e.sh).

use crate::common::repo_path;

#[test]
fn slurm_array_with_a_failed_shard_resubmit_and_merge() {
    let out = std::process::Command::new("bash")
        .arg(repo_path("tests/slurm/slurm_e2e.sh"))
        .arg(env!("CARGO_BIN_EXE_edgecase"))
        .output()
        .expect("running bash");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.code() == Some(77) {
        if std::env::var_os("CI").is_some() {
            panic!("Slurm is required in CI (.ci/run installs slurm-wlm and munge): {log}");
        }
        eprintln!("SKIPPED Slurm end-to-end test: {log}");
        return;
    }
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("equals the unsharded run byte for byte"),
        "{log}"
    );
}
