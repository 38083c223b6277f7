package dev.directupload.bench;

import dev.directupload.events.Event;
import dev.directupload.registry.Database;
import dev.directupload.registry.FilePage;
import dev.directupload.registry.Limits;
import dev.directupload.registry.PostgresRegistry;
import dev.directupload.registry.Upload;
import dev.directupload.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the PostgreSQL registry sustains on this machine, against Debian's PostgreSQL started by
 * {@link TestPostgres} with {@code fsync} back on (a commit waits for the disk, as in production):
 * presigns ({@code addPending} with the default limits), completes (each recording one event),
 * first pages of a listing, and the health counts; then, with {@code -Dbulk=N}, the listing and
 * the counts over N more completed rows written straight in SQL.
 *
 * <pre>
 * mvn -q -o -Pbench test-compile
 * mvn -q -o -Pbench dependency:build-classpath -Dmdep.outputFile=target/bench.cp
 * java -cp target/test-classes:target/classes:$(cat target/bench.cp) -Dthreads=8 \
 *     -Duploads=20000 -Dbulk=10000000 dev.directupload.bench.PostgresThroughput
 * </pre>
 */
public final class PostgresThroughput {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private PostgresThroughput() {}

  public static void main(String[] args) throws Exception {
    int threads = Integer.getInteger("threads", 8);
    int uploads = Integer.getInteger("uploads", 20_000);
    int owners = Integer.getInteger("owners", 1_000);
    long bulk = Long.getLong("bulk", 0);
    TestPostgres server = TestPostgres.shared();
    server.admin("ALTER SYSTEM SET fsync = on");
    server.admin("ALTER SYSTEM SET full_page_writes = on");
    server.admin("SELECT pg_reload_conf()");
    String name = server.createDatabase("bench");
    try (Database db = Database.start(new Database.Settings(server.url(name), server.user(),
        server.password(), threads, Duration.ofSeconds(5), Duration.ofSeconds(1)))) {
      if (!db.awaitReady(Duration.ofSeconds(60))) {
        throw new IllegalStateException("database not ready: " + db.status());
      }
      PostgresRegistry registry = new PostgresRegistry(db.dataSource(), "bench",
          Duration.ofMinutes(1), Clock.systemUTC());
      Limits limits = new Limits(1_000_000, 100, 0, 0);
      System.out.printf(Locale.ROOT, "PostgreSQL registry, %d threads, %d uploads over %d"
          + " owners, fsync on%n", threads, uploads, owners);

      run("presign (addPending)", threads, uploads, i -> registry.addPending(
          upload(i, owners), limits, T0));
      run("complete (markCompleted + 1 event)", threads, uploads, i -> registry.markCompleted(
          id(i), T0.plusMillis(i), Optional.of("\"e\""), 1, List.of(Event.create(
              Event.UPLOAD_COMPLETED, id(i), Map.of("size", 1), T0))));
      run("first page of 50 (page)", threads, uploads, i -> registry.page(
          "user" + ThreadLocalRandom.current().nextInt(owners), 50, Optional.empty()));
      run("health counts (completedCount + pendingCount)", threads, uploads, i -> {
        registry.completedCount();
        return registry.pendingCount();
      });

      if (bulk > 0) {
        long started = System.nanoTime();
        // Straight to the server: the pool's socket timeout (30 s) would cut this statement.
        try (Connection c = DriverManager.getConnection(server.url(name), server.user(),
            server.password()); Statement s = c.createStatement()) {
          // One owner holds a tenth of the rows, the rest share 10,000 owners.
          s.execute("INSERT INTO uploads (id, owner, client, object_key, filename,"
              + " content_type, size_bytes, metadata, created_at, expires_at, completed_at)"
              + " SELECT 'bulk' || lpad(g::text, 18, '0'),"
              + " CASE WHEN g % 10 = 0 THEN 'big' ELSE 'owner' || (g % 10000) END,"
              + " 'c', 'k' || g, 'f.bin', 'application/octet-stream', 1, '{}',"
              + " timestamptz '2025-01-01' + g * interval '1 millisecond',"
              + " timestamptz '2025-01-01' + g * interval '1 millisecond',"
              + " timestamptz '2025-01-01' + g * interval '1 millisecond'"
              + " FROM generate_series(1, " + bulk + ") AS g");
          s.execute("UPDATE totals SET completed = completed + " + bulk + " WHERE shard = 0");
          s.execute("VACUUM ANALYZE uploads");
        }
        System.out.printf(Locale.ROOT, "bulk: %,d completed rows written in %.0f s%n", bulk,
            (System.nanoTime() - started) / 1e9);
        run("first page of 50 of the owner with a tenth of " + bulk + " rows", threads, 2_000,
            i -> registry.page("big", 50, Optional.empty()));
        FilePage first = registry.page("big", 1000, Optional.empty());
        String deep = first.nextCursor().orElseThrow();
        run("page of 50 after 1,000 files (cursor)", threads, 2_000,
            i -> registry.page("big", 50, Optional.of(deep)));
        run("health counts over " + bulk + " rows", threads, 2_000, i -> {
          registry.completedCount();
          return registry.pendingCount();
        });
      }
    }
  }

  @FunctionalInterface
  private interface Op {
    Object run(int i) throws Exception;
  }

  private static void run(String what, int threads, int count, Op op) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicInteger next = new AtomicInteger();
    long started = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(pool.submit(() -> {
        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
          op.run(i);
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(Locale.ROOT, "%-60s %,9.0f /s  (%,d in %.2f s)%n", what, count / seconds,
        count, seconds);
  }

  private static String id(int i) {
    return String.format(Locale.ROOT, "b%021d", i);
  }

  private static Upload upload(int i, int owners) {
    String owner = "user" + (i % owners);
    return new Upload(id(i), owner, "user:" + owner, "uploads/" + owner + "/" + id(i) + "/f.bin",
        "f.bin", "application/octet-stream", 1, Optional.empty(), Map.of(), T0,
        T0.plusSeconds(3600), Optional.empty(), Optional.empty(), Optional.empty());
  }
}
