//! Who may connect: plain OpenSSH public-key files under `keys/`, one per person —
//! `keys/admin/NAME.pub` and `keys/staff/NAME.pub`. The files are the single source of
//! truth; this module reads them, and changes them atomically (write, fsync, rename) for
//! the `keys` commands and the Accès tab.

use crate::app::Role;
pub use crate::app::access::AccessError;
use crate::app::access::{KeyInfo, PersonInfo, policy};
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

/// The folder of a role: its label (`keys/admin`, `keys/staff`, `keys/comptable`).
fn role_dir(role: Role) -> &'static str {
    role.label()
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
    /// Reads `keys/admin/*.pub`, `keys/staff/*.pub` and `keys/comptable/*.pub`. A bad line is reported with its
    /// file and line number and does not stop the other keys.
    pub fn load(dir: &Path) -> AccessList {
        let mut list = AccessList::default();
        for role in [Role::Admin, Role::Staff, Role::Comptable] {
            let folder = dir.join(role_dir(role));
            if !folder.exists() {
                continue;
            }
            if !real_folder(&folder) {
                list.problems.push(format!(
                    "{}: n'est pas un dossier ordinaire (lien symbolique ?) : ignoré",
                    folder.display()
                ));
                continue;
            }
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
                let text = match read_key_file(&file) {
                    Ok(Some(t)) => t,
                    Ok(None) => continue,
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
                    if person.keys.len() >= MAX_KEYS_PER_PERSON {
                        list.problems.push(format!(
                            "{}:{}: plus de {MAX_KEYS_PER_PERSON} clés : les suivantes sont ignorées",
                            file.display(),
                            i + 1
                        ));
                        break;
                    }
                    match parse_key_line(trimmed) {
                        Ok((key, kind, bits)) => {
                            let fp = fingerprint(&key);
                            if person
                                .keys
                                .iter()
                                .any(|k| k.key.key_data() == key.key_data())
                            {
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
        list.refuse_shared_keys();
        if list.problems.len() > MAX_PROBLEMS {
            let more = list.problems.len() - MAX_PROBLEMS;
            list.problems.truncate(MAX_PROBLEMS);
            list.problems.push(format!(
                "… et {more} autres problèmes dans {}",
                dir.display()
            ));
        }
        list
    }

    /// One key = one person: a key found in two people's files logs in as neither, until
    /// an admin removes it from the wrong file.
    fn refuse_shared_keys(&mut self) {
        let mut owners: Vec<(KeyData, Vec<String>, String)> = Vec::new();
        for p in &self.people {
            for k in &p.keys {
                match owners.iter_mut().find(|(d, _, _)| d == k.key.key_data()) {
                    Some((_, names, _)) => names.push(format!("{} ({})", p.name, p.role)),
                    None => owners.push((
                        k.key.key_data().clone(),
                        vec![format!("{} ({})", p.name, p.role)],
                        k.fingerprint.clone(),
                    )),
                }
            }
        }
        for (data, names, fp) in owners.into_iter().filter(|(_, n, _)| n.len() > 1) {
            self.problems.push(format!(
                "clé {fp} présente chez {} : refusée pour tous jusqu'à ce qu'elle soit retirée du mauvais fichier",
                names.join(" et ")
            ));
            for p in &mut self.people {
                p.keys.retain(|k| k.key.key_data() != &data);
            }
        }
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
    if dir.exists() && !real_folder(dir) {
        return Err(AccessError(format!(
            "{} n'est pas un dossier ordinaire (lien symbolique ?) : refusé",
            dir.display()
        )));
    }
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

/// Largest key file read: a person's few keys fit many times over.
pub const MAX_KEY_FILE: u64 = 64 * 1024;
/// Keys kept per person; further lines are reported and ignored.
pub const MAX_KEYS_PER_PERSON: usize = 32;
/// Problems listed one by one; beyond, they are counted.
const MAX_PROBLEMS: usize = 50;

/// Reads a key file: a regular file (never a symbolic link, a folder or a device) of at
/// most [`MAX_KEY_FILE`] bytes. `Ok(None)` when it does not exist.
fn read_key_file(path: &Path) -> Result<Option<String>, String> {
    use std::io::Read;
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if !meta.file_type().is_file() {
        return Err("n'est pas un fichier ordinaire (lien symbolique, dossier…) : ignoré".into());
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The file may have been swapped for a link since: do not follow it.
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("n'est pas un fichier ordinaire : ignoré".into());
    }
    if meta.len() > MAX_KEY_FILE {
        return Err(format!(
            "{} octets : trop grand pour un fichier de clés (au plus {MAX_KEY_FILE}) : ignoré",
            meta.len()
        ));
    }
    let mut text = String::new();
    file.take(MAX_KEY_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    if text.len() as u64 > MAX_KEY_FILE {
        return Err("trop grand pour un fichier de clés : ignoré".into());
    }
    Ok(Some(text))
}

/// A folder of `keys/` must be a real folder, not a link to one elsewhere.
fn real_folder(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
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
    let role = policy::add_key(
        name,
        role,
        list.find(&key)
            .map(|(owner, entry)| (owner.name.as_str(), entry.fingerprint.as_str())),
        list.person(name).map(|p| p.role),
    )?;
    let path = person_file(dir, role, name);
    let mut text = read_key_file(&path)
        .map_err(|e| AccessError(format!("{} : {e}", path.display())))?
        .unwrap_or_default();
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
    policy::revoke_person(name, p.role, list.admin_count())?;
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
    policy::revoke_key(name, p.role, p.keys.len(), list.admin_count())?;
    let path = person_file(dir, p.role, name);
    let text = read_key_file(&path)
        .map_err(|e| AccessError(format!("{} : {e}", path.display())))?
        .unwrap_or_default();
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
    policy::change_role(name, p.role, role, list.admin_count())?;
    let from = person_file(dir, p.role, name);
    let to = person_file(dir, role, name);
    let text = read_key_file(&from)
        .map_err(|e| AccessError(format!("{} : {e}", from.display())))?
        .unwrap_or_default();
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

/// One file of `keys/` as the watcher sees it: path, size, modification time.
pub type FolderEntry = (PathBuf, u64, std::time::SystemTime);

/// A cheap signature of the folder (names, sizes, modification times) to notice changes.
pub fn folder_signature(dir: &Path) -> Vec<FolderEntry> {
    let mut out = Vec::new();
    for role in Role::ALL {
        if let Ok(entries) = std::fs::read_dir(dir.join(role_dir(role))) {
            for e in entries.flatten() {
                if let Ok(m) = std::fs::symlink_metadata(e.path()) {
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

/// File of `keys/` where local `comptoir keys` commands note what they changed, so that
/// the audit trail names them rather than "by hand" (read and emptied when the change is
/// recorded).
pub const JOURNAL: &str = ".journal";

/// A change a local command noted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    pub user: String,
    pub person: String,
    /// Empty for a change that concerns the person (all their keys).
    pub fingerprint: String,
}

/// Notes a local command's change (`user` is the system user who ran it).
pub fn journal_append(dir: &Path, user: &str, person: &str, fingerprints: &[String]) {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut text = String::new();
    let fps: Vec<&str> = if fingerprints.is_empty() {
        vec![""]
    } else {
        fingerprints.iter().map(String::as_str).collect()
    };
    for fp in fps {
        text.push_str(&format!(
            "{}\t{}\t{}\n",
            clean(user),
            clean(person),
            clean(fp)
        ));
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(JOURNAL))
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "attention : {} : {e} (le journal d'audit dira « à la main »)",
            dir.join(JOURNAL).display()
        );
    }
}

/// The changes noted since the journal was last emptied (at most 10 000 lines read).
pub fn journal_read(dir: &Path) -> Vec<JournalEntry> {
    let Ok(text) = std::fs::read_to_string(dir.join(JOURNAL)) else {
        return Vec::new();
    };
    text.lines()
        .take(10_000)
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some(JournalEntry {
                user: f.next()?.to_string(),
                person: f.next()?.to_string(),
                fingerprint: f.next().unwrap_or("").to_string(),
            })
        })
        .collect()
}

pub fn journal_clear(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(JOURNAL));
}

/// Who made `event`, according to the journal.
pub fn journal_author(
    journal: &[JournalEntry],
    event: &crate::domain::AccessEvent,
) -> Option<crate::app::Actor> {
    use crate::domain::AccessEvent as E;
    let hit = journal.iter().find(|j| match event {
        E::KeyAdded {
            person,
            fingerprint,
            ..
        }
        | E::KeyRevoked {
            person,
            fingerprint,
        } => &j.person == person && (j.fingerprint.is_empty() || &j.fingerprint == fingerprint),
        E::RoleChanged { person, .. } | E::PersonRevoked { person, .. } => &j.person == person,
        _ => false,
    })?;
    Some(crate::app::Actor::keys_command(&hit.user))
}

impl AccessList {
    /// Every enrolled key, for the access snapshot of the audit trail.
    pub fn records(&self) -> Vec<crate::app::access::KeyRecord> {
        self.people
            .iter()
            .flat_map(|p| {
                p.keys.iter().map(move |k| crate::app::access::KeyRecord {
                    person: p.name.clone(),
                    role: p.role,
                    fingerprint: k.fingerprint.clone(),
                    kind: k.kind.clone(),
                    comment: k.comment.clone(),
                })
            })
            .collect()
    }
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

    #[test]
    fn the_folder_is_not_trusted_blindly() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        add_key(d, "marie", Role::Admin, ED).unwrap();
        // A link to a secret file is never read, and never written through.
        let secret = d.join("secret");
        std::fs::write(&secret, "root:$6$hash:19000:0:99999:7:::\n").unwrap();
        std::fs::create_dir_all(d.join("staff")).unwrap();
        std::os::unix::fs::symlink(&secret, d.join("staff/eve.pub")).unwrap();
        let list = AccessList::load(d);
        assert!(list.person("eve").is_none());
        assert!(
            list.problems
                .iter()
                .any(|p| p.contains("eve.pub") && p.contains("fichier ordinaire")),
            "{:?}",
            list.problems
        );
        assert!(
            !list.problems.iter().any(|p| p.contains("root:")),
            "the target was read"
        );
        let other = PrivateKey::random(&mut rand::rng(), russh::keys::Algorithm::Ed25519)
            .unwrap()
            .public_key()
            .to_openssh()
            .unwrap();
        let refused = add_key(d, "eve", Role::Staff, &other).unwrap_err();
        assert!(refused.0.contains("fichier ordinaire"), "{refused}");
        assert_eq!(
            std::fs::read_to_string(&secret).unwrap(),
            "root:$6$hash:19000:0:99999:7:::\n",
            "the link's target is untouched"
        );
        std::fs::remove_file(d.join("staff/eve.pub")).unwrap();
        // A huge file is refused without being read whole.
        let big = "# x\n".repeat(50_000);
        std::fs::write(d.join("staff/big.pub"), big).unwrap();
        let list = AccessList::load(d);
        assert!(list.person("big").is_none());
        assert!(list.problems.iter().any(|p| p.contains("trop grand")));
        std::fs::remove_file(d.join("staff/big.pub")).unwrap();
        // The same key in two people's files logs in as neither.
        std::fs::write(d.join("staff/paul.pub"), format!("{ED}\n")).unwrap();
        let list = AccessList::load(d);
        let key = parse_key_line(ED).unwrap().0;
        assert!(list.find(&key).is_none(), "a shared key logs in");
        assert!(
            list.problems
                .iter()
                .any(|p| p.contains("marie (admin)") && p.contains("paul (staff)")),
            "{:?}",
            list.problems
        );
    }

    proptest::proptest! {
        /// Any line offered as a public key is read or refused, never a panic.
        #[test]
        fn any_key_line(prefix in proptest::sample::select(vec!["ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-nistp256 ", "", "command=\"x\" "]),
                        body in "[A-Za-z0-9+/= \u{1b}#]{0,300}") {
            let _ = parse_key_line(&format!("{prefix}{body}"));
        }
    }
}
