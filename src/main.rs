use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tessera::logging::init();
    match tessera::cli::run(tessera::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
