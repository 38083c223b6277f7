package dev.directupload.web;

import dev.directupload.registry.RegistryUnavailableException;
import dev.directupload.storage.StorageException;
import dev.directupload.upload.IndexSource;
import dev.directupload.upload.UploadService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The application's background work, on daemon threads: loading the index from the bucket after
 * a start (on a thread of its own, so the app answers at once; tried again with a growing pause
 * while the store fails), settling expired pending uploads every minute, reading what other
 * instances changed every {@code index-refresh}, checkpoints of the index, and hourly clean-ups:
 * abandoned multipart uploads, old change records, removed uploads' keys. Looking for the
 * objects of form uploads (which Uppy never completes) has a thread of its own: a user waits for
 * those, and a slow expiry round must not hold them up.
 */
final class Housekeeping implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Housekeeping.class.getName());
  static final long PERIOD_SECONDS = 60;
  /** Abandoned multipart uploads are a day old by definition: an hourly look is plenty. */
  static final long SWEEP_PERIOD_SECONDS = 3600;
  /** How often to see whether a checkpoint is due (it is written every checkpoint-interval). */
  static final long CHECKPOINT_LOOK_SECONDS = 300;
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  static final Duration LAST_RETRY = Duration.ofSeconds(60);
  /** How often a load waiting for the database looks again: a start's migrations take moments. */
  static final Duration DATABASE_LOOK = Duration.ofMillis(500);

  private final UploadService service;
  /** Told after each look at other instances' changes that succeeded (for metrics). */
  private final Runnable refreshed;
  /** Only the housekeeping thread reads and writes it. */
  private boolean refreshFailing;
  /** Only the loader thread reads and writes it. */
  private boolean waitingForDatabase;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(daemon("direct-upload-housekeeping"));
  private final ScheduledExecutorService loader =
      Executors.newSingleThreadScheduledExecutor(daemon("direct-upload-index-loader"));
  private final ScheduledExecutorService arrivals =
      Executors.newSingleThreadScheduledExecutor(daemon("direct-upload-arrivals"));
  /** How often to see which form uploads are due for a look (each is looked at every 2-5 s). */
  static final long ARRIVALS_LOOK_MILLIS = 1000;

  /** Starts loading the index and schedules the rest. */
  Housekeeping(UploadService service, IndexSource index, Duration refresh) {
    this(service, index, refresh, () -> { });
  }

  /** The same, telling {@code refreshed} after each successful look at other instances. */
  Housekeeping(UploadService service, IndexSource index, Duration refresh, Runnable refreshed) {
    this.service = service;
    this.refreshed = refreshed;
    loader.execute(() -> load(index, FIRST_RETRY));
    arrivals.scheduleWithFixedDelay(this::noticeArrivals, ARRIVALS_LOOK_MILLIS,
        ARRIVALS_LOOK_MILLIS, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::expire, PERIOD_SECONDS, PERIOD_SECONDS,
        TimeUnit.SECONDS);
    scheduler.scheduleWithFixedDelay(this::sweep, PERIOD_SECONDS, SWEEP_PERIOD_SECONDS,
        TimeUnit.SECONDS);
    scheduler.scheduleWithFixedDelay(() -> checkpoint(index), CHECKPOINT_LOOK_SECONDS,
        CHECKPOINT_LOOK_SECONDS, TimeUnit.SECONDS);
    if (!refresh.isZero()) {
      scheduler.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  private void load(IndexSource i, Duration pause) {
    try {
      i.load();
      waitingForDatabase = false;
    } catch (RegistryUnavailableException e) {
      // The database is still connecting or migrating after a start (or is down): nothing is
      // wrong with the bucket. Look again soon, and say so once rather than at every look.
      LOG.log(waitingForDatabase ? System.Logger.Level.DEBUG : System.Logger.Level.INFO,
          "The index waits for the database: " + e.getMessage());
      waitingForDatabase = true;
      loader.schedule(() -> load(i, pause), DATABASE_LOOK.toMillis(), TimeUnit.MILLISECONDS);
    } catch (StorageException | IllegalStateException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not read the index from the bucket ("
          + e.getMessage() + "); trying again in " + pause.toSeconds() + " s", e.getCause());
      Duration next = pause.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY
          : pause.multipliedBy(2);
      loader.schedule(() -> load(i, next), pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // A bug: log it and keep trying rather than leave the index half-read for good.
      LOG.log(System.Logger.Level.ERROR, "Reading the index from the bucket failed", e);
      loader.schedule(() -> load(i, LAST_RETRY), LAST_RETRY.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void checkpoint(IndexSource i) {
    try {
      if (i.checkpointIfDue()) {
        LOG.log(System.Logger.Level.DEBUG, "Wrote a checkpoint of the index");
      }
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not write a checkpoint of the index ("
          + e.getMessage() + "); the next start reads more objects one by one", e.getCause());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "Writing a checkpoint of the index failed", e);
    }
  }

  private void refresh() {
    try {
      int applied = service.refreshIndex();
      refreshed.run();
      if (applied > 0) {
        LOG.log(System.Logger.Level.DEBUG, "Applied " + applied + " change(s) from other instances");
      }
      if (refreshFailing) {
        refreshFailing = false;
        LOG.log(System.Logger.Level.INFO, "Reading changes from other instances again");
      }
    } catch (StorageException e) {
      // Every few seconds while the store is down: one warning, not one per look.
      LOG.log(refreshFailing ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
          "Could not read changes from other instances (" + e.getMessage()
              + "); will keep trying", e.getCause());
      refreshFailing = true;
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "Reading changes from other instances failed", e);
    }
  }

  private void noticeArrivals() {
    try {
      service.noticeArrivals();
    } catch (StorageException | RegistryUnavailableException e) {
      LOG.log(System.Logger.Level.DEBUG, "Could not look for arrived form uploads ("
          + e.getMessage() + "); will look again", e.getCause());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "Looking for arrived form uploads failed", e);
    }
  }

  private void expire() {
    try {
      service.expirePending();
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again: log and keep the schedule alive.
      LOG.log(System.Logger.Level.ERROR, "Expiring pending uploads failed", e);
    }
  }

  private void sweep() {
    try {
      int aborted = service.abortAbandonedMultipart();
      if (aborted > 0) {
        LOG.log(System.Logger.Level.INFO, "Aborted " + aborted + " abandoned multipart upload(s)");
      }
      service.deleteOldChangeRecords();
      int stray = service.sweepTombstones();
      if (stray > 0) {
        LOG.log(System.Logger.Level.INFO, "Deleted " + stray + " object(s) written after their"
            + " upload was cancelled or deleted");
      }
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not clean up the bucket ("
          + e.getMessage() + "); will look again", e.getCause());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "Cleaning up the bucket failed", e);
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    loader.shutdownNow();
    arrivals.shutdownNow();
    scheduler.shutdownNow();
  }
}
