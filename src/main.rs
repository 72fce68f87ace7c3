//! `shardis-server [redis.conf] [--directive value ...]`: starts a data node
//! (or, later, a sentinel or cluster node) as redis-server does.

#[global_allocator]
static GLOBAL: shardis::alloc::CountingMiMalloc = shardis::alloc::CountingMiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-v" || a == "--version") {
        println!(
            "Shardis server v={} (Redis {} compatible) bits=64",
            shardis::server::SHARDIS_VERSION,
            shardis::server::REDIS_VERSION
        );
        return;
    }
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("Usage: shardis-server [/path/to/redis.conf] [options] [-]");
        println!("       shardis-server -v or --version");
        println!("       shardis-server -h or --help");
        println!();
        println!("Examples:");
        println!("       shardis-server (run the server with default config, on 127.0.0.1:6379)");
        println!("       shardis-server /etc/redis/6379.conf");
        println!("       shardis-server --port 7777 --threads 4");
        println!("       shardis-server /etc/myredis.conf --loglevel verbose --save \"\"");
        return;
    }
    let config = match shardis::config::Config::from_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", e);
            std::process::exit(1);
        }
    };
    std::process::exit(shardis::server::run(config));
}
