use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = paddock::config::Cli::parse();
    paddock::telemetry::init(cli.serve.log_format);
    match paddock::app::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("paddock: {error}");
            ExitCode::FAILURE
        }
    }
}
