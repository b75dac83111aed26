//! `comptoir serve`: the first admin's enrolment, the wiring, signals (SIGHUP reloads,
//! SIGTERM stops) and the reload itself.

use super::*;

/// The mail relay of a configuration (`None`: `[smtp]` not set, or unusable — said).
pub(super) fn mailer(config: &Config) -> Option<Arc<dyn crate::app::mail::Mailer>> {
    let m = config.smtp.as_ref()?;
    match crate::mail::SmtpMailer::new(m) {
        Ok(mailer) => Some(Arc::new(mailer) as Arc<dyn crate::app::mail::Mailer>),
        Err(e) => {
            tracing::error!("[smtp] inutilisable, aucun e-mail ne partira : {e}");
            None
        }
    }
}

/// The Chorus Pro client of a configuration (`None`: `[chorus]` not set).
pub(super) fn chorus_client(config: &Config) -> Option<Arc<dyn crate::app::chorus::ChorusApi>> {
    config.chorus.clone().map(|c| {
        Arc::new(crate::chorus::PisteClient::new(c)) as Arc<dyn crate::app::chorus::ChorusApi>
    })
}

/// Loads every `*.toml` of the themes folder (an invalid file is an error), or the
/// bundled themes when the folder does not exist.
pub fn load_themes(dir: &Path) -> Result<Vec<crate::ui::Theme>, String> {
    use crate::ui::Theme;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(crate::ui::theme::BUNDLED
            .iter()
            .filter_map(|(n, _)| Theme::bundled(n))
            .collect());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
        .collect();
    files.sort_by_key(|p| {
        let name = p
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        (name != "default", name)
    });
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let name = f.file_stem().and_then(|n| n.to_str()).unwrap_or("theme");
        out.push(Theme::parse(name, &text, &f.display().to_string())?);
    }
    if out.is_empty() {
        return Err(format!("{} : aucun thème *.toml", dir.display()));
    }
    Ok(out)
}

/// When nobody can administer comptoir, enroll the invoking user's own public keys.
/// Enrolls the first admin when there is none: the `--initial-admin-key` files (a service
/// Enrolls `text`'s key (from `file`) as admin `name`, writes it in `keys/.journal` as
/// `source`'s doing, and says so.
fn enroll_admin(
    keys_dir: &Path,
    name: &str,
    text: &str,
    file: &Path,
    source: &str,
) -> Result<(), crate::app::access::AccessError> {
    use crate::ssh::keys;
    let e = keys::add_key(keys_dir, name, crate::app::Role::Admin, text)?;
    keys::journal_append(keys_dir, source, name, std::slice::from_ref(&e.fingerprint));
    eprintln!(
        "Pas encore d'administrateur : {} ({}) inscrit comme administrateur « {name} »",
        file.display(),
        e.fingerprint
    );
    Ok(())
}

/// A person's name for `keys/` from a file name or a system user: lower case, any other
/// character a `-`; `admin` when that is still not a valid name.
fn person_name(raw: &str) -> String {
    let name: String = raw
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if crate::ssh::keys::validate_name(&name).is_ok() {
        name
    } else {
        "admin".to_string()
    }
}

