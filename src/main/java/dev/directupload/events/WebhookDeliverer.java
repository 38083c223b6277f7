package dev.directupload.events;

import dev.directupload.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends the outbox's events to the host application's {@code webhook-url} as Standard Webhooks,
 * on threads of its own: a request thread only {@linkplain #record records} (one write to the
 * outbox) and {@linkplain #announce announces} (a hand-off that returns at once), so a slow or
 * hanging receiver never slows an upload.
 *
 * <ul>
 *   <li>The producer's fast path: an announced event is attempted at once. An event this
 *       deliverer holds is retried by it, on the {@link RetrySchedule}, each failure extending its
 *       lease past the next attempt; when the window is spent it is abandoned.
 *   <li>A scan every {@code scanInterval} claims what nobody holds: events whose holder died
 *       (its lease ran out) and events that waited behind an earlier one of their upload.
 *   <li>In order per subject: an event is sent only once every earlier event of its upload has
 *       been acknowledged (or abandoned); {@code concurrency} attempts run at once, for different
 *       uploads.
 *   <li>2xx acknowledges. Anything else, a timeout or a refused connection is a failure;
 *       redirects are not followed. The receiver's body is never read.
 * </ul>
 */
public final class WebhookDeliverer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(WebhookDeliverer.class.getName());
  static final String USER_AGENT = "direct-upload-webhooks";

  /**
   * @param connectTimeout the most a connection to the receiver may take
   * @param requestTimeout the most an answer may take once sent
   * @param scanInterval how often the outbox is searched for events nobody holds
   * @param lease how long a holder keeps an event from the others without writing again; longer
   *     than an attempt can take, and the delay before another instance takes over the events of
   *     one that died
   * @param concurrency attempts at once (a receiver that hangs holds one for requestTimeout)
   * @param retries when failed attempts are tried again, and for how long
   */
  public record Options(Duration connectTimeout, Duration requestTimeout, Duration scanInterval,
      Duration lease, int concurrency, RetrySchedule retries) {

    public static final Options DEFAULTS = new Options(Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), 4,
        RetrySchedule.STANDARD);

    public Options {
      positive("connectTimeout", connectTimeout);
      positive("requestTimeout", requestTimeout);
      positive("scanInterval", scanInterval);
      positive("lease", lease);
      Objects.requireNonNull(retries, "retries");
      if (concurrency < 1 || concurrency > 256) {
        throw new IllegalArgumentException("expected a webhook concurrency of 1..256 but was "
            + concurrency);
      }
      if (lease.compareTo(connectTimeout.plus(requestTimeout)) <= 0) {
        throw new IllegalArgumentException("expected a lease longer than connectTimeout +"
            + " requestTimeout (" + connectTimeout.plus(requestTimeout) + "), so an attempt ends"
            + " before its lease does, but was " + lease);
      }
    }

    private static void positive(String name, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("expected a positive " + name + " but was " + value);
      }
    }
  }

  private final URI url;
  private final WebhookSigner signer;
  private final Outbox outbox;
  private final String instanceId;
  private final Options options;
  private final Clock clock;
  /** Renew a lease before an attempt when less than this is left of it. */
  private final Duration attemptBound;

  private final ExecutorService httpThreads;
  private final HttpClient http;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  /**
   * Scans on a thread of their own: on the workers they would wait behind attempts that a hanging
   * receiver holds for requestTimeout each, and the backlog api/health shows would stand still.
   */
  private final ScheduledExecutorService scanner;

  private final Object lock = new Object();
  /** The events held, per subject, in order: the first is being attempted or waits to be retried. */
  private final Map<String, ArrayDeque<Held>> subjects = new HashMap<>();
  private final Set<String> positions = new HashSet<>();
  private final AtomicBoolean receiverFailing = new AtomicBoolean();
  private final AtomicBoolean outboxFailing = new AtomicBoolean();
  private volatile Optional<String> lastError = Optional.empty();
  private volatile boolean closed;
  private volatile FailureListener failures = FailureListener.NONE;

  /** Told of each attempt that failed (for metrics); called on a delivery thread, must be quick. */
  @FunctionalInterface
  public interface FailureListener {
    FailureListener NONE = abandoned -> { };

    /** {@code abandoned}: it was the event's last attempt, its retry window is spent. */
    void failed(boolean abandoned);
  }

  /** An event this deliverer holds; only the one thread working on it at a time touches it. */
  private static final class Held {
    Delivery delivery;
    /** Announced, not claimed: ask the outbox whether an earlier event of its upload waits. */
    boolean checkOrder;

    Held(Delivery delivery, boolean checkOrder) {
      this.delivery = delivery;
      this.checkOrder = checkOrder;
    }
  }

  /**
   * Starts the threads and the first scan.
   *
   * @param instanceId this instance's name in leases: unique among the instances over one outbox
   */
  public WebhookDeliverer(URI url, WebhookSigner signer, Outbox outbox, String instanceId,
      Options options, Clock clock) {
    if (url == null || !url.isAbsolute()
        || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      throw new IllegalArgumentException("expected an absolute http or https webhook URL but was "
          + url);
    }
    this.url = url;
    this.signer = Objects.requireNonNull(signer, "signer");
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.options = Objects.requireNonNull(options, "options");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.attemptBound = options.connectTimeout().plus(options.requestTimeout());
    // The HTTP client's own tasks need threads that are never all blocked in send().
    this.httpThreads = Executors.newCachedThreadPool(daemons("direct-upload-webhook-http-"));
    this.http = HttpClient.newBuilder()
        .connectTimeout(options.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .executor(httpThreads)
        .build();
    this.workers = Executors.newFixedThreadPool(options.concurrency(),
        daemons("direct-upload-webhook-"));
    this.timer = Executors.newSingleThreadScheduledExecutor(
        daemons("direct-upload-webhook-timer-"));
    this.scanner = Executors.newSingleThreadScheduledExecutor(
        daemons("direct-upload-webhook-scan-"));
    scanner.scheduleWithFixedDelay(this::scan, 0, options.scanInterval().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Writes {@code event} to the outbox, leased to this instance: call it before answering the
   * request that made the change. Throws ({@link StorageException} for the bucket) when the event
   * could not be made durable.
   */
  public Delivery record(Event event) {
    return outbox.record(event, instanceId, clock.instant(), options.lease());
  }

  /**
   * Hands a recorded event to the background threads for an attempt right away (after any earlier
   * event of its upload); returns at once. An event never announced (the JVM died first) is
   * found by a scan once its lease runs out.
   */
  public void announce(Delivery recorded) {
    if (!closed) {
      enqueue(recorded, true);
    }
  }

  /** {@link #record} then {@link #announce}: the one call a use case needs. */
  public Delivery publish(Event event) {
    Delivery recorded = record(event);
    announce(recorded);
    return recorded;
  }

  /** Tells {@code listener} of every failed attempt from now on. */
  public void onFailure(FailureListener listener) {
    this.failures = Objects.requireNonNull(listener, "listener");
  }

  /**
   * What waits to be delivered, for {@code api/health}; the error is the most recent failure of
   * this instance's attempts (or, when it has none, the one the outbox last saw).
   */
  public Backlog backlog() {
    Backlog outboxView = outbox.backlog(clock.instant());
    if (outboxView.pending() == 0) {
      return Backlog.EMPTY;
    }
    Optional<String> mine = lastError;
    return mine.isPresent()
        ? new Backlog(outboxView.pending(), outboxView.oldestAgeSeconds(), mine) : outboxView;
  }

  /**
   * Stops the threads, interrupting attempts under way. Events not delivered stay in the outbox
   * under this instance's leases; another instance (or the next start) takes them over once the
   * leases run out, as after a crash.
   */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    scanner.shutdownNow();
    workers.shutdownNow();
    try {
      if (!workers.awaitTermination(10, TimeUnit.SECONDS)
          || !scanner.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.log(System.Logger.Level.WARNING, "Webhook threads did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    httpThreads.shutdownNow();
  }

  private void enqueue(Delivery d, boolean checkOrder) {
    Held start = null;
    synchronized (lock) {
      if (!positions.add(d.position())) {
        return;
      }
      ArrayDeque<Held> queue = subjects.computeIfAbsent(d.subject(), s -> new ArrayDeque<>());
      Held held = new Held(d, checkOrder);
      queue.addLast(held);
      if (queue.size() == 1) {
        start = held;
      }
    }
    if (start != null) {
      dispatch(start);
    }
  }

  private void dispatch(Held held) {
    try {
      workers.execute(() -> attempt(held));
    } catch (RejectedExecutionException e) {
      // Closed: the event stays in the outbox for the next holder.
    }
  }

  private void attempt(Held held) {
    if (closed) {
      return;
    }
    String subject = held.delivery.subject();
    try {
      Instant now = clock.instant();
      if (held.checkOrder) {
        if (!outbox.isNext(held.delivery)) {
          // An earlier event of this upload is pending elsewhere (or this one is gone): a scan
          // takes this one, in order, once that one is acknowledged. Our leases would keep every
          // scan, ours included, away from these events until they ran out, a minute after they
          // were recorded: they end now.
          for (Held h : release(subject)) {
            outbox.renew(h.delivery, instanceId, now, Duration.ZERO);
          }
          return;
        }
        held.checkOrder = false;
      }
      if (held.delivery.leaseUntil().isBefore(now.plus(attemptBound))) {
        Optional<Delivery> renewed = outbox.renew(held.delivery, instanceId, now,
            options.lease());
        if (renewed.isEmpty()) {
          release(subject); // someone else took it over while it waited here
          return;
        }
        held.delivery = renewed.get();
      }
      Optional<String> failure = send(held.delivery.event());
      if (closed) {
        return; // as after a crash: no write after close
      }
      if (failure.isEmpty()) {
        succeeded(held);
      } else {
        failed(held, failure.get());
      }
    } catch (StorageException e) {
      warnOutbox("Could not update the webhook outbox (" + e.getMessage() + "); the events of "
          + subject + " are left to a later scan", e);
      release(subject);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "Delivering a webhook of " + subject + " failed", e);
      release(subject);
    }
  }

  private void succeeded(Held held) {
    lastError = Optional.empty();
    if (receiverFailing.compareAndSet(true, false)) {
      LOG.log(System.Logger.Level.INFO, "The webhook receiver acknowledges again");
    }
    try {
      outbox.delivered(held.delivery);
    } catch (StorageException e) {
      warnOutbox("Webhook " + held.delivery.event().id() + " was acknowledged but could not be"
          + " removed from the outbox (" + e.getMessage() + "): it will be sent again, with the"
          + " same webhook-id", e);
    }
    finish(held);
  }

  private void failed(Held held, String reason) {
    lastError = Optional.of(reason);
    Delivery d = held.delivery;
    if (receiverFailing.compareAndSet(false, true)) {
      LOG.log(System.Logger.Level.WARNING, "The webhook receiver failed (" + reason
          + "); retrying on schedule");
    }
    Instant now = clock.instant();
    boolean abandoned = options.retries().exhausted(d.recordedAt(), now);
    try {
      failures.failed(abandoned);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "A webhook failure listener failed", e);
    }
    if (abandoned) {
      outbox.abandon(d, reason);
      finish(held);
      return;
    }
    Duration wait = options.retries().delayAfter(d.attempts() + 1, ThreadLocalRandom.current());
    Instant next = now.plus(wait);
    try {
      held.delivery = outbox.retryLater(d, next, reason, options.lease());
    } catch (StorageException e) {
      // Retry anyway; the lease check before the attempt finds out whether the store is back.
      held.delivery = d.failed(next, reason, d.leaseUntil());
      warnOutbox("Could not record a failed webhook attempt (" + e.getMessage() + ")", e);
    }
    try {
      timer.schedule(() -> dispatch(held), wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // Closed meanwhile: the event stays in the outbox.
    }
  }

  /** The first event of its subject is done with: start the next one. */
  private void finish(Held held) {
    Held next = null;
    synchronized (lock) {
      positions.remove(held.delivery.position());
      ArrayDeque<Held> queue = subjects.get(held.delivery.subject());
      if (queue != null && queue.remove(held)) {
        if (queue.isEmpty()) {
          subjects.remove(held.delivery.subject());
        } else {
          next = queue.peekFirst();
        }
      }
    }
    if (next != null) {
      dispatch(next);
    }
  }

  /**
   * Lets go of every event of {@code subject}: they stay in the outbox for a scan to claim.
   * Returns them.
   */
  private List<Held> release(String subject) {
    synchronized (lock) {
      ArrayDeque<Held> queue = subjects.remove(subject);
      if (queue == null) {
        return List.of();
      }
      queue.forEach(h -> positions.remove(h.delivery.position()));
      return List.copyOf(queue);
    }
  }

  private void scan() {
    try {
      if (closed) {
        return;
      }
      List<Delivery> claimed = outbox.claimDue(instanceId, clock.instant(),
          2 * options.concurrency(), options.lease());
      claimed.forEach(d -> enqueue(d, false));
      if (outboxFailing.compareAndSet(true, false)) {
        LOG.log(System.Logger.Level.INFO, "The webhook outbox answers again");
      }
    } catch (StorageException e) {
      warnOutbox("Could not search the webhook outbox (" + e.getMessage() + "); will keep trying",
          e);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "Searching the webhook outbox failed", e);
    }
  }

  /** Sends one attempt; empty when acknowledged, else why not in words safe to show anyone. */
  private Optional<String> send(Event event) {
    String body = event.webhookBody();
    HttpRequest.Builder request = HttpRequest.newBuilder(url)
        .timeout(options.requestTimeout())
        .header("content-type", "application/json")
        .header("user-agent", USER_AGENT)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    signer.headers(event.id(), clock.instant(), body).forEach(request::header);
    try {
      HttpResponse<InputStream> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      // Never read: the status decides, and the receiver's words are not ours to show.
      response.body().close();
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        return Optional.empty();
      }
      return Optional.of("answered " + status
          + (status >= 300 && status < 400 ? " (redirects are not followed)" : ""));
    } catch (HttpConnectTimeoutException e) {
      return Optional.of("could not connect within " + seconds(options.connectTimeout()));
    } catch (HttpTimeoutException e) {
      return Optional.of("timed out after " + seconds(options.requestTimeout()));
    } catch (ConnectException e) {
      return Optional.of("could not connect (refused or unreachable)");
    } catch (IOException e) {
      // The JDK's messages may quote what the receiver sent: name the kind of failure only.
      return Optional.of("failed (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted");
    }
  }

  private void warnOutbox(String message, StorageException e) {
    LOG.log(outboxFailing.getAndSet(true) ? System.Logger.Level.DEBUG
        : System.Logger.Level.WARNING, message, e.getCause());
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread t = new Thread(runnable, prefix + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
