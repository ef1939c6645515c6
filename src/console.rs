//! Lines for the user on stderr and stdout that never panic. `eprintln!`
//! and `println!` panic when the reader has gone (`edgecase ... 2>&1 |
//! head`, a closed terminal): the lines are lost then, the run is not.

/// `eprintln!` that drops the line when stderr cannot take it.
macro_rules! to_stderr {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `println!` that drops the line when stdout cannot take it.
macro_rules! to_stdout {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub(crate) use {to_stderr, to_stdout};
