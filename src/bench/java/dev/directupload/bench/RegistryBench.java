package dev.directupload.bench;

import dev.directupload.registry.FilePage;
import dev.directupload.registry.Limits;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.Upload;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The registry with 1,000,000 completed files of one owner (the worst case for a page): the
 * first page of 100, a page of 100 from a cursor anywhere in the list, and expiring pending
 * entries while the million completed ones sit beside them. Plus one add-and-complete cycle.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms3g", "-Xmx3g"})
public class RegistryBench {
  static final String OWNER = "alice";
  static final Limits ROOMY = new Limits(100_000_000, 100_000_000, 0, 0);

  @State(Scope.Benchmark)
  public static class Million {
    MemoryRegistry registry;
    List<String> cursors = new ArrayList<>();
    int next;

    @Setup(Level.Trial)
    public void fill() {
      registry = new MemoryRegistry();
      for (int i = 0; i < 1_000_000; i++) {
        registry.addCompleted(Entries.completed(OWNER, i));
      }
      // 1,000 pending uploads, 10 of which have expired by "now" below.
      for (int i = 0; i < 1_000; i++) {
        Upload p = Entries.pending(OWNER, i);
        registry.addPending(new Upload(p.id(), p.owner(), p.client(), p.key(), p.filename(),
            p.contentType(), p.size(), p.checksumSha256(), p.metadata(), p.createdAt(),
            Entries.T0.plusSeconds(i < 10 ? 1 : 1_000_000), p.completedAt(), p.etag(),
            Optional.empty()), ROOMY, Entries.T0);
      }
      Optional<String> cursor = Optional.empty();
      int page = 0;
      do {
        FilePage p = registry.page(OWNER, 100, cursor);
        cursor = p.nextCursor();
        if (page++ % 10 == 0) {
          cursor.ifPresent(cursors::add);
        }
      } while (cursor.isPresent());
    }
  }

  @Benchmark
  public FilePage firstPageOf100(Million m) {
    return m.registry.page(OWNER, 100, Optional.empty());
  }

  @Benchmark
  public FilePage pageOf100FromACursor(Million m) {
    String cursor = m.cursors.get(m.next++ % m.cursors.size());
    return m.registry.page(OWNER, 100, Optional.of(cursor));
  }

  @Benchmark
  public List<Upload> expiredPendingAmongAMillion(Million m) {
    return m.registry.expiredPending(Entries.T0.plusSeconds(2), 1000);
  }

  @State(Scope.Thread)
  public static class Cycle {
    MemoryRegistry registry;
    Upload[] uploads;
    int next;

    @Setup(Level.Iteration)
    public void fresh() {
      registry = new MemoryRegistry();
      uploads = new Upload[1 << 16];
      for (int i = 0; i < uploads.length; i++) {
        uploads[i] = Entries.pending(OWNER, i);
      }
      next = 0;
    }
  }

  /** addPending then markCompleted of one upload (ids are recycled through remove). */
  @Benchmark
  public Optional<Upload> addThenComplete(Cycle c) {
    Upload u = c.uploads[c.next++ & (c.uploads.length - 1)];
    c.registry.remove(u.id(), null);
    c.registry.addPending(u, ROOMY, Entries.T0);
    return c.registry.markCompleted(u.id(), Instant.ofEpochMilli(c.next), Optional.empty());
  }
}
