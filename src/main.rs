fn main() {
    std::process::exit(probity::cli::run());
}
