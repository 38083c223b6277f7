package dev.directupload.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.directupload.config.Settings;
import dev.directupload.registry.Checkpoint;
import dev.directupload.registry.CheckpointStore;
import dev.directupload.registry.Upload;
import dev.directupload.storage.S3ObjectStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What a restart costs over a bucket of N files with every store request 25 ms away (issue 11):
 * the application in embedded Jetty in this JVM, pointed at a {@link BenchS3} filled with N
 * application-shaped objects through a {@link DelayingProxy}. For each N ({@code -Dfiles}, a
 * comma-separated list) one bucket and proxy of its own; then
 * <ol>
 *   <li><b>with a checkpoint</b>, {@code -Drounds} rounds, the sizes taking turns within each
 *       round: the checkpoint the application would write for those objects (built with its own
 *       {@link Checkpoint} and {@link CheckpointStore}, written straight to BenchS3 and put back
 *       before every start, so each start sees the same bucket);
 *   <li><b>without one</b> (the old way: every object read by HeadObject), once for each N in
 *       {@code -Dnocheckpoint}. That start writes a checkpoint at its end; the first such one is
 *       compared entry by entry with the built one, which shows the built one is faithful.
 * </ol>
 * Each start records: seconds from {@code server.start()} to the first {@code api/health} 200
 * and to the first {@code api/files} answer with {@code complete: true}; the store requests made
 * in that time (counted by the proxy by HTTP method, and by BenchS3 by operation); the heap the
 * running application holds (used heap after {@code System.gc()} with the app running and the
 * index complete, minus the same just before the start: BenchS3's objects and the checkpoint are
 * in both); and the JVM's CPU time meanwhile (app, proxy and BenchS3 together).
 *
 * <pre>mvn -q -o -Pbench test-compile exec:exec@restart -Dfiles=10000,100000,1000000 -Ddelay=25</pre>
 */
public final class RestartCost {
  private static final String PREFIX = "uploads/";
  private static final String INDEX_FOLDER = PREFIX + ".direct-upload/index/";
  private static final Duration LIMIT = Duration.ofMinutes(30);
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private RestartCost() {}

  /** One bucket of {@code files} objects behind its own proxy, and its built checkpoint. */
  private record Bucket(int files, BenchS3 s3, DelayingProxy proxy,
      Map<String, Blob> checkpoint) {}

  /** What one start cost. */
  private record Start(double healthy, String firstIndex, double listed,
      Map<String, Long> byMethod, Map<BenchS3.Op, Long> byOp, long requests, long heapBytes,
      double cpuSeconds) {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = ints(System.getProperty("files", "10000,100000,1000000"));
    List<Integer> oldWay = ints(System.getProperty("nocheckpoint", "10000,100000"));
    Duration delay = Duration.ofMillis(Long.getLong("delay", 25));
    int rounds = Integer.getInteger("rounds", 3);
    // The app takes its credentials from the AWS chain; BenchS3 checks no signature.
    System.setProperty("aws.accessKeyId", "bench");
    System.setProperty("aws.secretAccessKey", "bench");
    System.out.printf(Locale.ROOT, "restart cost: files %s, store delay %d ms, %d rounds with a"
        + " checkpoint, without one at %s; %d CPUs, max heap %,d MB%n", sizes, delay.toMillis(),
        rounds, oldWay, Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);

    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    List<Bucket> buckets = new ArrayList<>();
    try {
      for (int files : sizes) {
        buckets.add(prepare(files, delay));
      }
      Map<Integer, List<Start>> withCheckpoint = new TreeMap<>();
      for (int round = 1; round <= rounds; round++) {
        for (Bucket b : buckets) {
          Start s = start(b, http, true);
          withCheckpoint.computeIfAbsent(b.files(), f -> new ArrayList<>()).add(s);
          print("round " + round + ", checkpoint", b.files(), s);
        }
      }
      Map<Integer, Start> without = new TreeMap<>();
      boolean compared = false;
      for (Bucket b : buckets) {
        if (!oldWay.contains(b.files())) {
          continue;
        }
        Start s = start(b, http, false);
        without.put(b.files(), s);
        print("no checkpoint", b.files(), s);
        if (!compared) {
          compareWithWritten(b);
          compared = true;
        }
      }

      System.out.printf(Locale.ROOT, "%nwith a checkpoint, median of %d rounds (min-max);"
          + " store %d ms away%n", rounds, delay.toMillis());
      System.out.println("| files | to health 200 | to complete listing | store requests"
          + " (target N/1000+100) | by operation | heap held by the app after GC | JVM CPU |");
      System.out.println("|---:|---:|---:|---:|---|---:|---:|");
      for (Map.Entry<Integer, List<Start>> e : withCheckpoint.entrySet()) {
        List<Start> all = e.getValue();
        Start mid = all.stream().sorted((a, b) -> Double.compare(a.listed(), b.listed()))
            .toList().get((all.size() - 1) / 2);
        System.out.printf(Locale.ROOT, "| %,d | %s s | %s s | %,d (%,d) | %s | %s MB | %.1f s |%n",
            e.getKey(), summary(all.stream().mapToDouble(Start::healthy).toArray()),
            summary(all.stream().mapToDouble(Start::listed).toArray()), mid.requests(),
            e.getKey() / 1000 + 100, mid.byOp(), summary(all.stream()
                .mapToDouble(s -> s.heapBytes() / 1e6).toArray()), mid.cpuSeconds());
      }
      if (!without.isEmpty()) {
        System.out.printf(Locale.ROOT, "%nwithout a checkpoint (every object read by"
            + " HeadObject), one start each%n");
        System.out.println("| files | to health 200 | to complete listing | store requests"
            + " | by operation | heap held by the app after GC | JVM CPU |");
        System.out.println("|---:|---:|---:|---:|---|---:|---:|");
        without.forEach((files, s) -> System.out.printf(Locale.ROOT,
            "| %,d | %.2f s | %.1f s | %,d | %s | %.0f MB | %.1f s |%n", files, s.healthy(),
            s.listed(), s.requests(), s.byOp(), s.heapBytes() / 1e6, s.cpuSeconds()));
      }
    } finally {
      for (Bucket b : buckets) {
        b.proxy().close();
        b.s3().close();
      }
    }
  }