/// account has no ~/.ssh), else the running user's ~/.ssh/*.pub.
pub(super) fn enroll_first_admin(keys_dir: &Path, initial: &[PathBuf]) -> Result<(), String> {
    use crate::ssh::keys;
    if keys::AccessList::load(keys_dir).admin_count() > 0 {
        return Ok(());
    }
    for f in initial {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("--initial-admin-key {}: {e}", f.display()))?;
        let name = person_name(
            &f.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        enroll_admin(keys_dir, &name, &text, f, "serve --initial-admin-key")
            .map_err(|e| format!("--initial-admin-key {}: {e}", f.display()))?;
    }
    if !initial.is_empty() {
        return Ok(());
    }
    let name = person_name(&std::env::var("USER").unwrap_or_else(|_| "admin".into()));
    let home = std::env::var("HOME").map(PathBuf::from).unwrap_or_default();
    let mut enrolled = 0;
    if let Ok(entries) = std::fs::read_dir(home.join(".ssh")) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files
            .into_iter()
            .filter(|f| f.extension().and_then(|e| e.to_str()) == Some("pub"))
        {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            match enroll_admin(keys_dir, &name, &text, &f, "serve (~/.ssh)") {
                Ok(()) => enrolled += 1,
                Err(e) => eprintln!("non inscrit {} : {e}", f.display()),
            }
        }
    }
    if enrolled == 0 {
        eprintln!(
            "Pas encore de clé d'administrateur, et aucune ~/.ssh/*.pub utilisable. Ajoutez-en une :\n  comptoir keys add {name} ~/.ssh/id_ed25519.pub --admin --keys {}\n(créez d'abord une clé : ssh-keygen -t ed25519), ou démarrez avec --initial-admin-key FICHIER.pub",
            keys_dir.display()
        );
    }
    Ok(())
}

/// What `serve` was given (flags and environment).
pub(super) struct ServeArgs<'a> {
    pub(super) log_format: LogFormat,
    pub(super) listen: Option<String>,
    pub(super) data: &'a Path,
    pub(super) keys: &'a Path,
    pub(super) themes: &'a Path,
    pub(super) demo: bool,
    pub(super) config: Option<&'a Path>,
    pub(super) initial_admin_keys: &'a [PathBuf],
}

