//! The plugin binary Terraform runs. All of the work is in the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    tfws::logging::init(tfws::logging::Format::Json);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
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
        tfws::plugin::ignore_interrupts();
        tfws::plugin::run().await
    }) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
