package dev.directupload.web;

import dev.directupload.storage.StorageException;
import dev.directupload.upload.UploadService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The application's background work on one daemon thread: indexing the bucket (at start-up, and
 * again every minute until it succeeds), settling expired pending uploads every minute, reading
 * what other instances changed every {@code index-refresh}, and hourly clean-ups: abandoned
 * multipart uploads and old change records.
 */
final class Housekeeping implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Housekeeping.class.getName());
  static final long PERIOD_SECONDS = 60;
  /** Abandoned multipart uploads are a day old by definition: an hourly look is plenty. */
  static final long SWEEP_PERIOD_SECONDS = 3600;

  private final UploadService service;
  /** Only the housekeeping thread reads and writes it. */
  private boolean refreshFailing;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "direct-upload-housekeeping");
        t.setDaemon(true);
        return t;
      });

  /** Indexes the bucket now (a store that is down does not stop the start) and schedules the rest. */
  Housekeeping(UploadService service, Duration refresh) {
    this.service = service;
    if (!rebuild()) {
      scheduler.schedule(this::rebuildUntilDone, PERIOD_SECONDS, TimeUnit.SECONDS);
    }
    scheduler.scheduleWithFixedDelay(this::expire, PERIOD_SECONDS, PERIOD_SECONDS,
        TimeUnit.SECONDS);
    scheduler.scheduleWithFixedDelay(this::sweep, PERIOD_SECONDS, SWEEP_PERIOD_SECONDS,
        TimeUnit.SECONDS);
    if (!refresh.isZero()) {
      scheduler.scheduleWithFixedDelay(this::refresh, refresh.toMillis(), refresh.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  private void refresh() {
    try {
      int applied = service.refreshIndex();
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

  private void rebuildUntilDone() {
    if (!rebuild()) {
      scheduler.schedule(this::rebuildUntilDone, PERIOD_SECONDS, TimeUnit.SECONDS);
    }
  }

  private boolean rebuild() {
    long start = System.nanoTime();
    try {
      int found = service.rebuildIndex();
      LOG.log(System.Logger.Level.INFO, "Indexed " + found + " file(s) from the bucket in "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
      return true;
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not index the bucket (" + e.getMessage()
          + "); retrying in " + PERIOD_SECONDS + " s", e.getCause());
      return false;
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
      LOG.log(System.Logger.Level.WARNING, "Could not look for abandoned multipart uploads ("
          + e.getMessage() + "); will look again", e.getCause());
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "Looking for abandoned multipart uploads failed", e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
