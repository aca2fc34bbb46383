//! The command-line conventions the examples share: `--help` prints the usage to
//! standard output and exits 0; a bad command line names the argument and says why, on
//! one line of standard error, then the usage, and exits 2. Hand-written (no parser
//! crate), so the examples build nothing beyond the library; `tests/examples_cli.rs`
//! runs every example with bad arguments.
#![allow(dead_code)] // each example uses part of it

use std::fmt;
use std::process::ExitCode;
use std::str::FromStr;

/// What is wrong with a command line.
#[derive(Debug, PartialEq, Eq)]
pub enum CliError {
    /// `--help` or `-h`: not an error, the usage goes to standard output.
    Help,
    /// An option the program does not know.
    UnknownOption(String),
    /// An option that takes a value came last.
    MissingValue(&'static str),
    /// An option's value is not acceptable.
    BadValue {
        /// The option.
        option: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        why: String,
    },
    /// Something else about the command line (no hosts, too many, …).
    Other(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Help => f.write_str("help requested"),
            Self::UnknownOption(o) => write!(f, "unknown option {o}"),
            Self::MissingValue(o) => write!(f, "{o} needs a value"),
            Self::BadValue { option, value, why } => write!(f, "{option} {value:?}: {why}"),
            Self::Other(s) => f.write_str(s),
        }
    }
}

/// The arguments after the program name.
pub struct Args(std::vec::IntoIter<String>);

impl Args {
    /// The process's arguments.
    pub fn from_env() -> Self {
        Self(std::env::args().skip(1).collect::<Vec<_>>().into_iter())
    }

    /// The next argument, or `Err(Help)` for `--help`/`-h`.
    pub fn next(&mut self) -> Option<Result<String, CliError>> {
        self.0.next().map(|a| if a == "--help" || a == "-h" { Err(CliError::Help) } else { Ok(a) })
    }

    /// The value of `option`, parsed, and accepted by `check` (which says why not).
    pub fn value<T: FromStr>(
        &mut self,
        option: &'static str,
        what: &str,
        check: impl Fn(&T) -> Result<(), String>,
    ) -> Result<T, CliError> {
        let value = self.0.next().ok_or(CliError::MissingValue(option))?;
        let parsed: T = value.parse().map_err(|_| CliError::BadValue {
            option,
            value: value.clone(),
            why: format!("not {what}"),
        })?;
        check(&parsed).map_err(|why| CliError::BadValue { option, value, why })?;
        Ok(parsed)
    }
}

/// Accepts any value.
pub fn any<T>(_: &T) -> Result<(), String> {
    Ok(())
}

/// Accepts values in `min..=max`.
pub fn within<T: PartialOrd + fmt::Display>(min: T, max: T) -> impl Fn(&T) -> Result<(), String> {
    move |v| if *v < min || *v > max { Err(format!("must be between {min} and {max}")) } else { Ok(()) }
}

/// Refuses no server, and more than `max`.
pub fn check_hosts(hosts: &[String], max: usize) -> Result<(), CliError> {
    match hosts.len() {
        0 => Err(CliError::Other("no server given".into())),
        n if n > max => Err(CliError::Other(format!("{n} servers given, at most {max}"))),
        _ => Ok(()),
    }
}

/// Ends the program for a bad command line: the usage on `--help` (exit 0), else the
/// error and the usage on standard error (exit 2).
pub fn exit(program: &str, usage: &str, error: &CliError) -> ExitCode {
    if *error == CliError::Help {
        println!("usage: {program} {usage}");
        return ExitCode::SUCCESS;
    }
    eprintln!("{program}: {error}");
    eprintln!("usage: {program} {usage}");
    ExitCode::from(2)
}
