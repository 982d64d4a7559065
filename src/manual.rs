//! `netinvite help [COMMAND]…`: the same text as `--help`, followed by the name of the
//! command's manual page. The pages themselves (docs/man/, one per command) are
//! generated from the same clap definition by a test, so help and manual cannot drift.

use crate::error::CliError;

/// The manual page name of a command path: `netinvite`, `netinvite-list`,
/// `netinvite-auth-status`.
pub fn page_name(path: &[&str]) -> String {
    std::iter::once("netinvite")
        .chain(path.iter().copied())
        .collect::<Vec<_>>()
        .join("-")
}

/// The help of the command at `path` in `cli` (netinvite's command line, passed in by
/// the caller; an empty path is netinvite itself) and where its manual is.
pub fn help(cli: clap::Command, path: &[String]) -> Result<String, CliError> {
    let mut cmd = cli.clone();
    cmd.build();
    let mut names = Vec::with_capacity(path.len());
    let mut current = &mut cmd;
    for word in path {
        let known: Vec<String> = current
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .map(|c| c.get_name().to_string())
            .collect();
        let Some(sub) = current
            .find_subcommand_mut(word)
            .filter(|c| !c.is_hide_set())
        else {
            let within = if names.is_empty() {
                "netinvite".to_string()
            } else {
                format!("netinvite {}", names.join(" "))
            };
            return Err(CliError::Usage {
                message: if known.is_empty() {
                    format!("{within} has no subcommands (got {word:?})")
                } else {
                    format!("{within} has no command {word:?}")
                },
                hint: (!known.is_empty()).then(|| format!("commands: {}", known.join(", "))),
            });
        };
        // An alias (`ls`) names the command's page.
        names.push(sub.get_name().to_string());
        current = sub;
    }
    // Exactly what `--help` prints (clap picks the long or short layout by itself).
    let argv = std::iter::once("netinvite")
        .chain(path.iter().map(String::as_str))
        .chain(["--help"]);
    let text = match cli.try_get_matches_from(argv) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => e.render().to_string(),
        _ => current.render_long_help().to_string(),
    };
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let page = page_name(&names);
    Ok(format!(
        "{text}\nManual: man {page} (docs/man/{page}.1 in the source tree)\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli() -> clap::Command {
        clap::Command::new("netinvite")
            .subcommand(clap::Command::new("list").visible_alias("ls").about("List"))
            .subcommand(
                clap::Command::new("auth").subcommand(clap::Command::new("status").about("S")),
            )
    }

    #[test]
    fn pages_are_named_after_the_command_path() {
        assert_eq!(page_name(&[]), "netinvite");
        assert_eq!(page_name(&["auth", "status"]), "netinvite-auth-status");
        assert!(
            help(cli(), &["ls".into()])
                .unwrap()
                .contains("man netinvite-list")
        );
        let status = help(cli(), &["auth".into(), "status".into()]).unwrap();
        assert!(status.contains("man netinvite-auth-status"), "{status}");
        assert!(help(cli(), &["nope".into()]).is_err());
    }
}
