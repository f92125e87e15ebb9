//! `promptledger templates …`: save (a new version each time), list and show prompt templates.

use clap::Subcommand;
use promptledger_core::Result;
use promptledger_core::ledger::Ledger;

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Save a template (saving an existing name adds a version). Use {{name}} placeholders.
    Save {
        /// Template name
        name: String,
        /// System prompt
        #[arg(long, short = 's')]
        system: Option<String>,
        /// The body; `-` reads stdin
        body: String,
    },
    /// List templates with their use and spend.
    List {
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Show a template's latest version.
    Show {
        /// Template name
        name: String,
    },
}

pub fn run(ledger: &mut Ledger, cmd: TemplatesCommand) -> Result<()> {
    match cmd {
        TemplatesCommand::Save { name, system, body } => {
            let body = if body == "-" {
                crate::shared::read_stdin()?
            } else {
                body
            };
            let t = ledger.save_template(&name, &body, system.as_deref())?;
            outln!(
                "saved {} v{} (variables: {})",
                t.name,
                t.version,
                if t.variables.is_empty() {
                    "none".into()
                } else {
                    t.variables.join(", ")
                }
            );
        }
        TemplatesCommand::List { json } => {
            let list = ledger.templates()?;
            if json {
                return crate::print_json(&list);
            }
            outln!(
                "{:<24} {:>4} {:>6} {:>12}  variables",
                "name",
                "ver",
                "runs",
                "spend"
            );
            for t in &list {
                outln!(
                    "{:<24} {:>4} {:>6} {:>12}  {}",
                    t.name,
                    t.version,
                    t.usage_count,
                    t.spend_nano_usd.to_string(),
                    t.variables.join(", ")
                );
            }
        }
        TemplatesCommand::Show { name } => {
            let t = ledger.template(&name)?;
            outln!(
                "{} v{} · {} runs · {}",
                t.name,
                t.version,
                t.usage_count,
                t.spend_nano_usd
            );
            if let Some(s) = &t.system_prompt {
                outln!("# system\n{s}");
            }
            outln!("# body\n{}", t.body);
        }
    }
    Ok(())
}
