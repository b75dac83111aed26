//! Who may connect: plain OpenSSH public-key files under `keys/`, one per person —
//! `keys/admin/NAME.pub` and `keys/staff/NAME.pub`. The files are the single source of
//! truth; this module reads them, and changes them atomically (write, fsync, rename) for
//! the `keys` commands and the Accès tab.

use crate::app::Role;
pub use crate::app::access::AccessError;
use crate::app::access::{KeyInfo, PersonInfo};
use russh::keys::ssh_key::public::KeyData;
use russh::keys::{HashAlg, PrivateKey, PublicKey};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Smallest RSA modulus accepted, in bits.
pub const RSA_MIN_BITS: u32 = 3072;
/// File name of the server's host key inside the keys folder.
pub const HOST_KEY_FILE: &str = "host_ed25519";

/// One enrolled key.
#[derive(Clone, Debug)]
pub struct KeyEntry {
    pub key: PublicKey,
    /// `SHA256:…`, exactly as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    pub comment: String,
    /// `ED25519`, `ECDSA`, `RSA`, as `ssh-keygen -l` names them.
    pub kind: String,
    pub bits: u32,
    pub file: PathBuf,
    pub line: usize,
}

/// A person and their keys.
#[derive(Clone, Debug)]
pub struct Person {
    pub name: String,
    pub role: Role,
    pub keys: Vec<KeyEntry>,
}

impl KeyEntry {
    pub fn info(&self) -> KeyInfo {
        KeyInfo {
            kind: self.kind.clone(),
            bits: self.bits,
            fingerprint: self.fingerprint.clone(),
            comment: self.comment.clone(),
        }
    }
}

impl Person {
    pub fn info(&self) -> PersonInfo {
        PersonInfo {
            name: self.name.clone(),
            role: self.role,
            keys: self.keys.iter().map(KeyEntry::info).collect(),
        }
    }
}

/// Everything `keys/` says, plus what it could not read.
#[derive(Clone, Debug, Default)]
pub struct AccessList {
    pub people: Vec<Person>,
    /// `keys/staff/bob.pub:3: …`, for the log and `keys list`.
    pub problems: Vec<String>,
}

fn refuse<T>(msg: impl Into<String>) -> Result<T, AccessError> {
    Err(AccessError(msg.into()))
}

/// Names are file names: a safe charset only, so nothing can point outside `keys/`.
pub fn validate_name(name: &str) -> Result<(), AccessError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
        })
        && !name.starts_with(['.', '-'])
        && !name.contains("..");
    if ok {
        Ok(())
    } else {
        refuse(format!(
            "nom « {name} » refusé : 1 à 32 caractères parmi a-z, 0-9, '.', '-', '_', sans commencer par '.' ou '-'"
        ))
    }
}

fn role_dir(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Staff => "staff",
    }
}

/// `SHA256:…` of a key.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Parses one `authorized_keys`-style line and applies the key policy: Ed25519, ECDSA and
/// RSA of at least 3072 bits; DSA and short RSA are refused with the reason.
pub fn parse_key_line(line: &str) -> Result<(PublicKey, String, u32), AccessError> {
    let line = line.trim();
    if let Some(c) = crate::domain::text::first_unprintable(line, false) {
        return refuse(format!(
            "caractère de contrôle U+{:04X} dans la clé ou son commentaire : refusé",
            c as u32
        ));
    }
    // Options before the key type (authorized_keys syntax) are not supported: say so.
    let start = line
        .find("ssh-")
        .or_else(|| line.find("ecdsa-"))
        .unwrap_or(0);
    if start > 0 && !line[..start].trim().is_empty() {
        return refuse(
            "les options authorized_keys ne sont pas prises en charge : une clé par ligne, « type base64 commentaire »",
        );
    }
    if line.starts_with("ssh-dss") {
        return refuse(
            "clé DSA refusée : algorithme obsolète, utilisez une clé Ed25519 (ssh-keygen -t ed25519)",
        );
    }
    let key = PublicKey::from_openssh(line).map_err(|e| {
        AccessError(format!(
            "clé publique OpenSSH illisible ({e}) : attendu « ssh-ed25519 AAAA… commentaire »"
        ))
    })?;
    let (kind, bits) = match key.key_data() {
        KeyData::Ed25519(_) => ("ED25519", 256),
        KeyData::Ecdsa(k) => (
            "ECDSA",
            match k.curve() {
                russh::keys::EcdsaCurve::NistP256 => 256,
                russh::keys::EcdsaCurve::NistP384 => 384,
                russh::keys::EcdsaCurve::NistP521 => 521,
            },
        ),
        KeyData::Rsa(k) => {
            let bits = k.key_size();
            if bits < RSA_MIN_BITS {
                return refuse(format!(
                    "clé RSA de {bits} bits refusée : {RSA_MIN_BITS} bits au moins (ou une clé Ed25519)"
                ));
            }
            ("RSA", bits)
        }
        KeyData::Dsa(_) => {
            return refuse("clé DSA refusée : algorithme obsolète, utilisez une clé Ed25519");
        }
        _ => {
            return refuse(format!(
                "type de clé {} non pris en charge (Ed25519, ECDSA ou RSA ≥ 3072 bits)",
                key.algorithm()
            ));
        }
    };
    Ok((key, kind.to_string(), bits))
}

