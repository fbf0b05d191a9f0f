//! Convergence under injected faults (issue 8): the real Terraform CLI and
//! the real provider talk to moto through a fault-injecting proxy
//! (tests/common/fault_proxy.rs) that throttles, fails with 500 and 503,
//! resets connections before and in the middle of answers, adds latency
//! and stalls. Each result is checked against moto directly, and each
//! scenario prints its figures: requests, faults injected by kind, retries
//! (requests the SDK marked as attempt 2 or later), runs to converge and
//! wall time.

use crate::common;

use crate::common::fault_proxy::{
    Counts, FaultKind, FaultMix, FaultProxy, ProxyConfig, StallRule, Stats,
};
use crate::common::{Moto, Workdir, REGION, SOURCE};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

const GRANTS: usize = 50;
const UPDATE: &str = "UpdateWorkspaceImagePermission";

/// The issue's mix: 15% throttling, 10% HTTP 500 (half of it 503), 5%
/// connection resets (half before the answer, half in its middle), plus a
/// little latency.
fn issue_mix() -> FaultMix {
    FaultMix {
        throttle: 15.0,
        error_500: 5.0,
        error_503: 5.0,
        reset_before: 2.5,
        reset_mid: 2.5,
        latency: 10.0,
        latency_ms: (5, 40),
    }
}

/// A fixed seed per scenario, or TFWS_FAULT_SEED to explore others.
fn seed(default: u64) -> u64 {
    std::env::var("TFWS_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn accounts(base: u64) -> Vec<String> {
    (0..GRANTS as u64)
        .map(|i| format!("{:012}", base + i))
        .collect()
}

fn provider_block(endpoint: &str, extra: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    workspaces = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n\
         provider \"workspaces\" {{\n  region = \"{REGION}\"\n{extra}\n  endpoints {{\n    workspaces = \"{endpoint}\"\n    sts        = \"{endpoint}\"\n  }}\n}}\n"
    )
}

fn permissions_hcl(image: &str, accounts: &[String]) -> String {
    accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            format!(
                "\nresource \"workspaces_image_permission\" \"p{i:02}\" {{\n  image_id          = \"{image}\"\n  shared_account_id = \"{a}\"\n}}\n"
            )
        })
        .collect()
}

fn sharing_hcl(image: &str, accounts: &[String]) -> String {
    let list: Vec<String> = accounts.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "\nresource \"workspaces_image_sharing\" \"team\" {{\n  image_id           = \"{image}\"\n  shared_account_ids = [{}]\n}}\n",
        list.join(", ")
    )
}

/// A Terraform work directory; with TFWS_FAULT_LOG set, Terraform and the
/// provider log at DEBUG to that file (for looking into a slow or failed
/// run).
fn workdir() -> Workdir {
    let mut wd = Workdir::new(&common::terraform_on_path());
    if let Ok(path) = std::env::var("TFWS_FAULT_LOG") {
        wd.set_env("TF_LOG", "DEBUG");
        wd.set_env("TF_LOG_PATH", &path);
    }
    wd
}

