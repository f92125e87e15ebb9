//! Standard output that a closed pipe cannot crash: `promptledger history --json | head -1` ends
//! quietly with status 0 when `head` stops reading, instead of the panic `println!` gives.
//! Everything a command records is committed before it prints, so nothing is lost.

use std::fmt;
use std::io::{ErrorKind, Write};

/// Writes `args` (and a newline when `newline`) to stdout; a reader that went away ends the
/// process quietly.
pub fn write(args: fmt::Arguments<'_>, newline: bool) {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_fmt(args)
        .and_then(|()| {
            if newline {
                out.write_all(b"\n")
            } else {
                Ok(())
            }
        })
        .and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error[io]: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// `println!` to stdout through [`write`].
macro_rules! outln {
    () => { $crate::out::write(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*), true) };
}

/// `print!` to stdout through [`write`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::write(format_args!($($arg)*), false) };
}