impl AccessList {
    /// Reads `keys/admin/*.pub` and `keys/staff/*.pub`. A bad line is reported with its
    /// file and line number and does not stop the other keys.
    pub fn load(dir: &Path) -> AccessList {
        let mut list = AccessList::default();
        for role in [Role::Admin, Role::Staff] {
            let folder = dir.join(role_dir(role));
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            let mut files: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for file in files {
                let Some(name) = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".pub"))
                else {
                    continue;
                };
                if let Err(e) = validate_name(name) {
                    list.problems.push(format!("{}: {e}", file.display()));
                    continue;
                }
                if let Some(other) = list.people.iter().find(|p| p.name == name) {
                    list.problems.push(format!(
                        "{}: {name} est aussi {} : fichier ignoré (une personne = un rôle)",
                        file.display(),
                        other.role
                    ));
                    continue;
                }
                let text = match std::fs::read_to_string(&file) {
                    Ok(t) => t,
                    Err(e) => {
                        list.problems.push(format!("{}: {e}", file.display()));
                        continue;
                    }
                };
                let mut person = Person {
                    name: name.to_string(),
                    role,
                    keys: Vec::new(),
                };
                for (i, line) in text.lines().enumerate() {
                    let trimmed = line.trim();
                    if trimmed.is_empty() || trimmed.starts_with('#') {
                        continue;
                    }
                    match parse_key_line(trimmed) {
                        Ok((key, kind, bits)) => {
                            let fp = fingerprint(&key);
                            if let Some((owner, _)) = list.find_in(&key).or_else(|| {
                                person
                                    .keys
                                    .iter()
                                    .find(|k| k.key.key_data() == key.key_data())
                                    .map(|k| (&person, k))
                            }) {
                                list.problems.push(format!(
                                    "{}:{}: clé {fp} déjà attribuée à {} : ignorée (une clé = une personne)",
                                    file.display(),
                                    i + 1,
                                    owner.name
                                ));
                                continue;
                            }
                            person.keys.push(KeyEntry {
                                comment: key.comment().to_string(),
                                fingerprint: fp,
                                key,
                                kind,
                                bits,
                                file: file.clone(),
                                line: i + 1,
                            });
                        }
                        Err(e) => list
                            .problems
                            .push(format!("{}:{}: {e}", file.display(), i + 1)),
                    }
                }
                list.people.push(person);
            }
        }
        list
    }

    fn find_in(&self, key: &PublicKey) -> Option<(&Person, &KeyEntry)> {
        self.people.iter().find_map(|p| {
            p.keys
                .iter()
                .find(|k| k.key.key_data() == key.key_data())
                .map(|k| (p, k))
        })
    }

    /// The person a key belongs to (compared on the key material, never the comment).
    pub fn find(&self, key: &PublicKey) -> Option<(&Person, &KeyEntry)> {
        self.find_in(key)
    }

    pub fn person(&self, name: &str) -> Option<&Person> {
        self.people.iter().find(|p| p.name == name)
    }

    /// People who can log in as admin (with at least one key).
    pub fn admin_count(&self) -> usize {
        self.people
            .iter()
            .filter(|p| p.role == Role::Admin && !p.keys.is_empty())
            .count()
    }

    /// Whether `name` still holds the key with this fingerprint, with this role.
    pub fn still_allowed(&self, name: &str, fingerprint: &str) -> Option<Role> {
        let p = self.person(name)?;
        p.keys
            .iter()
            .any(|k| k.fingerprint == fingerprint)
            .then_some(p.role)
    }
}

