//! The end-to-end and integration tests that share `common/`, as one test
//! binary: `common` (the moto, Terraform, fake-endpoint and proxy harness)
//! and the SDK code it instantiates compile and link once instead of once
//! per file, which was minutes of every fresh build on two cores. Each file
//! stays a module of its own: `cargo test --test e2e call_counts::` runs one.

mod common;

mod aws_faults;
mod bad_input_e2e;
mod call_counts;
mod data_source_e2e;
mod debug_mode_e2e;
mod docs_schema_e2e;
mod examples_e2e;
mod fake_workspaces_selftest;
mod fault_convergence_e2e;
mod image_sharing_e2e;
mod install_scripts;
mod logging_e2e;
mod old_terraform_e2e;
mod process_life_e2e;
mod provider_config_e2e;
mod release_e2e;
mod secrets_e2e;
mod sharing_loopback_e2e;
mod terraform_e2e;
mod transport_errors_e2e;
