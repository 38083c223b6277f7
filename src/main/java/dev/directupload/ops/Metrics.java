package dev.directupload.ops;

import dev.directupload.events.Backlog;
import dev.directupload.events.WebhookDeliverer;
import dev.directupload.registry.Registry;
import dev.directupload.storage.ObjectStore;
import dev.directupload.upload.UploadObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The application's metrics, in one Micrometer {@link PrometheusMeterRegistry}: requests, the
 * store's calls, what the use cases did, the index, webhooks, the JVM and the container's
 * request threads. Every name starts with {@code direct_upload_} (the JVM's are Micrometer's
 * own: {@code jvm_}, {@code process_}, {@code system_}); no label ever holds an owner, an id, a
 * file name, an address or a path.
 *
 * <p>Gauges read what is already known when a scrape asks (the registry's counts, a flag, a
 * time), never the store. Closing unregisters the JVM listeners, so a redeployed WAR leaves
 * nothing behind that holds its class loader.
 */
public final class Metrics implements AutoCloseable {
  /** Prometheus's text exposition format, version 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final RequestMetrics requests;
  private final ContainerThreadPools pools;

  public Metrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    this.requests = new RequestMetrics(registry);
    this.pools = new ContainerThreadPools(registry);
    pools.bindNew();
  }

  /** Requests by operation and outcome, for the web layer. */
  public RequestMetrics requests() {
    return requests;
  }

  /** The store, with its calls timed and its failures counted. */
  public ObjectStore metered(ObjectStore store) {
    return new MeteredStore(store, registry);
  }

  /** Counts what the use cases report. */
  public UploadObserver observer() {
    return new MetricsObserver(registry);
  }

  /** Files and pending uploads (the registry's own counts) and whether the index is loading. */
  public void watchUploads(Registry uploads, BooleanSupplier indexLoading) {
    gauge("direct_upload.files", "Completed files in the index", uploads::completedCount);
    gauge("direct_upload.pending.uploads", "Uploads signed and not yet completed, cancelled or"
        + " expired", uploads::pendingCount);
    gauge("direct_upload.index.loading", "1 while the index is being read in after a start"
        + " (lists may miss files), else 0", () -> indexLoading.getAsBoolean() ? 1 : 0);
  }

  /** How long ago the index last read the other instances' changes. */
  public void watchIndexRefresh(IndexRefreshes refreshes) {
    gauge("direct_upload.index.refresh.age.seconds", "Seconds since the index last read what"
        + " other instances over the bucket changed", refreshes::ageSeconds);
  }

  /**
   * What waits to be delivered to the webhook receiver; returns the listener that counts failed
   * attempts and abandoned events, to give the deliverer.
   */
  public WebhookDeliverer.FailureListener watchWebhooks(WebhookDeliverer webhooks) {
    Supplier<Backlog> backlog = new Recent<>(webhooks::backlog);
    gauge("direct_upload.webhook.backlog.events", "Events recorded and not yet delivered",
        () -> backlog.get().pending());
    gauge("direct_upload.webhook.backlog.oldest.age.seconds", "How long the oldest undelivered"
        + " event has waited", () -> backlog.get().oldestAgeSeconds());
    Counter failed = Counter.builder("direct_upload.webhook.failed.attempts")
        .description("Webhook attempts that were not acknowledged (a non-2xx answer, a timeout,"
            + " no connection); each is retried until its window is spent")
        .register(registry);
    Counter abandoned = Counter.builder("direct_upload.webhook.abandoned")
        .description("Webhook events given up after their last retry")
        .register(registry);
    return giveUp -> (giveUp ? abandoned : failed).increment();
  }

  /** Writes every metric in the text format ({@link #CONTENT_TYPE}). */
  public void scrape(OutputStream out) throws IOException {
    pools.bindNew();
    registry.scrape(out);
  }

  private void gauge(String name, String description, DoubleSupplier value) {
    Gauge.builder(name, () -> {
      try {
        return value.getAsDouble();
      } catch (RuntimeException e) {
        return Double.NaN; // the database did not answer: no value rather than a wrong one
      }
    }).description(description).strongReference(true).register(registry);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  /** A value asked for at most once a second: one scrape reads several gauges of it. */
  private static final class Recent<T> implements Supplier<T> {
    private final Supplier<T> source;
    private volatile long at;
    private volatile T value;

    Recent(Supplier<T> source) {
      this.source = source;
    }

    @Override
    public T get() {
      long now = System.nanoTime();
      T v = value;
      if (v == null || now - at > 1_000_000_000L) {
        v = source.get();
        value = v;
        at = now;
      }
      return v;
    }
  }
}