/// Success and everything Terraform printed.
fn run(wd: &Workdir, args: &[&str]) -> (bool, String) {
    let out = wd.run(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

const APPLY: &[&str] = &["apply", "-no-color", "-input=false", "-auto-approve"];
const DESTROY: &[&str] = &["destroy", "-no-color", "-input=false", "-auto-approve"];

/// What Terraform's state records, read with `terraform show -json` (no
/// AWS call): the permission resources' accounts per image, and the
/// sharing resources' lists per image.
#[derive(Debug, Default)]
struct StateAccounts {
    permissions: Vec<(String, String)>,
    sharing: Vec<(String, Vec<String>)>,
}

impl StateAccounts {
    fn permission_accounts(&self, image: &str) -> Vec<String> {
        let mut v: Vec<String> = self
            .permissions
            .iter()
            .filter(|(i, _)| i == image)
            .map(|(_, a)| a.clone())
            .collect();
        v.sort();
        v
    }

    fn sharing_accounts(&self, image: &str) -> Option<Vec<String>> {
        self.sharing
            .iter()
            .find(|(i, _)| i == image)
            .map(|(_, a)| a.clone())
    }
}

fn state(wd: &Workdir) -> StateAccounts {
    let json = wd.ok(&["show", "-json", "-no-color"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("terraform show -json");
    let mut out = StateAccounts::default();
    for r in v["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let image = r["values"]["image_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        match r["type"].as_str() {
            Some("workspaces_image_permission") => {
                let account = r["values"]["shared_account_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                out.permissions.push((image, account));
            }
            Some("workspaces_image_sharing") => {
                let mut list: Vec<String> = r["values"]["shared_account_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect();
                list.sort();
                out.sharing.push((image, list));
            }
            _ => {}
        }
    }
    out
}

/// `terraform state list`, as a count of each resource type.
fn state_list_count(wd: &Workdir, kind: &str) -> usize {
    wd.ok(&["state", "list"])
        .lines()
        .filter(|l| l.starts_with(&format!("{kind}.")))
        .count()
}

/// One Terraform command (or a retried series of them) and what the proxy
/// saw meanwhile.
struct Row {
    step: String,
    runs: u32,
    ok: bool,
    wall: Duration,
    counts: Counts,
}

struct Figures {
    title: String,
    rows: Vec<Row>,
    /// Every step's requests, faults and retries, per operation.
    per_operation: std::collections::BTreeMap<String, Counts>,
}

/// The table goes to stderr when the scenario ends, passed or failed.
impl Drop for Figures {
    fn drop(&mut self) {
        self.print();
    }
}

impl Figures {
    fn new(title: String) -> Figures {
        Figures {
            title,
            rows: Vec::new(),
            per_operation: Default::default(),
        }
    }

    /// Runs `args` once, recording its figures.
    fn step(
        &mut self,
        proxy: &FaultProxy,
        wd: &Workdir,
        step: &str,
        args: &[&str],
    ) -> (bool, String) {
        let before = proxy.stats();
        let began = Instant::now();
        let (ok, text) = run(wd, args);
        self.record(proxy, step, ok, began, &before);
        (ok, text)
    }

    /// `terraform plan -detailed-exitcode`, recorded like a step.
    fn plan(&mut self, proxy: &FaultProxy, wd: &Workdir) -> (i32, String) {
        let before = proxy.stats();
        let began = Instant::now();
        let (code, text) = wd.plan_exit_code();
        self.record(proxy, "plan", code == 0, began, &before);
        (code, text)
    }

    fn record(&mut self, proxy: &FaultProxy, step: &str, ok: bool, began: Instant, before: &Stats) {
        let wall = began.elapsed();
        let now = proxy.stats();
        let row = Row {
            step: step.to_string(),
            runs: 1,
            ok,
            wall,
            counts: now.total.since(&before.total),
        };
        for (op, counts) in &now.per_operation {
            let delta = counts.since(&before.operation(op));
            let sum = self.per_operation.entry(op.clone()).or_default();
            *sum = sum.plus(&delta);
        }
        eprintln!(
            "[{}] {step}: ok={ok} in {:.1}s, {} requests, {} faults, {} retries",
            self.title,
            row.wall.as_secs_f64(),
            row.counts.requests,
            row.counts.faults_total(),
            row.counts.retries
        );
        self.rows.push(row);
    }

    fn total(&self) -> Counts {
        self.rows
            .iter()
            .fold(Counts::default(), |sum, r| sum.plus(&r.counts))
    }

    fn print(&self) {
        if self.rows.is_empty() {
            return;
        }
        let mut out = format!("\n=== fault figures: {} ===\n", self.title);
        out.push_str(&format!(
            "{:<22} {:>4} {:>5} {:>8} {:>8} {:>7} {:>7}  faults by kind\n",
            "step", "runs", "ok", "wall", "requests", "faults", "retries"
        ));
        for r in &self.rows {
            out.push_str(&format!(
                "{:<22} {:>4} {:>5} {:>7.1}s {:>8} {:>7} {:>7}  {} (delayed {})\n",
                r.step,
                r.runs,
                r.ok,
                r.wall.as_secs_f64(),
                r.counts.requests,
                r.counts.faults_total(),
                r.counts.retries,
                r.counts.faults_line(),
                r.counts.delayed,
            ));
        }
        let t = self.total();
        out.push_str(&format!(
            "{:<22} {:>4} {:>5} {:>7.1}s {:>8} {:>7} {:>7}  {} (delayed {})\n",
            "total",
            self.rows.iter().map(|r| r.runs).sum::<u32>(),
            "",
            self.rows.iter().map(|r| r.wall.as_secs_f64()).sum::<f64>(),
            t.requests,
            t.faults_total(),
            t.retries,
            t.faults_line(),
            t.delayed
        ));
        for (op, c) in &self.per_operation {
            out.push_str(&format!(
                "  {:<36} {:>8} {:>7} {:>7}  {}\n",
                op,
                c.requests,
                c.faults_total(),
                c.retries,
                c.faults_line()
            ));
        }
        // Straight to the process's stderr: the test harness captures
        // eprintln! of passing tests, and these figures are the point.
        let _ = std::io::Write::write_all(&mut std::io::stderr(), out.as_bytes());
    }
}

/// Every fault the mix names was injected, and every injected fault was
/// followed by the SDK's retry, seen at the proxy.
fn assert_faults_were_retried(total: &Counts, kinds: &[FaultKind], figures: &Figures) {
    for kind in kinds {
        assert!(
            total.fault(*kind) > 0,
            "no {} fault was injected; the scenario proves nothing ({})",
            kind.label(),
            total.faults_line()
        );
    }
    assert!(
        total.retries >= total.faults_total(),
        "{} faults but only {} retries reached the proxy ({}: {})",
        total.faults_total(),
        total.retries,
        figures.title,
        total.faults_line()
    );
}

const ISSUE_KINDS: [FaultKind; 5] = [
    FaultKind::Throttle,
    FaultKind::Error500,
    FaultKind::Error503,
    FaultKind::ResetBeforeResponse,
    FaultKind::ResetMidResponse,
];

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[test]
fn fifty_permissions_apply_and_destroy_in_one_run_each_under_the_issue_mix() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let seed = seed(8001);
    let proxy = FaultProxy::start(ProxyConfig::new(&moto.url, seed, issue_mix()));
    let wd = workdir();
    let all = accounts(500_000_000_000);
    wd.init(&format!(
        "{}{}",
        provider_block(&proxy.url, ""),
        permissions_hcl(&image, &all)
    ));
    let mut fig = Figures::new(format!(
        "{GRANTS} x workspaces_image_permission, 15% throttle / 5% 500 / 5% 503 / 2.5% reset-before / \
         2.5% reset-mid / 10% +5..40 ms, seed {seed}"
    ));

    let (ok, text) = fig.step(&proxy, &wd, "apply", APPLY);
    assert!(
        ok,
        "apply must converge in one run under the issue's mix:\n{text}"
    );
    assert!(text.contains(&format!("{GRANTS} added")), "{text}");
    assert_eq!(moto.shared_accounts(&image), all);
    assert_eq!(state(&wd).permission_accounts(&image), all);
    assert_eq!(state_list_count(&wd, "workspaces_image_permission"), GRANTS);

    let (code, text) = fig.plan(&proxy, &wd);
    assert_eq!(code, 0, "plan after the apply must be clean:\n{text}");

    let (ok, text) = fig.step(&proxy, &wd, "destroy", DESTROY);
    assert!(
        ok,
        "destroy must converge in one run under the issue's mix:\n{text}"
    );
    assert!(moto.shared_accounts(&image).is_empty());
    assert_eq!(state_list_count(&wd, "workspaces_image_permission"), 0);

    assert_faults_were_retried(&fig.total(), &ISSUE_KINDS, &fig);
    assert!(!proxy.stats().exhausted);
}

#[test]
fn one_sharing_of_fifty_accounts_applies_and_destroys_in_one_run_each_under_the_issue_mix() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let seed = seed(8002);
    let proxy = FaultProxy::start(ProxyConfig::new(&moto.url, seed, issue_mix()));
    let wd = workdir();
    let all = accounts(510_000_000_000);
    wd.init(&format!(
        "{}{}",
        provider_block(&proxy.url, ""),
        sharing_hcl(&image, &all)
    ));
    let mut fig = Figures::new(format!(
        "1 x workspaces_image_sharing of {GRANTS} accounts, issue mix, seed {seed}"
    ));

    let (ok, text) = fig.step(&proxy, &wd, "apply", APPLY);
    assert!(
        ok,
        "apply must converge in one run under the issue's mix:\n{text}"
    );
    assert_eq!(moto.shared_accounts(&image), all);
    assert_eq!(state(&wd).sharing_accounts(&image), Some(all.clone()));

    let (code, text) = fig.plan(&proxy, &wd);
    assert_eq!(code, 0, "plan after the apply must be clean:\n{text}");

    let (ok, text) = fig.step(&proxy, &wd, "destroy", DESTROY);
    assert!(
        ok,
        "destroy must converge in one run under the issue's mix:\n{text}"
    );
    assert!(moto.shared_accounts(&image).is_empty());
    assert_eq!(state_list_count(&wd, "workspaces_image_sharing"), 0);

    assert_faults_were_retried(&fig.total(), &ISSUE_KINDS, &fig);
    assert!(!proxy.stats().exhausted);
}

/// 50% of grants throttled with max_retries = 2: each grant fails with
/// probability 1/8, so a run of 50 fails partway. State must then record
/// exactly what moto holds, for both resource types, and the error must
/// say what happened; without faults the next run converges.
#[test]
fn under_heavy_throttling_a_failed_apply_records_exactly_what_aws_holds_and_a_rerun_converges() {
    let moto = Moto::start();
    let (img_p, img_s) = (moto.seed_image(), moto.seed_image());
    assert_ne!(img_p, img_s);
    let seed = seed(8003);
    let mut config = ProxyConfig::new(
        &moto.url,
        seed,
        FaultMix {
            throttle: 50.0,
            ..FaultMix::none()
        },
    );
    // Only the writes: a read that fails would stop the run before any
    // write, and the writes are what state must account for.
    config.faulted = Some(vec![UPDATE.to_string()]);
    let proxy = FaultProxy::start(config);
    let wd = workdir();
    let (acc_p, acc_s) = (accounts(520_000_000_000), accounts(530_000_000_000));
    wd.init(&format!(
        "{}{}{}",
        provider_block(&proxy.url, "  max_retries = 2"),
        permissions_hcl(&img_p, &acc_p),
        sharing_hcl(&img_s, &acc_s)
    ));
    let mut fig = Figures::new(format!(
        "heavy: 50% throttle on {UPDATE}, max_retries = 2, {GRANTS} permissions + sharing of {GRANTS}, \
         seed {seed}"
    ));

    let (ok, text) = fig.step(&proxy, &wd, "apply (heavy)", APPLY);
    let held_p = moto.shared_accounts(&img_p);
    let held_s = moto.shared_accounts(&img_s);
    eprintln!(
        "heavy apply: ok={ok}; moto holds {} of {GRANTS} permission grants and {} of {GRANTS} sharing grants",
        held_p.len(),
        held_s.len()
    );
    assert!(
        !ok,
        "with 1 grant in 8 failing, 100 grants cannot all succeed:\n{text}"
    );
    // Clear errors: what failed, which operation, why.
    let said = common::flat(&text);
    assert!(
        said.contains("Error: creating WorkSpaces Image Permission (")
            && said.contains("operation error WorkSpaces: UpdateWorkspaceImagePermission")
            && said.contains("ThrottlingException: Rate exceeded"),
        "{text}"
    );
    assert!(
        said.contains(&format!(
            "Error: creating WorkSpaces Image Sharing ({img_s})"
        )) && said.contains(&format!("of {GRANTS} permission changes failed")),
        "{text}"
    );
    // Partway: some grants of each kind happened, some did not.
    assert!(
        (1..GRANTS).contains(&held_p.len()) && (1..GRANTS).contains(&held_s.len()),
        "expected a partial apply: {} and {}",
        held_p.len(),
        held_s.len()
    );
    let st = state(&wd);
    assert_eq!(
        st.permission_accounts(&img_p),
        held_p,
        "state must list exactly the permission grants AWS holds"
    );
    assert_eq!(
        state_list_count(&wd, "workspaces_image_permission"),
        held_p.len()
    );
    assert_eq!(
        st.sharing_accounts(&img_s),
        Some(held_s.clone()),
        "the sharing resource's state must list exactly the accounts AWS holds"
    );
    // Each grant that failed was throttled on all 3 attempts, the last of
    // which no retry followed; every other throttle was retried. So the
    // proxy's count, the SDK's retries and moto's grants must agree.
    let update = proxy.stats().operation(UPDATE);
    let failed_grants = (GRANTS - held_p.len()) + (GRANTS - held_s.len());
    assert_eq!(
        update.fault(FaultKind::Throttle) - update.retries,
        failed_grants as u64,
        "throttles not followed by a retry must be the grants that failed: {update:?}"
    );

    // Faults off: one more run converges, and a plan is then clean.
    proxy.set_mix(FaultMix::none());
    let (ok, text) = fig.step(&proxy, &wd, "apply (faults off)", APPLY);
    assert!(ok, "the re-run must converge:\n{text}");
    assert_eq!(moto.shared_accounts(&img_p), sorted(&acc_p));
    assert_eq!(moto.shared_accounts(&img_s), sorted(&acc_s));
    let st = state(&wd);
    assert_eq!(st.permission_accounts(&img_p), sorted(&acc_p));
    assert_eq!(st.sharing_accounts(&img_s), Some(sorted(&acc_s)));
    let runs = fig.rows.len();
    let (code, text) = fig.plan(&proxy, &wd);
    assert_eq!(code, 0, "{text}");
    eprintln!("heavy mix: converged after {runs} apply runs (the second without faults)");
}

/// A response that stalls forever: the attempt time-out (2 s here) turns
/// each stall into a retried error. With the stall limited to a few
/// requests the run succeeds; with every grant stalled it fails with a
/// clear diagnostic. Neither hangs.
#[test]
fn a_stalled_response_is_retried_after_the_attempt_timeout_and_never_hangs_a_run() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let seed = seed(8004);
    let mut config = ProxyConfig::new(&moto.url, seed, FaultMix::none());
    config.stalls = vec![
        StallRule {
            operation: UPDATE.to_string(),
            count: 3,
        },
        StallRule {
            operation: "DescribeWorkspaceImagePermissions".to_string(),
            count: 1,
        },
    ];
    let proxy = FaultProxy::start(config);
    let mut wd = workdir();
    wd.set_env("TF_WORKSPACES_ATTEMPT_TIMEOUT", "2s");
    let few = accounts(540_000_000_000)[..5].to_vec();
    wd.init(&format!(
        "{}{}",
        provider_block(&proxy.url, ""),
        permissions_hcl(&image, &few)
    ));
    let mut fig = Figures::new(format!(
        "stall: first 3 {UPDATE} and first DescribeWorkspaceImagePermissions never complete, \
         attempt timeout 2 s, seed {seed}"
    ));
    let (ok, text) = fig.step(&proxy, &wd, "apply (4 stalls)", APPLY);
    assert!(
        ok,
        "stalls of a few requests must be retried through:\n{text}"
    );
    let wall = fig.rows[0].wall;
    assert!(wall < Duration::from_secs(60), "took {wall:?}");
    assert_eq!(moto.shared_accounts(&image), few);
    let stats = proxy.stats();
    assert_eq!(stats.operation(UPDATE).fault(FaultKind::Stall), 3);
    assert!(
        stats.operation(UPDATE).retries >= 3,
        "each stalled grant must be retried: {:?}",
        stats.operation(UPDATE)
    );

    // Every grant stalls from now on, and the provider allows 2 retries.
    let mut config = ProxyConfig::new(&moto.url, seed, FaultMix::none());
    config.stalls = vec![StallRule {
        operation: UPDATE.to_string(),
        count: u64::MAX,
    }];
    let stalled = FaultProxy::start(config);
    let more = accounts(540_000_000_000)[..6].to_vec();
    wd.write_config(&format!(
        "{}{}",
        provider_block(&stalled.url, "  max_retries = 2"),
        permissions_hcl(&image, &more)
    ));
    let (ok, text) = fig.step(&stalled, &wd, "apply (all stall)", APPLY);
    let wall = fig.rows[1].wall;
    assert!(
        !ok,
        "a grant that never gets an answer cannot succeed:\n{text}"
    );
    assert!(wall < Duration::from_secs(60), "took {wall:?}");
    let said = common::flat(&text);
    assert!(
        said.contains("Error: creating WorkSpaces Image Permission (")
            && said.contains("operation error WorkSpaces: UpdateWorkspaceImagePermission")
            && said.contains("(3 attempts): timed out after 2 s waiting for a response"),
        "the failure must say what timed out and how often it was tried:\n{text}"
    );
    assert_eq!(stalled.stats().operation(UPDATE).fault(FaultKind::Stall), 3);
    // The stalled grant was never applied, and state does not claim it.
    assert_eq!(moto.shared_accounts(&image), few);
    assert_eq!(state(&wd).permission_accounts(&image), few);
    drop(stalled);
    drop(proxy);
}

#[test]
fn the_proxy_draws_the_same_faults_for_the_same_seed() {
    use common::fault_proxy::XorShift;
    let mut a = XorShift::new(42);
    let mut b = XorShift::new(42);
    let xs: Vec<f64> = (0..2000).map(|_| a.percent()).collect();
    let ys: Vec<f64> = (0..2000).map(|_| b.percent()).collect();
    assert_eq!(xs, ys);
    let under_15 = xs.iter().filter(|x| **x < 15.0).count();
    assert!(
        (220..380).contains(&under_15),
        "{under_15} of 2000 under 15%"
    );
    let mut c = XorShift::new(43);
    assert_ne!(
        xs[..10],
        (0..10).map(|_| c.percent()).collect::<Vec<_>>()[..]
    );
    let distinct: BTreeSet<u64> = xs.iter().map(|x| x.to_bits()).collect();
    assert_eq!(distinct.len(), xs.len());
}

/// A grant whose every attempt stalls, with the provider's defaults (25
/// retries, 60 s per attempt: half an hour of stalls): the resource's
/// `create = "20s"` ends it, retries and all, with a diagnostic.
#[test]
fn a_permanent_stall_ends_within_the_resources_create_timeout() {
    let moto = Moto::start();
    let image = moto.seed_image();
    let mut config = ProxyConfig::new(&moto.url, seed(8005), FaultMix::none());
    config.stalls = vec![StallRule {
        operation: UPDATE.to_string(),
        count: u64::MAX,
    }];
    let proxy = FaultProxy::start(config);
    let wd = workdir();
    let account = &accounts(550_000_000_000)[0];
    wd.init(&format!(
        "{}\nresource \"workspaces_image_permission\" \"one\" {{\n  image_id          = \"{image}\"\n  shared_account_id = \"{account}\"\n  timeouts {{\n    create = \"20s\"\n  }}\n}}\n",
        provider_block(&proxy.url, "")
    ));
    let mut fig = Figures::new(
        "permanent stall of every grant, default max_retries and attempt timeout, create timeout 20 s"
            .to_string(),
    );
    let (ok, text) = fig.step(&proxy, &wd, "apply (all stall)", APPLY);
    let wall = fig.rows[0].wall;
    assert!(!ok, "{text}");
    assert!(
        wall < Duration::from_secs(40),
        "the create timeout is 20 s, the run took {wall:?}:\n{text}"
    );
    assert!(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("the operation's time (20 s) ran out"),
        "{text}"
    );
    assert!(moto.shared_accounts(&image).is_empty());
}
