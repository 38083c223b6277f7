package dev.directupload.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.config.ByteSize;
import dev.directupload.local.LocalApp;
import dev.directupload.local.LocalS3;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.eclipse.jetty.server.Server;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * One file uploaded two ways to the same S3Proxy, in the same JVM run, round after round: through
 * the multipart API (parts hashed, signed and PUT by a pool of parallel workers, as the page does)
 * and as one presigned PUT. Prints each round's wall time and MiB/s per way, the medians and the
 * ratio multipart / single. A benchmark, not a test: nothing asserts a speed, but every upload is
 * checked afterwards (HEAD size and a SHA-256 of the whole download, not timed), so a broken run
 * stops instead of printing a number.
 *
 * <p>Run: {@code mvn -Pbench test-compile exec:exec@multipart}, with optional
 * {@code -Dmultipart.size=512MiB -Dmultipart.partSize=16MiB -Dmultipart.parallel=4
 * -Dmultipart.rounds=5 -Dmultipart.warmup=1}.
 */
public final class MultipartThroughput {
  private static final String BUCKET = "bench";
  private static final String CONTEXT = "/direct-upload";
  private static final String FILENAME = "bench.zip";
  private static final String TYPE = "application/zip";
  private static final double MIB = 1 << 20;
  /** USER_HZ, the unit of /proc/stat on Linux (getconf CLK_TCK). */
  private static final double CLOCK_TICKS_PER_SECOND = 100;

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final long size;
  private final int parallel;
  private final ByteBuffer file;
  private final String fileSha256;
  private final ExecutorService workers;
  private final S3Client s3;

  private MultipartThroughput(long size, int parallel, ByteBuffer file, String fileSha256,
      S3Client s3) {
    this.size = size;
    this.parallel = parallel;
    this.file = file;
    this.fileSha256 = fileSha256;
    this.workers = Executors.newFixedThreadPool(parallel);
    this.s3 = s3;
  }

  /** One timed upload: wall time from the first request to the completed answer. */
  record Leg(long nanos, long completeNanos, long hashNanos) {
    double mibPerSecond(long bytes) {
      return bytes / MIB / (nanos / 1e9);
    }

    /** Up to the complete call: the bytes on their way, without the store's joining of parts. */
    double sendingMibPerSecond(long bytes) {
      return bytes / MIB / ((nanos - completeNanos) / 1e9);
    }
  }

  /**
   * A leg with the CPU spent meanwhile: by this JVM (client, app and S3Proxy together) and by the
   * whole machine, so a neighbour's share shows as the difference.
   */
  record Measured(Leg leg, double jvmCpuSeconds, double machineCpuSeconds) {}

