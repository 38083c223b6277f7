package dev.directupload.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A request body read straight from a region of a (memory-mapped) buffer: chunks are read-only
 * views of it, so a 512 MiB upload makes no copy of its own on the heap. Each subscription starts
 * again at the region's first byte, as a retried request needs.
 */
final class SlicePublisher implements Flow.Publisher<ByteBuffer> {
  /** Large enough that the per-chunk overhead is noise, small enough to keep writes interleaved. */
  private static final int CHUNK = 256 * 1024;

  private final ByteBuffer region;

  /** The bytes between {@code region}'s position and limit; the buffer is not modified. */
  SlicePublisher(ByteBuffer region) {
    this.region = region.asReadOnlyBuffer();
  }

  long length() {
    return region.remaining();
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    subscriber.onSubscribe(new Chunks(region.duplicate(), subscriber));
  }

  /** Emits chunks on demand; the work counter keeps a request() made inside onNext from recursing. */
  private static final class Chunks implements Flow.Subscription {
    private final ByteBuffer rest;
    private final Flow.Subscriber<? super ByteBuffer> subscriber;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger work = new AtomicInteger();
    private volatile boolean done;

    Chunks(ByteBuffer rest, Flow.Subscriber<? super ByteBuffer> subscriber) {
      this.rest = rest;
      this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        done = true;
        subscriber.onError(new IllegalArgumentException("expected demand > 0 but was " + n));
        return;
      }
      demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
      if (work.getAndIncrement() != 0) {
        return;
      }
      do {
        while (!done && demand.get() > 0 && rest.hasRemaining()) {
          int length = Math.min(CHUNK, rest.remaining());
          ByteBuffer chunk = rest.slice(rest.position(), length);
          rest.position(rest.position() + length);
          demand.decrementAndGet();
          subscriber.onNext(chunk);
        }
        if (!done && !rest.hasRemaining()) {
          done = true;
          subscriber.onComplete();
        }
      } while (work.decrementAndGet() != 0);
    }

    @Override
    public void cancel() {
      done = true;
    }
  }
}
