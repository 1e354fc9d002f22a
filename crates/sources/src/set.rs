//! Starting every configured source at once, and stopping them.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::SourceConfig;
use crate::error::{ConfigError, SourceError};
use crate::file::{FileProgress, FileSource, OffsetStore, OffsetStoreError};
use crate::http::{HttpIngest, IngestAuth};
use crate::nats::NatsSource;
use crate::reader::ReaderSource;
use crate::sink::{Sink, Source};
use crate::stats::{SourceStats, StatsSnapshot};
use crate::syslog::{SyslogTcpSource, SyslogUdpSource};

/// What the node provides to start its sources.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// Where followed files keep their offsets.
    pub offsets: Arc<dyn OffsetStore>,
    /// Who may post to the HTTP ingest endpoints.
    pub auth: Arc<dyn IngestAuth>,
}

/// How a source task ended: its name and result.
pub type Finished = (String, Result<(), SourceError>);

/// The running sources of a node.
#[derive(Debug)]
pub struct SourceSet {
    cancel: CancellationToken,
    tasks: JoinSet<Finished>,
    /// Names of the tasks, to report a panic with the source's name.
    names: HashMap<tokio::task::Id, String>,
    stats: Vec<Arc<SourceStats>>,
    progress: Vec<FileProgress>,
    http: Option<HttpIngest>,
    bound: Vec<(String, SocketAddr)>,
}

impl SourceSet {
    /// Checks every configuration, opens every listener and offset, then starts every source
    /// delivering into `sink`. Either everything starts or nothing does: the first problem is
    /// returned and no task is left running.
    pub async fn start(
        configs: &[SourceConfig],
        sink: Sink,
        options: StartOptions,
    ) -> Result<SourceSet, SourceError> {
        let mut names = HashSet::new();
        for config in configs {
            config.validate()?;
            if !names.insert(config.name()) {
                return Err(ConfigError::DuplicateName {
                    name: config.name().to_owned(),
                }
                .into());
            }
        }

        let cancel = CancellationToken::new();
        let mut pending: Vec<Spawner> = Vec::new();
        let mut stats = Vec::new();
        let mut progress = Vec::new();
        let mut bound = Vec::new();
        let mut http_configs = Vec::new();
        let mut add = |source: Spawner| pending.push(source);

        for config in configs {
            match config {
                SourceConfig::File(c) => {
                    let source = FileSource::new(c.clone(), Arc::clone(&options.offsets)).await?;
                    progress.extend(source.progress());
                    stats.push(source.stats());
                    add(spawner(source, sink.clone(), cancel.clone()));
                }
                SourceConfig::Stdin(c) => {
                    let source = ReaderSource::stdin(c);
                    stats.push(source.stats());
                    add(spawner(source, sink.clone(), cancel.clone()));
                }
                SourceConfig::SyslogUdp(c) => {
                    let source = SyslogUdpSource::bind(c.clone()).await?;
                    bound.extend(source.local_addr().ok().map(|a| (c.name.clone(), a)));
                    stats.push(source.stats());
                    add(spawner(source, sink.clone(), cancel.clone()));
                }
                SourceConfig::SyslogTcp(c) => {
                    let source = SyslogTcpSource::bind(c.clone()).await?;
                    bound.extend(source.local_addr().ok().map(|a| (c.name.clone(), a)));
                    stats.push(source.stats());
                    add(spawner(source, sink.clone(), cancel.clone()));
                }
                SourceConfig::Http(c) => http_configs.push(c.clone()),
                SourceConfig::Nats(c) => {
                    let source = NatsSource::new(c.clone())?;
                    stats.push(source.stats());
                    add(spawner(source, sink.clone(), cancel.clone()));
                }
            }
        }
        let http = if http_configs.is_empty() {
            None
        } else {
            let ingest = HttpIngest::new(http_configs, sink, Arc::clone(&options.auth))?;
            stats.extend(ingest.stats());
            Some(ingest)
        };

        let mut tasks = JoinSet::new();
        let mut names = HashMap::new();
        for spawn in pending {
            let (id, name) = spawn(&mut tasks);
            names.insert(id, name);
        }
        Ok(SourceSet {
            cancel,
            tasks,
            names,
            stats,
            progress,
            http,
            bound,
        })
    }

    /// The HTTP ingest router (nest it at `/ingest`), if any `kind = "http"` source exists.
    pub fn http_router(&self) -> Option<Router> {
        self.http.as_ref().map(HttpIngest::router)
    }

    /// The identity and counters of every source, in configuration order (HTTP sources last).
    pub fn stats(&self) -> &[Arc<SourceStats>] {
        &self.stats
    }

    /// A snapshot of every source's counters.
    pub fn snapshots(&self) -> Vec<StatsSnapshot> {
        self.stats.iter().map(|s| s.snapshot()).collect()
    }

    /// The address a syslog source listens on (useful with port 0).
    pub fn local_addr(&self, name: &str) -> Option<SocketAddr> {
        self.bound.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    /// The offset trackers of the followed files.
    pub fn file_progress(&self) -> &[FileProgress] {
        &self.progress
    }

    /// Saves every followed file's acknowledged offset now. Call after draining the queue at
    /// shutdown so the last acknowledgements are kept.
    pub async fn flush_offsets(&self) -> Result<(), OffsetStoreError> {
        for progress in &self.progress {
            progress.flush().await?;
        }
        Ok(())
    }

    /// Asks every source to stop (they finish their current step and return).
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// Waits for the next source to end, with its result; `None` once all have ended.
    pub async fn next_finished(&mut self) -> Option<Finished> {
        loop {
            match self.tasks.join_next_with_id().await? {
                Ok((id, finished)) => {
                    self.names.remove(&id);
                    return Some(finished);
                }
                Err(join) => {
                    let name = self.names.remove(&join.id()).unwrap_or_default();
                    if join.is_cancelled() {
                        continue;
                    }
                    let error = SourceError::Panicked {
                        name: name.clone(),
                        reason: join.to_string(),
                    };
                    return Some((name, Err(error)));
                }
            }
        }
    }

    /// Stops every source and waits for all of them; returns how each ended.
    pub async fn shutdown(mut self) -> Vec<Finished> {
        self.stop();
        let mut finished = Vec::new();
        while let Some(one) = self.next_finished().await {
            finished.push(one);
        }
        finished
    }
}

/// Spawns a prepared source into the set; returns the task's id and the source's name.
type Spawner = Box<dyn FnOnce(&mut JoinSet<Finished>) -> (tokio::task::Id, String) + Send>;

/// Defers spawning `source` until every source has been prepared.
fn spawner<S: Source>(source: S, sink: Sink, cancel: CancellationToken) -> Spawner {
    Box::new(move |tasks: &mut JoinSet<Finished>| {
        let name = source.stats().name().to_owned();
        let task_name = name.clone();
        let handle = tasks.spawn(async move { (task_name, source.run(sink, cancel).await) });
        (handle.id(), name)
    })
}
