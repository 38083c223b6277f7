package dev.directupload.ops;

import dev.directupload.upload.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * API requests by operation and outcome ({@code ok} or the error code answered), how long they
 * took, and the refusals an operator watches for on their own: rate limits and quotas. Every
 * label value comes from a fixed list ({@link Operation}, {@link ErrorCode}), so the number of
 * series is bounded whatever clients send.
 */
public final class RequestMetrics {
  static final String REQUESTS = "direct_upload.requests";
  static final String DURATION = "direct_upload.request.duration";
  static final String RATE_LIMITED = "direct_upload.rate.limited";
  static final String QUOTA_REFUSED = "direct_upload.quota.refused";
  /** From a fast JSON answer to a slow client's body: where an API request's time falls. */
  private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2),
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};
  private static final ErrorCode[] CODES = ErrorCode.values();
  /** Outcomes: ok, each error code, then an error status the container answered on its own. */
  private static final int OK = 0;
  private static final int OTHER_4XX = CODES.length + 1;
  private static final int OTHER_5XX = CODES.length + 2;
  private static final int OUTCOMES = CODES.length + 3;

  private final MeterRegistry registry;
  private final Timer[] durations;
  /** Per operation, then per outcome; made on first use, except {@code ok}, made at once. */
  private final AtomicReferenceArray<Counter> counters;

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
    Operation[] operations = Operation.values();
    this.durations = new Timer[operations.length];
    this.counters = new AtomicReferenceArray<>(operations.length * OUTCOMES);
    for (Operation op : operations) {
      durations[op.ordinal()] = Timer.builder(DURATION)
          .description("API requests from arrival to the last byte answered, by operation")
          .tag("operation", op.label())
          .serviceLevelObjectives(BUCKETS)
          .register(registry);
      // Present from the start, so that a rate over the first minutes is not missing.
      counter(op, OK);
    }
    for (String limit : new String[] {"owner_quota", "pending_per_client", "pending_total"}) {
      quotaCounter(limit);
    }
  }

  /**
   * One request finished with {@code status}; {@code code} is the API error it was answered, or
   * null when it succeeded or the container answered on its own.
   */
  public void record(Operation op, int status, ErrorCode code, long nanos) {
    durations[op.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
    int outcome = code != null ? code.ordinal() + 1
        : status < 400 ? OK : status < 500 ? OTHER_4XX : OTHER_5XX;
    counter(op, outcome).increment();
    if (code == null) {
      return;
    }
    switch (code) {
      case TOO_MANY_REQUESTS -> Counter.builder(RATE_LIMITED)
          .description("Requests refused by rate-limit, by operation")
          .tag("operation", op.label()).register(registry).increment();
      case QUOTA_EXCEEDED -> quotaCounter("owner_quota").increment();
      case PENDING_LIMIT -> quotaCounter("pending_per_client").increment();
      case TOO_MANY_PENDING -> quotaCounter("pending_total").increment();
      default -> { }
    }
  }

  private Counter quotaCounter(String limit) {
    return Counter.builder(QUOTA_REFUSED)
        .description("Presigns refused by a limit: owner-quota-bytes or -files (owner_quota),"
            + " max-pending-per-user (pending_per_client), max-pending (pending_total)")
        .tag("limit", limit).register(registry);
  }

  private Counter counter(Operation op, int outcome) {
    int slot = op.ordinal() * OUTCOMES + outcome;
    Counter counter = counters.get(slot);
    if (counter == null) {
      // Two threads may both get here: the registry hands both the same counter.
      counter = Counter.builder(REQUESTS)
          .description("API requests by operation and outcome: ok, or the error code answered")
          .tag("operation", op.label())
          .tag("outcome", outcomeLabel(outcome))
          .register(registry);
      counters.set(slot, counter);
    }
    return counter;
  }

  private static String outcomeLabel(int outcome) {
    if (outcome == OK) {
      return "ok";
    }
    if (outcome == OTHER_4XX) {
      return "OTHER_4XX";
    }
    if (outcome == OTHER_5XX) {
      return "OTHER_5XX";
    }
    return CODES[outcome - 1].name();
  }
}
