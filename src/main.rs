//! The plugin binary Terraform runs. All of the work is in the library.

use std::process::ExitCode;
use tfws::plugin::cli::{self, Command};

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("terraform-provider-workspaces: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Version => {
            println!("{}", cli::version_text());
            return ExitCode::SUCCESS;
        }
        Command::Help => {
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Command::Serve => tfws::logging::init(tfws::logging::Format::Json),
        Command::Debug { .. } => tfws::logging::init(tfws::logging::Format::Text),
    }
    // One thread: the work is waiting on Terraform and AWS, a fraction of
    // a core even at -parallelism=50, and worker threads would cost a
    // wake-up across threads for every message (and memory) for nothing.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("terraform-provider-workspaces: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(async {
        match command {
            Command::Debug { address, protocol } => {
                tfws::plugin::run_debug(address, protocol).await
            }
            _ => {
                tfws::plugin::ignore_interrupts();
                tfws::plugin::run().await
            }
        }
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