  /** A filled bucket behind its proxy, with the checkpoint the app would write for it. */
  private static Bucket prepare(int files, Duration delay) throws Exception {
    BenchS3 s3 = BenchS3.start();
    DelayingProxy proxy = DelayingProxy.start(s3.port(), delay);
    long t = System.nanoTime();
    s3.fill(files, Fill.defaults());
    double filled = (System.nanoTime() - t) / 1e9;
    t = System.nanoTime();
    Checkpoint checkpoint = new Checkpoint(Instant.now(), PREFIX, uploads(s3), List.of());
    try (S3ObjectStore direct = S3ObjectStore.create(settings(s3, s3.endpoint().toString()),
        StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))) {
      new CheckpointStore(direct, PREFIX).write(checkpoint);
    }
    Map<String, Blob> written = new LinkedHashMap<>(indexFolder(s3));
    long bytes = written.values().stream().mapToLong(Blob::size).sum();
    System.out.printf(Locale.ROOT, "bucket of %,d files: filled in %.1f s; checkpoint of %,d"
        + " entries built and written straight to BenchS3 in %.1f s, %,d bytes%n", files, filled,
        checkpoint.completed().size(), (System.nanoTime() - t) / 1e9, bytes);
    return new Bucket(files, s3, proxy, written);
  }

  /**
   * What the app's own rebuild makes of each filled object (StoredUploads.upload of what
   * HeadObject says): owner, id and name from the metadata, which BenchS3 derives from the key;
   * no checksum and no extra metadata; the ETag BenchS3 answers; the object's time as
   * completion time. Sorted by key, as the application writes checkpoints.
   */
  private static List<Upload> uploads(BenchS3 s3) {
    List<Upload> uploads = new ArrayList<>(s3.size());
    Map<String, String> owners = new HashMap<>();
    for (Map.Entry<String, Blob> e : s3.objects().entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(PREFIX) || key.startsWith(PREFIX + ".")) {
        continue;
      }
      Blob blob = e.getValue();
      Map<String, String> meta = FilledObjects.headers(key);
      String owner = owners.computeIfAbsent(meta.get("x-amz-meta-owner"), o -> o);
      Instant at = Instant.ofEpochMilli(blob.lastModified());
      uploads.add(new Upload(meta.get("x-amz-meta-upload-id"), owner, owner, key,
          key.substring(key.lastIndexOf('/') + 1), blob.contentType(), blob.size(),
          Optional.empty(), Map.of(), at, at, Optional.of(at),
          Optional.of(FilledObjects.etag(key, blob.size(), blob.lastModified())),
          Optional.empty()));
    }
    uploads.sort((a, b) -> a.key().compareTo(b.key()));
    return uploads;
  }

  /** The checkpoint written by the start without one, against the built one: same entries? */
  private static void compareWithWritten(Bucket b) throws Exception {
    Map<String, Blob> folder = indexFolder(b.s3());
    if (folder.isEmpty()) {
      System.out.println("the start without a checkpoint wrote none: nothing to compare");
      return;
    }
    Blob blob = folder.values().iterator().next();
    Blob built = b.checkpoint().values().iterator().next();
    List<Upload> written = Checkpoint.fromBytes(blob.body(), PREFIX).completed();
    List<Upload> ours = Checkpoint.fromBytes(built.body(), PREFIX).completed();
    int same = 0;
    String firstDifference = null;
    for (int i = 0; i < Math.min(written.size(), ours.size()); i++) {
      if (written.get(i).equals(ours.get(i))) {
        same++;
      } else if (firstDifference == null) {
        firstDifference = "app " + written.get(i) + " vs built " + ours.get(i);
      }
    }
    System.out.printf(Locale.ROOT, "checkpoint the app wrote after reading every object (%,d"
        + " entries, %,d bytes) vs the built one (%,d entries, %,d bytes): %,d entries equal%s%n",
        written.size(), blob.size(), ours.size(), built.size(), same,
        firstDifference == null ? "" : "; first difference: " + firstDifference);
    if (same != written.size() || same != ours.size()) {
      throw new AssertionError("the built checkpoint is not what the application writes");
    }
  }

  /** Starts the app over {@code b} through its proxy, with or without the built checkpoint. */
  private static Start start(Bucket b, HttpClient http, boolean withCheckpoint)
      throws Exception {
    ConcurrentSkipListMap<String, Blob> objects = b.s3().objects();
    objects.keySet().removeAll(indexFolder(b.s3()).keySet());
    if (withCheckpoint) {
      objects.putAll(b.checkpoint());
    }
    long heapBefore = usedAfterGc();
    b.proxy().resetCounts();
    b.s3().resetCounts();
    long cpu = OS.getProcessCpuTime();
    Map<String, String> settings = new HashMap<>(Map.of("bucket", b.s3().bucket(),
        "endpoint", b.proxy().endpoint().toString(), "region", "us-east-1",
        "path-style", "true", "rate-limit", "0"));
    try (AppStart app = AppStart.start(settings, http)) {
      double healthy = app.untilHealthy(LIMIT);
      double listed = app.untilListed(LIMIT);
      Map<String, Long> byMethod = b.proxy().requestsByMethod();
      Map<BenchS3.Op, Long> byOp = b.s3().counts();
      long requests = b.proxy().requests();
      double cpuSeconds = (OS.getProcessCpuTime() - cpu) / 1e9;
      long heap = usedAfterGc() - heapBefore;
      byOp.values().removeIf(n -> n == 0);
      return new Start(healthy, app.firstIndex(), listed, byMethod, byOp, requests, heap,
          cpuSeconds);
    }
  }

  private static Map<String, Blob> indexFolder(BenchS3 s3) {
    return s3.objects().subMap(INDEX_FOLDER, INDEX_FOLDER + Character.MAX_VALUE);
  }

  private static Settings settings(BenchS3 s3, String endpoint) {
    return Settings.load(Map.of("bucket", s3.bucket(), "endpoint", endpoint,
        "region", "us-east-1", "path-style", "true")::get);
  }

  private static void print(String what, int files, Start s) {
    System.out.printf(Locale.ROOT, "%-22s %,9d files: health 200 at %.2f s (index %s),"
        + " complete listing at %.2f s, %,d store requests %s %s, heap held %,d MB,"
        + " JVM CPU %.1f s, load %s%n", what, files, s.healthy(), s.firstIndex(), s.listed(),
        s.requests(), s.byMethod(), s.byOp(), s.heapBytes() >> 20, s.cpuSeconds(), load());
  }

  /** The one-minute load average of the machine (2 CPUs: above 2, something waited). */
  static String load() {
    return String.format(Locale.ROOT, "%.2f", OS.getSystemLoadAverage());
  }

  private static String summary(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double median = (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
    return sorted.length == 1 ? String.format(Locale.ROOT, "%.2f", median)
        : String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", median, sorted[0],
            sorted[sorted.length - 1]);
  }

  private static List<Integer> ints(String list) {
    return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(Integer::valueOf).toList();
  }

  static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }
}
