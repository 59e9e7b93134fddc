use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = paddock::config::Cli::parse_args();
    paddock::telemetry::init(cli.serve.log_format);
    match paddock::app::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("paddock: {error}");
            ExitCode::FAILURE
        }
    }
}
