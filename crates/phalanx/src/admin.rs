//! `phalanx principal …` and `phalanx key …`: accounts, rights and API keys.
//!
//! These commands write straight into the node's store (SQLite allows it while the server
//! runs); a running server notices changes within the authentication cache's lifetime.

use std::io::BufRead as _;

use anyhow::{Context, Result, bail};
use phalanx_store::{Grant, NewApiKey, NewPrincipal};

use crate::cli::{KeyCommand, NodeArgs, PrincipalCommand};
use crate::config::NodeConfig;
use crate::node::Node;

fn open_node(args: &NodeArgs) -> Result<Node> {
    let config = NodeConfig::for_command(args)?;
    Node::open(&config)
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("the password on standard input is empty");
    }
    Ok(password)
}

/// Runs a `principal` subcommand.
pub fn principal(command: PrincipalCommand) -> Result<()> {
    match command {
        PrincipalCommand::Add {
            node,
            name,
            admin,
            password_stdin,
            read,
            write,
        } => {
            if name.is_empty() || name.contains(':') {
                bail!(
                    "principal name `{name}` is invalid: it must be non-empty and contain no ':'"
                );
            }
            let node = open_node(&node)?;
            let password_hash = if password_stdin {
                Some(
                    phalanx_taxii::auth::hash_password(&read_password()?)
                        .map_err(anyhow::Error::msg)?,
                )
            } else {
                node.store
                    .get_principal(&name)?
                    .and_then(|p| p.password_hash)
            };
            node.store.upsert_principal(&NewPrincipal {
                name: &name,
                password_hash: password_hash.as_deref(),
                admin,
            })?;
            let mut rights: std::collections::BTreeMap<String, (bool, bool)> = Default::default();
            for reference in &read {
                rights
                    .entry(node.collection(Some(reference))?.1.id.to_string())
                    .or_default()
                    .0 = true;
            }
            for reference in &write {
                rights
                    .entry(node.collection(Some(reference))?.1.id.to_string())
                    .or_default()
                    .1 = true;
            }
            for (collection, (can_read, can_write)) in rights {
                node.store.set_grant(&Grant {
                    principal: name.clone(),
                    collection,
                    can_read,
                    can_write,
                })?;
            }
            eprintln!(
                "principal `{name}` saved{}",
                if admin { " (administrator)" } else { "" }
            );
        }
        PrincipalCommand::List { node } => {
            let node = open_node(&node)?;
            let grants = node.store.list_grants(None)?;
            let keys = node.store.list_api_keys(None)?;
            for p in node.store.list_principals()? {
                let rights: Vec<String> = grants
                    .iter()
                    .filter(|g| g.principal == p.name)
                    .map(|g| {
                        let name = collection_label(&node, &g.collection);
                        let mode = match (g.can_read, g.can_write) {
                            (true, true) => "rw",
                            (true, false) => "r",
                            (false, true) => "w",
                            (false, false) => "-",
                        };
                        format!("{name}:{mode}")
                    })
                    .collect();
                let active_keys = keys
                    .iter()
                    .filter(|k| k.principal == p.name && k.revoked.is_none())
                    .count();
                println!(
                    "{}\t{}\tpassword:{}\tkeys:{}\t{}",
                    p.name,
                    if p.admin { "admin" } else { "user" },
                    if p.password_hash.is_some() {
                        "yes"
                    } else {
                        "no"
                    },
                    active_keys,
                    if rights.is_empty() {
                        "-".to_owned()
                    } else {
                        rights.join(",")
                    }
                );
            }
        }
        PrincipalCommand::Remove { node, name } => {
            let node = open_node(&node)?;
            if !node.store.delete_principal(&name)? {
                bail!("there is no principal `{name}`");
            }
            eprintln!("principal `{name}` removed with its grants and keys");
        }
        PrincipalCommand::Grant {
            node,
            name,
            collection,
            read,
            write,
        } => {
            let node = open_node(&node)?;
            if node.store.get_principal(&name)?.is_none() {
                bail!(
                    "there is no principal `{name}`; create it with `phalanx principal add {name}`"
                );
            }
            let (_, c) = node.collection(Some(&collection))?;
            node.store.set_grant(&Grant {
                principal: name.clone(),
                collection: c.id.to_string(),
                can_read: read,
                can_write: write,
            })?;
            eprintln!("`{name}` on {collection}: can_read={read} can_write={write}");
        }
        PrincipalCommand::HashPassword => {
            let hash = phalanx_taxii::auth::hash_password(&read_password()?)
                .map_err(anyhow::Error::msg)?;
            println!("{hash}");
        }
    }
    Ok(())
}

fn collection_label(node: &Node, id: &str) -> String {
    node.taxii
        .collections()
        .find(|(_, c)| c.id.to_string() == id)
        .map(|(r, c)| {
            format!(
                "{}/{}",
                r.name,
                c.alias.clone().unwrap_or_else(|| c.id.to_string())
            )
        })
        .unwrap_or_else(|| id.to_owned())
}

/// Runs a `key` subcommand.
pub fn key(command: KeyCommand) -> Result<()> {
    match command {
        KeyCommand::Create {
            node,
            principal,
            label,
        } => {
            let node = open_node(&node)?;
            if node.store.get_principal(&principal)?.is_none() {
                bail!(
                    "there is no principal `{principal}`; create it with `phalanx principal add {principal}`"
                );
            }
            let key = phalanx_taxii::auth::generate_api_key();
            let key_id = uuid::Uuid::new_v4().to_string();
            node.store.create_api_key(&NewApiKey {
                key_id: &key_id,
                principal: &principal,
                key_hash: &key.hash,
                label: &label,
            })?;
            eprintln!("API key {key_id} created for `{principal}`; it is shown only now:");
            println!("{}", key.secret);
        }
        KeyCommand::List { node } => {
            let node = open_node(&node)?;
            for k in node.store.list_api_keys(None)? {
                let state = match k.revoked {
                    Some(_) => "revoked",
                    None => "active",
                };
                println!("{}\t{}\t{}\t{}", k.key_id, k.principal, state, k.label);
            }
        }
        KeyCommand::Revoke { node, key_id } => {
            let node = open_node(&node)?;
            if !node.store.revoke_api_key(&key_id)? {
                bail!("there is no active API key `{key_id}`; see `phalanx key list`");
            }
            eprintln!("API key {key_id} revoked");
        }
    }
    Ok(())
}