/// Writes a file atomically: a temporary file in the same folder, fsync, rename.
fn write_atomic(path: &Path, text: &str) -> Result<(), AccessError> {
    let io = |e: std::io::Error| AccessError(format!("{}: {e}", path.display()));
    let dir = path
        .parent()
        .ok_or_else(|| AccessError("chemin sans dossier".into()))?;
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("key")
    ));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn person_file(dir: &Path, role: Role, name: &str) -> PathBuf {
    dir.join(role_dir(role)).join(format!("{name}.pub"))
}

/// Adds a key to a person (creating them with `role` when new). Refuses a key already
/// enrolled for anyone, and a role that contradicts the person's current one.
pub fn add_key(
    dir: &Path,
    name: &str,
    role: Role,
    key_line: &str,
) -> Result<KeyEntry, AccessError> {
    validate_name(name)?;
    let line = key_line
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    if line.is_empty() {
        return refuse("aucune clé publique fournie");
    }
    let (key, kind, bits) = parse_key_line(line)?;
    let list = AccessList::load(dir);
    if let Some((owner, entry)) = list.find(&key) {
        return refuse(format!(
            "la clé {} est déjà attribuée à {} : une clé = une personne",
            entry.fingerprint, owner.name
        ));
    }
    let role = match list.person(name) {
        Some(p) if p.role != role => {
            return refuse(format!(
                "{name} est déjà {} : changez son rôle d'abord (keys role {name} {})",
                p.role, role
            ));
        }
        Some(p) => p.role,
        None => role,
    };
    let path = person_file(dir, role, name);
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let canonical = key.to_openssh().map_err(|e| AccessError(e.to_string()))?;
    text.push_str(&canonical);
    text.push('\n');
    write_atomic(&path, &text)?;
    let line = text.lines().count();
    Ok(KeyEntry {
        fingerprint: fingerprint(&key),
        comment: key.comment().to_string(),
        key,
        kind,
        bits,
        file: path,
        line,
    })
}

/// Removes a person entirely. The last admin cannot be removed.
pub fn revoke_person(dir: &Path, name: &str) -> Result<Person, AccessError> {
    validate_name(name)?;
    let list = AccessList::load(dir);
    let Some(p) = list.person(name).cloned() else {
        return refuse(format!("{name} n'a pas d'accès"));
    };
    if p.role == Role::Admin && list.admin_count() <= 1 {
        return refuse(format!(
            "{name} est le dernier administrateur : ajoutez-en un autre avant de le révoquer"
        ));
    }
    std::fs::remove_file(person_file(dir, p.role, name)).map_err(|e| AccessError(e.to_string()))?;
    Ok(p)
}

/// Removes one key of a person; removing the last key of the last admin is refused.
pub fn revoke_key(dir: &Path, name: &str, fp: &str) -> Result<KeyEntry, AccessError> {
    validate_name(name)?;
    let list = AccessList::load(dir);
    let Some(p) = list.person(name) else {
        return refuse(format!("{name} n'a pas d'accès"));
    };
    let Some(entry) = p.keys.iter().find(|k| k.fingerprint == fp).cloned() else {
        return refuse(format!("{name} n'a pas de clé {fp}"));
    };
    if p.role == Role::Admin && p.keys.len() == 1 && list.admin_count() <= 1 {
        return refuse(format!(
            "c'est la seule clé du dernier administrateur ({name}) : refusé"
        ));
    }
    let path = person_file(dir, p.role, name);
    let text = std::fs::read_to_string(&path).map_err(|e| AccessError(e.to_string()))?;
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| match parse_key_line(l.trim()) {
            Ok((k, _, _)) => k.key_data() != entry.key.key_data(),
            Err(_) => true,
        })
        .collect();
    if kept
        .iter()
        .all(|l| l.trim().is_empty() || l.trim().starts_with('#'))
    {
        std::fs::remove_file(&path).map_err(|e| AccessError(e.to_string()))?;
    } else {
        write_atomic(&path, &(kept.join("\n") + "\n"))?;
    }
    Ok(entry)
}

