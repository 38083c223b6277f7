package dev.directupload.upload;

import dev.directupload.config.Settings;
import dev.directupload.registry.BucketImports;
import dev.directupload.registry.PostgresRegistry;
import dev.directupload.registry.RegistryUnavailableException;
import dev.directupload.registry.Upload;
import dev.directupload.storage.ListedObject;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.StoredObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Brings the files an existing bucket already holds into a PostgreSQL registry, once: in the
 * background while the app answers, a thousand keys at a time, each batch committed with where
 * it got to, so an import cut off (a restart, the store or the database down) resumes after the
 * last key it committed. One instance imports; the others wait for it to finish (its lease runs
 * out if it stops, and another takes over). Until it is done the registry says it does not know
 * every upload, so an unknown id is looked for in the bucket as without a database. An instance
 * that stops while importing hands the import back ({@link #close}), so the instance that
 * replaces it resumes at once rather than after the lease.
 */
public final class BucketImport implements IndexSource, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(BucketImport.class.getName());
  /** Renewed with every batch; a stopped importer's work is taken over after it. */
  static final Duration LEASE = Duration.ofMinutes(2);
  static final int BATCH = 1000;
  static final int HEAD_PARALLELISM = 8;

  private final Settings settings;
  private final ObjectStore store;
  private final PostgresRegistry registry;
  private final BucketImports imports;
  private final String runner;
  private final Clock clock;
  private final StoredUploads storedUploads;
  private final String source;
  private volatile boolean loading = true;
  private volatile Optional<String> problem = Optional.empty();

  public BucketImport(Settings settings, ObjectStore store, PostgresRegistry registry,
      BucketImports imports, String runner, Clock clock) {
    this.settings = settings;
    this.store = store;
    this.registry = registry;
    this.imports = imports;
    this.runner = runner;
    this.clock = clock;
    this.storedUploads = new StoredUploads(new UploadRules(settings));
    this.source = "s3://" + settings.bucket() + "/" + settings.keyPrefix();
    registry.setKnowsEveryUpload(false);
  }

  @Override
  public boolean isLoading() {
    return loading;
  }

  @Override
  public Optional<String> problem() {
    return problem;
  }

  /** The registry answers for itself; unknown ids are looked for in the bucket meanwhile. */
  @Override
  public Optional<Upload> recall(String id) {
    return Optional.empty();
  }

  @Override
  public void load() {
    try {
      importOnce();
      problem = Optional.empty();
    } catch (RuntimeException e) {
      problem = Optional.of(e.getMessage());
      throw e;
    }
  }

  private void importOnce() {
    if (imports.progress(source).map(BucketImports.Progress::isFinished).orElse(false)) {
      done();
      return;
    }
    Optional<BucketImports.Progress> claimed =
        imports.claim(source, runner, clock.instant(), LEASE);
    if (claimed.isEmpty()) {
      if (imports.progress(source).map(BucketImports.Progress::isFinished).orElse(false)) {
        done();
        return;
      }
      throw new IllegalStateException("another instance is importing the bucket; waiting for it");
    }
    long started = System.nanoTime();
    long total = claimed.get().imported();
    String after = claimed.get().afterKey().orElse("");
    String records = settings.keyPrefix() + ".";
    ExecutorService pool = Executors.newFixedThreadPool(HEAD_PARALLELISM, r -> {
      Thread t = new Thread(r, "direct-upload-import");
      t.setDaemon(true);
      return t;
    });
    try {
      while (true) {
        List<ListedObject> batch = new ArrayList<>(BATCH);
        listBatch(after, batch);
        if (batch.isEmpty()) {
          break;
        }
        List<CompletableFuture<Optional<Upload>>> reads = new ArrayList<>(batch.size());
        for (ListedObject listed : batch) {
          if (!listed.key().startsWith(records)) {
            reads.add(CompletableFuture.supplyAsync(() -> read(listed.key()), pool));
          }
        }
        List<Upload> uploads = new ArrayList<>(reads.size());
        for (CompletableFuture<Optional<Upload>> r : reads) {
          StoreCalls.join(r).ifPresent(uploads::add);
        }
        int added = registry.addCompletedAll(uploads);
        after = batch.get(batch.size() - 1).key();
        total += added;
        if (!imports.advance(source, runner, after, added, clock.instant(), LEASE)) {
          throw new IllegalStateException("the import was taken over by another instance");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    imports.finish(source, runner, clock.instant());
    LOG.log(System.Logger.Level.INFO, "Imported the bucket into the database: " + total
        + " file(s) in all, this run " + Duration.ofNanos(System.nanoTime() - started).toMillis()
        + " ms");
    done();
  }

  /** Up to {@link #BATCH} objects after {@code after}. */
  private void listBatch(String after, List<ListedObject> batch) {
    try {
      store.forEachListed(settings.keyPrefix(), after, null, object -> {
        batch.add(object);
        if (batch.size() == BATCH) {
          throw new BatchFull();
        }
      });
    } catch (BatchFull full) {
      // the batch is complete; the rest of the listing waits for the next one
    }
  }

  /** Stops a listing once a batch is full: thrown by the sink, caught by its caller. */
  private static final class BatchFull extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BatchFull() {
      super(null, null, false, false);
    }
  }

  private Optional<Upload> read(String key) {
    Optional<StoredObject> object = store.head(key);
    return object.flatMap(o -> storedUploads.upload(o)
        .filter(u -> ObjectChecks.unsignedServingHeaders(u.contentType(), o.servingHeaders())
            .isEmpty()));
  }

  private void done() {
    registry.setKnowsEveryUpload(true);
    loading = false;
  }

  /** Hands back the import this instance holds, if any: a restart then resumes it at once. */
  @Override
  public void close() {
    if (!loading) {
      return;
    }
    try {
      if (imports.release(source, runner, clock.instant())) {
        LOG.log(System.Logger.Level.INFO, "Stopped importing the bucket; the next instance to"
            + " start resumes where this one got to");
      }
    } catch (RegistryUnavailableException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not hand back the bucket import ("
          + e.getMessage() + "); another instance resumes it once its lease runs out");
    }
  }
}
