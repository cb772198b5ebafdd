//! Module source addresses, as Terraform spells them: local paths, git repositories
//! (`git::URL[//subdir][?ref=REF]`, `github.com/ORG/REPO`) and registry addresses.
//!
//! Only parsing and naming live here; fetching is `init`'s job and reading the fetched
//! directory is the loader's.

use std::path::{Path, PathBuf};

/// Where the checkouts of git modules live, relative to the root module's directory.
pub const MODULES_DIR: &str = ".vnetform/modules";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// `./x` or `../x`, relative to the calling module.
    Local(String),
    Git(GitSource),
    /// A source vnetform cannot fetch (registry addresses, archives over HTTP, buckets).
    Unsupported,
}

/// A git repository, optionally a directory in it, at an optional ref.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GitSource {
    pub url: String,
    pub reference: Option<String>,
    pub subdir: Option<String>,
}

impl ModuleSource {
    pub fn parse(source: &str) -> ModuleSource {
        if source.starts_with("./") || source.starts_with("../") {
            return ModuleSource::Local(source.to_owned());
        }
        let git = if let Some(rest) = source.strip_prefix("git::") {
            rest.to_owned()
        } else if let Some(rest) = source.strip_prefix("github.com/") {
            github_https(rest)
        } else if source.starts_with("git@") {
            source.to_owned()
        } else {
            return ModuleSource::Unsupported;
        };
        ModuleSource::Git(GitSource::parse(&git))
    }
}

/// `ORG/REPO[//subdir][?ref=x]` → `https://github.com/ORG/REPO.git[//subdir][?ref=x]`.
fn github_https(rest: &str) -> String {
    let end = rest.find(['?']).unwrap_or(rest.len());
    let (path, query) = rest.split_at(end);
    let (repo, subdir) = match path.find("//") {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    let repo = repo.trim_end_matches(".git");
    format!("https://github.com/{repo}.git{subdir}{query}")
}

impl GitSource {
    fn parse(text: &str) -> GitSource {
        let (location, query) = text.split_once('?').unwrap_or((text, ""));
        let reference = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("ref="))
            .map(str::to_owned);
        // The subdirectory follows a `//` after the scheme's own `://`.
        let search_from = location.find("://").map_or(0, |i| i + 3);
        let (url, subdir) = match location[search_from..].find("//") {
            Some(i) => {
                let split = search_from + i;
                (&location[..split], Some(location[split + 2..].to_owned()))
            }
            None => (location, None),
        };
        GitSource {
            url: url.to_owned(),
            reference,
            subdir: subdir.filter(|s| !s.is_empty()),
        }
    }

    /// The checkout's directory name under [`MODULES_DIR`]: the same for the same repository
    /// and ref, so calls sharing them share one checkout and a changed ref gets a new one.
    pub fn checkout_name(&self) -> String {
        let key = format!(
            "{}?ref={}",
            self.url,
            self.reference.as_deref().unwrap_or("")
        );
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes())
            .simple()
            .to_string()
    }

    /// Where the module's files are once fetched, under the root module's directory.
    pub fn module_dir(&self, root: &Path) -> PathBuf {
        let checkout = root.join(MODULES_DIR).join(self.checkout_name());
        match &self.subdir {
            Some(subdir) => checkout.join(subdir),
            None => checkout,
        }
    }

    /// The URL without any password or token in it, for messages.
    pub fn shown_url(&self) -> String {
        match (self.url.find("://"), self.url.find('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                format!("{}://***{}", &self.url[..scheme], &self.url[at..])
            }
            _ => self.url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(source: &str) -> GitSource {
        match ModuleSource::parse(source) {
            ModuleSource::Git(g) => g,
            other => panic!("{source} parsed as {other:?}"),
        }
    }

    #[test]
    fn parses_terraform_git_addresses() {
        let g = git("git::https://example.com/network.git//modules/vpn?ref=v1.2.0");
        assert_eq!(g.url, "https://example.com/network.git");
        assert_eq!(g.subdir.as_deref(), Some("modules/vpn"));
        assert_eq!(g.reference.as_deref(), Some("v1.2.0"));
        let g = git("git::file:///srv/repos/net//vnet");
        assert_eq!(
            (g.url.as_str(), g.subdir.as_deref()),
            ("file:///srv/repos/net", Some("vnet"))
        );
        let g = git("github.com/contoso/azure-vpn//gateway?ref=main");
        assert_eq!(g.url, "https://github.com/contoso/azure-vpn.git");
        assert_eq!(g.subdir.as_deref(), Some("gateway"));
        assert_eq!(g.reference.as_deref(), Some("main"));
        assert_eq!(
            git("git@github.com:contoso/vpn.git").url,
            "git@github.com:contoso/vpn.git"
        );
        assert_eq!(
            ModuleSource::parse("Azure/vnet/azurerm"),
            ModuleSource::Unsupported
        );
        assert_eq!(
            ModuleSource::parse("./modules/vnet"),
            ModuleSource::Local("./modules/vnet".into())
        );
    }

    #[test]
    fn checkouts_are_named_by_repository_and_ref_and_hide_credentials() {
        let a = git("git::https://user:token@example.com/net.git//a?ref=v1");
        let b = git("git::https://user:token@example.com/net.git//b?ref=v1");
        let c = git("git::https://user:token@example.com/net.git//a?ref=v2");
        assert_eq!(a.checkout_name(), b.checkout_name());
        assert_ne!(a.checkout_name(), c.checkout_name());
        assert_eq!(a.shown_url(), "https://***@example.com/net.git");
    }
}
