//! Tests of the io_uring paths: the vendored glommio executor and the
//! socket layer of the server.

#[path = "../tests/common/mod.rs"]
mod common;
mod glommio_regressions;
mod sockets;
