//! Tests of the io_uring paths: the vendored glommio executor and the
//! socket layer of the server.

mod glommio_regressions;