pub(super) fn serve_command(args: ServeArgs<'_>) -> ExitCode {
    crate::ssh::limit_malloc_heaps();
    let ServeArgs {
        log_format,
        listen,
        data,
        keys: keys_dir,
        themes: themes_dir,
        demo,
        config: config_path,
        initial_admin_keys,
    } = args;
    let config = config_path;
    init_logs(log_format);
    let config = match Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let themes = match load_themes(themes_dir) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let store = match open_store(data) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if demo && let Err(e) = seed_demo_if_empty(&store, &config) {
        return fail(e);
    }
    if !store.is_demo().unwrap_or(false) {
        say_what_the_shop_lacks(&config);
    }
    let app = match App::wired(store, config.settings.clone()) {
        Ok(a) => Arc::new(a),
        Err(e) => return fail(e),
    };
    app.set_chorus(chorus_client(&config));
    app.set_mailer(mailer(&config));
    app.spawn_chorus_loop();
    if let Err(e) = enroll_first_admin(keys_dir, initial_admin_keys) {
        return fail(e);
    }
    let listen = listen
        .or(config.server.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:2222".into());
    match crate::ssh::raise_open_files_limit() {
        Some((soft, hard)) => tracing::info!(soft, hard, "open files limit"),
        None => tracing::warn!("cannot read the open files limit"),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    runtime.block_on(async move {
        // Handlers first: a signal sent as soon as the address is printed is not lost.
        let mut signals = Signals::new();
        let opts = crate::ssh::ServeOptions {
            listen: listen.clone(),
            keys_dir: keys_dir.to_path_buf(),
            config: config.server.clone(),
            themes,
            public_host: None,
            metrics: config.metrics.as_ref().map(|m| m.listen),
        };
        let handle = match crate::ssh::start(app, opts).await {
            Ok(h) => h,
            Err(e) => return fail(format!("impossible d'écouter sur {listen} : {e}")),
        };
        // The address file first: whoever waits for the line below may read it at once.
        let serving = data.join(SERVING_FILE);
        if let Err(e) = std::fs::write(&serving, format!("{}\n", handle.addr)) {
            tracing::warn!(path = %serving.display(), error = %e, "adresse d'écoute non écrite");
        }
        announce(&handle, keys_dir);
        while signals.next().await == Signal::Reload {
            reload(&handle.shared, config_path, themes_dir);
        }
        eprintln!("arrêt : fermeture des sessions…");
        handle.shutdown().await;
        let _ = std::fs::remove_file(data.join(SERVING_FILE));
        ExitCode::SUCCESS
    })
}

/// The store, opened; a clock behind its last write, the free space and what an abrupt
/// stop left behind said in the log.
fn open_store(data: &Path) -> Result<Store, String> {
    let store = Store::open(data).map_err(|e| e.to_string())?;
    let now = crate::app::Clock::now(&SystemClock);
    if let Some(w) = store
        .read(|rx| check::clock_behind(rx, now))
        .map_err(|e| e.to_string())?
    {
        eprintln!("attention : {w}");
        tracing::warn!("{w}");
    }
    if let Some(free) = crate::store::free_space(data) {
        tracing::info!(
            free_mb = free / 1_000_000,
            "espace libre sur le disque du magasin"
        );
    }
    for (path, bytes) in store.leftovers_removed() {
        tracing::warn!(
            path = %path.display(),
            bytes,
            "copie temporaire laissée par un arrêt brutal (sauvegarde, restauration ou compactage) supprimée"
        );
    }
    Ok(store)
}

/// `--demo` on an empty store: the demonstration data.
fn seed_demo_if_empty(store: &Store, config: &Config) -> Result<(), String> {
    if store
        .read(|rx| rx.customer_count())
        .map_err(|e| e.to_string())?
        > 0
    {
        return Ok(());
    }
    eprintln!(
        "Magasin vide : création des données de démonstration (300 organismes publics, 1 000 commandes)…"
    );
    let opts = SeedOptions {
        customers: 300,
        orders: 1000,
        seed: 42,
        today: SystemClock.now_date(),
        documents: DocumentMode::Full,
    };
    seed::seed(store, &PdfRenderer, &config.settings.seller, &opts, |_| {})
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What the shop's identity lacks before the team can issue a document, and how to fix it.
fn say_what_the_shop_lacks(config: &Config) {
    let problems = config.settings.seller.problems();
    if problems.is_empty() {
        return;
    }
    eprintln!(
        "Avant que l'équipe puisse émettre un document (devis, bon de livraison, facture) :\n  1. Renseignez l'identité de la boutique dans la section [shop] d'un comptoir.toml (partez de\n     comptoir.example.toml) et passez-le avec --config. Ce qui manque :"
    );
    for p in &problems {
        eprintln!("       {p}");
    }
    eprintln!(
        "     Vérifiez-la avec : comptoir config check --config comptoir.toml\n  2. Inscrivez le premier administrateur (ci-dessous, si ce n'est pas fait), puis redémarrez avec --config."
    );
}

/// Where the server listens and how to reach it, once it does.
fn announce(handle: &crate::ssh::ServerHandle, keys_dir: &Path) {
    println!("comptoir écoute sur {}", handle.addr);
    println!(
        "clé d'hôte {} ({})",
        handle.host_fingerprint,
        keys_dir.join(crate::ssh::keys::HOST_KEY_FILE).display()
    );
    println!(
        "connexion :    ssh -p {} {}",
        handle.addr.port(),
        handle.addr.ip()
    );
    println!(
        "commandes :    ssh -p {} {} help",
        handle.addr.port(),
        handle.addr.ip()
    );
    if let Some(m) = handle.metrics_addr {
        println!("métriques :    http://{m}/metrics");
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Signal {
    /// SIGHUP: re-read the configuration and the themes.
    Reload,
    /// SIGTERM or Ctrl-C: graceful stop.
    Stop,
}

/// The signals `serve` acts on.
pub(super) struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            let term = async {
                match self.term.as_mut() {
                    Some(t) => {
                        t.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let hup = async {
                match self.hup.as_mut() {
                    Some(h) => {
                        h.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => Signal::Stop,
                _ = term => Signal::Stop,
                _ = hup => Signal::Reload,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Stop
        }
    }
}