/// Moves a person to another role; the last admin cannot be demoted.
pub fn set_role(dir: &Path, name: &str, role: Role) -> Result<Role, AccessError> {
    validate_name(name)?;
    let list = AccessList::load(dir);
    let Some(p) = list.person(name) else {
        return refuse(format!("{name} n'a pas d'accès"));
    };
    if p.role == role {
        return refuse(format!("{name} est déjà {role}"));
    }
    if p.role == Role::Admin && list.admin_count() <= 1 {
        return refuse(format!(
            "{name} est le dernier administrateur : il ne peut pas devenir staff"
        ));
    }
    let from = person_file(dir, p.role, name);
    let to = person_file(dir, role, name);
    let text = std::fs::read_to_string(&from).map_err(|e| AccessError(e.to_string()))?;
    write_atomic(&to, &text)?;
    std::fs::remove_file(&from).map_err(|e| AccessError(e.to_string()))?;
    Ok(p.role)
}

/// The server's host key: `keys/host_ed25519`, generated on first start (mode 0600).
pub fn host_key(dir: &Path) -> Result<(PrivateKey, bool), String> {
    let path = dir.join(HOST_KEY_FILE);
    if path.exists() {
        let key =
            PrivateKey::read_openssh_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok((key, false));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let key = PrivateKey::random(&mut rand::rng(), russh::keys::Algorithm::Ed25519)
        .map_err(|e| e.to_string())?;
    key.write_openssh_file(&path, russh::keys::ssh_key::LineEnding::LF)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
    Ok((key, true))
}

/// A cheap signature of the folder (names, sizes, modification times) to notice changes.
pub fn folder_signature(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    for sub in ["admin", "staff"] {
        if let Ok(entries) = std::fs::read_dir(dir.join(sub)) {
            for e in entries.flatten() {
                if let Ok(m) = e.metadata() {
                    out.push((
                        e.path(),
                        m.len(),
                        m.modified().unwrap_or(std::time::UNIX_EPOCH),
                    ));
                }
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAu3GcqzaOdpeD/SxaNe+e5djM+ZAzmKjdTzzDT5mJ4P marie@poste";
    const RSA1024: &str = include_str!("../../tests/fixtures/keys/rsa1024.pub");
    const DSA: &str = include_str!("../../tests/fixtures/keys/dsa.pub");

    #[test]
    fn names_cannot_escape_the_folder() {
        for bad in [
            "../evil",
            "a/b",
            ".hidden",
            "",
            "-x",
            "Marie",
            "x".repeat(33).as_str(),
            "a..b",
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
        for good in ["marie", "jean-paul", "compta_2", "a.b"] {
            assert!(validate_name(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn key_policy() {
        let (k, kind, _) = parse_key_line(ED).unwrap();
        assert_eq!(kind, "ED25519");
        assert!(fingerprint(&k).starts_with("SHA256:"));
        assert!(parse_key_line(DSA).unwrap_err().0.contains("DSA"));
        assert!(
            parse_key_line(RSA1024)
                .unwrap_err()
                .0
                .contains("1024 bits refusée")
        );
        assert!(
            parse_key_line("pas une clé")
                .unwrap_err()
                .0
                .contains("illisible")
        );
        assert!(
            parse_key_line("command=\"x\" ssh-ed25519 AAAA")
                .unwrap_err()
                .0
                .contains("options")
        );
    }

    #[test]
    fn files_round_trip_with_safety_rails() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let e = add_key(d, "marie", Role::Admin, ED).unwrap();
        assert!(d.join("admin/marie.pub").exists());
        let list = AccessList::load(d);
        assert_eq!(list.admin_count(), 1);
        assert_eq!(
            list.still_allowed("marie", &e.fingerprint),
            Some(Role::Admin)
        );
        assert!(
            add_key(d, "paul", Role::Staff, ED)
                .unwrap_err()
                .0
                .contains("déjà attribuée à marie")
        );
        assert!(
            revoke_person(d, "marie")
                .unwrap_err()
                .0
                .contains("dernier administrateur")
        );
        assert!(
            set_role(d, "marie", Role::Staff)
                .unwrap_err()
                .0
                .contains("dernier administrateur")
        );
        assert!(
            revoke_key(d, "marie", &e.fingerprint)
                .unwrap_err()
                .0
                .contains("dernier administrateur")
        );
        // A malformed line is reported with file and line, the good key still loads.
        std::fs::write(
            d.join("admin/marie.pub"),
            format!("# marie\n\nnot a key\n{ED}\n"),
        )
        .unwrap();
        let list = AccessList::load(d);
        assert_eq!(list.person("marie").unwrap().keys.len(), 1);
        assert!(
            list.problems[0].contains("marie.pub:3:"),
            "{:?}",
            list.problems
        );
    }
}
