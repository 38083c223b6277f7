package dev.directupload.ops;

import dev.directupload.registry.Upload;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.UploadObserver;
import java.util.List;

/**
 * Several observers as one. An observer that throws (a broken log handler) is logged and
 * skipped: what it observes has already happened, and the request must not fail for it.
 */
public final class Observers implements UploadObserver {
  private static final System.Logger LOG = System.getLogger(Observers.class.getName());

  private final List<UploadObserver> observers;

  private Observers(List<UploadObserver> observers) {
    this.observers = observers;
  }

  /** The observers given, in order; NONE for none. */
  public static UploadObserver of(List<UploadObserver> observers) {
    return observers.isEmpty() ? UploadObserver.NONE : new Observers(List.copyOf(observers));
  }

  @Override
  public void presigned(Caller caller, Upload upload) {
    each(o -> o.presigned(caller, upload));
  }

  @Override
  public void partsSigned(Caller caller, Upload upload, int parts) {
    each(o -> o.partsSigned(caller, upload, parts));
  }

  @Override
  public void completed(Caller caller, Upload upload) {
    each(o -> o.completed(caller, upload));
  }

  @Override
  public void deleted(Caller caller, Upload upload) {
    each(o -> o.deleted(caller, upload));
  }

  @Override
  public void expired(Upload upload, boolean completed) {
    each(o -> o.expired(upload, completed));
  }

  @Override
  public void refused(Caller caller, String operation, String uploadId, ApiException error) {
    each(o -> o.refused(caller, operation, uploadId, error));
  }

  private void each(java.util.function.Consumer<UploadObserver> call) {
    for (UploadObserver observer : observers) {
      try {
        call.accept(observer);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "An observer failed: " + observer.getClass().getName(),
            e);
      }
    }
  }
}
