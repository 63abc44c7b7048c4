use clap::Parser;

fn main() {
    let cli = dvposture::cli::Cli::parse();
    let code = match dvposture::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`dvposture ... | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                0
            } else {
                eprintln!("error: {e:#}");
                dvposture::app::EXIT_ERROR
            }
        }
    };
    std::process::exit(code);
}