  public static void main(String[] args) throws Exception {
    // The app finds its credentials as a deployed WAR does; here, those of the local store.
    System.setProperty("aws.accessKeyId", LocalS3.ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", LocalS3.SECRET_KEY);
    System.setProperty("aws.disableEc2Metadata", "true");
    long size = ByteSize.parse(System.getProperty("multipart.size", "512MiB"));
    String partSize = System.getProperty("multipart.partSize", "16MiB");
    int parallel = Integer.parseInt(System.getProperty("multipart.parallel", "4"));
    int rounds = Integer.parseInt(System.getProperty("multipart.rounds", "5"));
    int warmup = Integer.parseInt(System.getProperty("multipart.warmup", "1"));
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("expected multipart.size up to 2 GiB (one mapping) but was "
          + size);
    }
    System.out.printf("size=%s partSize=%s parallel=%d rounds=%d warmup=%d cpus=%d maxHeap=%s%n",
        ByteSize.format(size), partSize, parallel, rounds, warmup,
        Runtime.getRuntime().availableProcessors(), ByteSize.format(Runtime.getRuntime().maxMemory()));

    Path dir = Files.createTempDirectory("multipart-bench-");
    try {
      Path source = dir.resolve("source.bin");
      String sha256 = writeRandomFile(source, size);
      try (FileChannel channel = FileChannel.open(source, StandardOpenOption.READ);
          LocalS3 store = LocalS3.onDisk(dir.resolve("store"), 0, false).withBucket(BUCKET);
          S3Client s3 = store.client()) {
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        mapped.load();
        Server single = startApp(store, "multipart-threshold", "5GiB");
        Server multi = startApp(store, "multipart-threshold", "5MiB", "part-size", partSize);
        MultipartThroughput bench = new MultipartThroughput(size, parallel, mapped, sha256, s3);
        try {
          bench.run(LocalApp.url(single, CONTEXT), LocalApp.url(multi, CONTEXT), rounds, warmup);
        } finally {
          bench.workers.shutdownNow();
          multi.stop();
          single.stop();
        }
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private void run(String singleApp, String multiApp, int rounds, int warmup) throws Exception {
    for (int w = 0; w < warmup; w++) {
      Leg s = timed("single", () -> single(singleApp), singleApp).leg();
      Leg m = timed("multipart", () -> multipart(multiApp), multiApp).leg();
      System.out.printf(Locale.ROOT, "warm-up %d: single %.1f MiB/s, multipart %.1f MiB/s%n",
          w + 1, s.mibPerSecond(size), m.mibPerSecond(size));
    }
    List<Double> singles = new ArrayList<>();
    List<Double> multis = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    System.out.println("round  leg        load(1m)  wall s   MiB/s  complete ms"
        + "  MiB/s before complete  hash s (sum)  CPU s: JVM  machine  others");
    for (int round = 1; round <= rounds; round++) {
      // Alternate which way goes first, so neither always follows the other's disk writes.
      boolean singleFirst = round % 2 == 1;
      String load = loadAverage();
      Leg s;
      Leg m;
      if (singleFirst) {
        s = report(round, "single", timed("single", () -> single(singleApp), singleApp));
        m = report(round, "multipart", timed("multipart", () -> multipart(multiApp), multiApp));
      } else {
        m = report(round, "multipart", timed("multipart", () -> multipart(multiApp), multiApp));
        s = report(round, "single", timed("single", () -> single(singleApp), singleApp));
      }
      double ratio = m.mibPerSecond(size) / s.mibPerSecond(size);
      singles.add(s.mibPerSecond(size));
      multis.add(m.mibPerSecond(size));
      ratios.add(ratio);
      System.out.printf(Locale.ROOT, "%5d  ratio multipart / single %.2f%n", round, ratio);
    }
    double single = median(singles);
    double multi = median(multis);
    System.out.printf(Locale.ROOT, "median single    %.1f MiB/s (min %.1f, max %.1f)%n",
        single, min(singles), max(singles));
    System.out.printf(Locale.ROOT, "median multipart %.1f MiB/s (min %.1f, max %.1f)%n",
        multi, min(multis), max(multis));
    System.out.printf(Locale.ROOT, "ratio multipart / single: %.2f of the medians, %.2f median"
        + " of the rounds' ratios; load after: %s%n", multi / single, median(ratios), loadAverage());
  }

  private Leg report(int round, String name, Measured m) throws IOException {
    Leg leg = m.leg();
    System.out.printf(Locale.ROOT,
        "%5d  %-9s  %8s  %6.2f  %6.1f  %11.0f  %21.1f  %12.2f  %10.2f  %7.2f  %6.2f%n",
        round, name, loadAverage(), leg.nanos() / 1e9, leg.mibPerSecond(size),
        leg.completeNanos() / 1e6, leg.sendingMibPerSecond(size), leg.hashNanos() / 1e9, m.jvmCpuSeconds(),
        m.machineCpuSeconds(), m.machineCpuSeconds() - m.jvmCpuSeconds());
    return leg;
  }

  private interface Upload {
    Uploaded run() throws Exception;
  }

  /** What an upload left behind: its id in the app, its key in the store, and its timing. */
  private record Uploaded(String id, String key, Leg leg) {}

  /** Runs one upload on a settled machine, then checks it and removes it (neither timed). */
  private Measured timed(String name, Upload upload, String app) throws Exception {
    settle();
    long jvmBefore = jvmCpuNanos();
    long machineBefore = machineBusyTicks();
    Uploaded done = upload.run();
    double jvmCpu = (jvmCpuNanos() - jvmBefore) / 1e9;
    double machineCpu = (machineBusyTicks() - machineBefore) / CLOCK_TICKS_PER_SECOND;
    verify(name, done.key());
    HttpResponse<String> delete = http.send(HttpRequest.newBuilder(
        URI.create(app + "api/uploads/" + done.id())).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
    expect(204, delete, "DELETE api/uploads/" + done.id());
    return new Measured(done.leg(), jvmCpu, machineCpu);
  }

  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** CPU time of the whole machine, all cores, idle and I/O wait left out (/proc/stat). */
  private static long machineBusyTicks() throws IOException {
    String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long busy = 0;
    // user nice system idle iowait irq softirq steal: guest time is already inside user.
    for (int i = 1; i <= 8; i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(cpu[i]);
      }
    }
    return busy;
  }

  /** One presigned PUT of the whole file; the page sends no checksum for a single PUT. */
  private Uploaded single(String app) throws Exception {
    long start = System.nanoTime();
    JsonObject presign = presign(app);
    if (!presign.has("url")) {
      throw new IllegalStateException("expected a single PUT URL but got " + presign);
    }
    put(presign, file.slice(0, (int) size));
    long complete = System.nanoTime();
    complete(app, presign.get("id").getAsString());
    long end = System.nanoTime();
    return new Uploaded(presign.get("id").getAsString(), presign.get("key").getAsString(),
        new Leg(end - start, end - complete, 0));
  }

  /**
   * Parts through the API: each worker takes the next part, hashes it (SHA-256, as the page does
   * with Web Crypto), has it signed ({@code POST parts}, one part per call) and PUTs it.
   */
  private Uploaded multipart(String app) throws Exception {
    long start = System.nanoTime();
    JsonObject presign = presign(app);
    String id = presign.get("id").getAsString();
    JsonObject plan = presign.getAsJsonObject("multipart");
    if (plan == null) {
      throw new IllegalStateException("expected a multipart plan but got " + presign);
    }
    long partSize = plan.get("partSize").getAsLong();
    int partCount = plan.get("partCount").getAsInt();
    AtomicInteger next = new AtomicInteger(1);
    LongAdder hashing = new LongAdder();
    List<Future<Void>> running = new ArrayList<>();
    for (int w = 0; w < parallel; w++) {
      running.add(workers.submit(() -> {
        for (int n = next.getAndIncrement(); n <= partCount; n = next.getAndIncrement()) {
          long offset = (n - 1) * partSize;
          ByteBuffer part = file.slice((int) offset, (int) Math.min(partSize, size - offset));
          long hashStart = System.nanoTime();
          String sum = sha256(part.duplicate());
          hashing.add(System.nanoTime() - hashStart);
          put(signPart(app, id, n, sum), part);
        }
        return null;
      }));
    }
    for (Future<Void> worker : running) {
      worker.get();
    }
    long complete = System.nanoTime();
    complete(app, id);
    long end = System.nanoTime();
    if (!s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads().isEmpty()) {
      throw new IllegalStateException("a multipart upload is still open after complete");
    }
    return new Uploaded(id, presign.get("key").getAsString(),
        new Leg(end - start, end - complete, hashing.sum()));
  }

  private JsonObject presign(String app) throws Exception {
    HttpResponse<String> answer = post(app + "api/uploads", "{\"filename\":\"" + FILENAME
        + "\",\"contentType\":\"" + TYPE + "\",\"size\":" + size + "}");
    expect(201, answer, "POST api/uploads");
    return JsonParser.parseString(answer.body()).getAsJsonObject();
  }

  private JsonObject signPart(String app, String id, int n, String sum) throws Exception {
    HttpResponse<String> answer = post(app + "api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":" + n + ",\"checksumSha256\":\"" + sum + "\"}]}");
    expect(200, answer, "POST api/uploads/" + id + "/parts (part " + n + ")");
    return JsonParser.parseString(answer.body()).getAsJsonObject()
        .getAsJsonArray("parts").get(0).getAsJsonObject();
  }

  private void complete(String app, String id) throws Exception {
    HttpResponse<String> answer = post(app + "api/uploads/" + id + "/complete", "{}");
    expect(200, answer, "POST api/uploads/" + id + "/complete");
    long stored = JsonParser.parseString(answer.body()).getAsJsonObject().get("size").getAsLong();
    if (stored != size) {
      throw new IllegalStateException("expected a completed size of " + size + " but was " + stored);
    }
  }

  /** PUTs the bytes to the signed URL with exactly the signed headers. */
  private void put(JsonObject signed, ByteBuffer bytes) throws Exception {
    SlicePublisher body = new SlicePublisher(bytes);
    HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(signed.get("url").getAsString()))
        .timeout(Duration.ofMinutes(10))
        .PUT(HttpRequest.BodyPublishers.fromPublisher(body, body.length()));
    for (Map.Entry<String, com.google.gson.JsonElement> h
        : signed.getAsJsonObject("headers").entrySet()) {
      put.header(h.getKey(), h.getValue().getAsString());
    }
    HttpResponse<String> answer = http.send(put.build(), HttpResponse.BodyHandlers.ofString());
    expect(200, answer, "PUT " + signed.get("url").getAsString());
  }

  private HttpResponse<String> post(String url, String json) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void expect(int status, HttpResponse<String> answer, String request) {
    if (answer.statusCode() != status) {
      throw new IllegalStateException(request + ": expected " + status + " but got "
          + answer.statusCode() + " " + answer.body());
    }
  }

  /** The stored object has the file's size and, downloaded whole, its SHA-256. */
  private void verify(String name, String key) throws IOException {
    long stored = s3.headObject(r -> r.bucket(BUCKET).key(key)).contentLength();
    if (stored != size) {
      throw new IllegalStateException(name + ": expected " + size + " bytes in the store but found "
          + stored);
    }
    MessageDigest digest = sha256Digest();
    try (InputStream in = s3.getObject(r -> r.bucket(BUCKET).key(key))) {
      byte[] buffer = new byte[1 << 20];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
      }
    }
    String downloaded = HexFormat.of().formatHex(digest.digest());
    if (!downloaded.equals(fileSha256)) {
      throw new IllegalStateException(name + ": expected SHA-256 " + fileSha256
          + " of the download but was " + downloaded);
    }
  }

  /** Random bytes (fixed seed) written in 1 MiB blocks; answers their hex SHA-256. */
  private static String writeRandomFile(Path path, long size) throws IOException {
    MessageDigest digest = sha256Digest();
    SplittableRandom random = new SplittableRandom(42);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(path)) {
      for (long written = 0; written < size; written += block.length) {
        for (int i = 0; i < block.length; i += 8) {
          long r = random.nextLong();
          for (int b = 0; b < 8; b++) {
            block[i + b] = (byte) (r >>> (8 * b));
          }
        }
        int n = (int) Math.min(block.length, size - written);
        out.write(block, 0, n);
        digest.update(block, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String sha256(ByteBuffer bytes) {
    MessageDigest digest = sha256Digest();
    digest.update(bytes);
    return Base64.getEncoder().encodeToString(digest.digest());
  }

  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Before each timed upload: the last upload's disk writes flushed and a full GC, so one upload
   * does not pay for the one before it.
   */
  private static void settle() throws IOException, InterruptedException {
    Process sync = new ProcessBuilder("sync").inheritIO().start();
    if (sync.waitFor() != 0) {
      throw new IllegalStateException("sync failed with " + sync.exitValue());
    }
    System.gc();
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
  }

  private static Server startApp(LocalS3 store, String... extra) throws Exception {
    Map<String, String> params = new java.util.HashMap<>(Map.of(
        "direct-upload.bucket", BUCKET,
        "direct-upload.endpoint", store.endpoint().toString(),
        "direct-upload.region", LocalS3.REGION,
        "direct-upload.path-style", "true",
        "direct-upload.max-file-size", "1GiB"));
    for (int i = 0; i < extra.length; i += 2) {
      params.put("direct-upload." + extra[i], extra[i + 1]);
    }
    Server server = LocalApp.newServer(0, CONTEXT, params);
    server.start();
    return server;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int mid = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
  }

  private static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
  }
}
