package dev.directupload.bench;

import dev.directupload.config.Settings;
import dev.directupload.storage.S3ObjectStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.util.Fields;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;

/**
 * What BenchS3 costs at the scale of issue 11, and what a listing page costs through a
 * DelayingProxy:
 * <ol>
 *   <li>the time to fill it with {@code -Dobjects} (default 1,000,000) application-shaped
 *       objects, and the heap they take (used heap after a full GC, minus before);
 *   <li>BenchS3's own CPU time to build one ListObjectsV2 page of 1000 (no HTTP);
 *   <li>one page of 1000 at the start, middle and end of the keys, wall time, by two clients:
 *       the SDK built as the application builds it (Apache5, path-style, checksums when
 *       required; its CPU time on the calling thread, mostly XML parsing, is given too) and the
 *       JDK HttpClient reading the bytes only; each directly and through a proxy of
 *       {@code -Ddelay} ms (default 25). The 12 combinations take turns, round after round, so
 *       that a neighbour's load falls on all of them alike; the first rounds only warm up;
 *   <li>a whole listing of every key, page after page, with the application's
 *       {@link S3ObjectStore#forEachKey}, directly and through the proxy.
 * </ol>
 *
 * <pre>mvn -q -Pbench test-compile exec:exec@storescale -Dobjects=1000000 -Ddelay=25</pre>
 */
public final class BenchStoreScale {
  private static final int WARMUP_ROUNDS = 30;
  private static final int ROUNDS = 30;
  private static final String PREFIX = "uploads/";
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private BenchStoreScale() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.getInteger("objects", 1_000_000);
    Duration delay = Duration.ofMillis(Long.getLong("delay", 25));
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (BenchS3 s3 = BenchS3.start();
        DelayingProxy proxy = DelayingProxy.start(s3.port(), delay);
        SdkHttpClient sdkHttp = Apache5HttpClient.builder().maxConnections(64).build();
        S3Client sdkDirect = sdk(s3.endpoint(), sdkHttp);
        S3Client sdkProxied = sdk(proxy.endpoint(), sdkHttp)) {
      long before = usedAfterGc(memory);
      long started = System.nanoTime();
      s3.fill(count);
      double fillSeconds = (System.nanoTime() - started) / 1e9;
      long after = usedAfterGc(memory);
      System.out.printf("fill: %,d objects in %.2f s (%,.0f objects/s)%n", count, fillSeconds,
          count / fillSeconds);
      System.out.printf("heap after GC: before %,d B, after %,d B: %,d B for the objects,"
          + " %.1f B per object%n", before, after, after - before,
          (after - before) / (double) count);

      String[] positions = positions(s3, count);
      String[] names = {"start", "middle", "end"};
      BenchS3Handler handler = new BenchS3Handler(s3);
      for (int p = 0; p < positions.length; p++) {
        System.out.printf("page of 1000 at the %s: start-after %s%n", names[p],
            positions[p] == null ? "(none)" : positions[p]);
      }
      Fields[] queries = new Fields[positions.length];
      for (int p = 0; p < positions.length; p++) {
        queries[p] = new Fields();
        queries[p].put("list-type", "2");
        queries[p].put("prefix", PREFIX);
        queries[p].put("encoding-type", "url");
        if (positions[p] != null) {
          queries[p].put("start-after", positions[p]);
        }
      }
      for (int i = 0; i < 600; i++) {
        handler.listing(queries[i % positions.length]); // warm-up: compiled code for all three
      }
      for (int p = 0; p < positions.length; p++) {
        int bytes = 0;
        double[] cpu = new double[200];
        for (int i = 0; i < cpu.length; i++) {
          long t = THREADS.getCurrentThreadCpuTime();
          bytes = handler.listing(queries[p]).toString().getBytes(StandardCharsets.UTF_8).length;
          cpu[i] = (THREADS.getCurrentThreadCpuTime() - t) / 1e6;
        }
        Arrays.sort(cpu);
        System.out.printf("BenchS3 builds the page at the %s (%,d bytes of XML, UTF-8 included):"
            + " median %.2f ms CPU (min %.2f, max %.2f), 200 times after 600 of all three%n",
            names[p], bytes, median(cpu), cpu[0], cpu[cpu.length - 1]);
      }

      HttpClient raw = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      URI[] endpoints = {s3.endpoint(), proxy.endpoint()};
      S3Client[] sdks = {sdkDirect, sdkProxied};
      double[][][] sdkWall = new double[3][2][ROUNDS];
      double[][][] sdkCpu = new double[3][2][ROUNDS];
      double[][][] rawWall = new double[3][2][ROUNDS];
      for (int round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
        for (int p = 0; p < positions.length; p++) {
          for (int e = 0; e < 2; e++) {
            long wall = System.nanoTime();
            long cpu = THREADS.getCurrentThreadCpuTime();
            sdkPage(sdks[e], s3.bucket(), positions[p]);
            long cpuSpent = THREADS.getCurrentThreadCpuTime() - cpu;
            long wallSpent = System.nanoTime() - wall;
            long rawStart = System.nanoTime();
            rawPage(raw, endpoints[e], s3.bucket(), positions[p]);
            long rawSpent = System.nanoTime() - rawStart;
            if (round >= 0) {
              sdkWall[p][e][round] = wallSpent / 1e6;
              sdkCpu[p][e][round] = cpuSpent / 1e6;
              rawWall[p][e][round] = rawSpent / 1e6;
            }
          }
        }
      }
      System.out.printf("one page of 1000, wall ms, median (min-max) of %d interleaved rounds"
          + " after %d:%n", ROUNDS, WARMUP_ROUNDS);
      System.out.printf("%-7s | %-22s | %-22s | %-22s | %-22s | %s%n", "where", "SDK direct",
          "SDK via " + delay.toMillis() + " ms proxy", "bytes only, direct",
          "bytes only, via proxy", "SDK CPU direct / proxied");
      for (int p = 0; p < positions.length; p++) {
        System.out.printf("%-7s | %-22s | %-22s | %-22s | %-22s | %.1f / %.1f%n", names[p],
            summary(sdkWall[p][0]), summary(sdkWall[p][1]), summary(rawWall[p][0]),
            summary(rawWall[p][1]), median(sorted(sdkCpu[p][0])), median(sorted(sdkCpu[p][1])));
      }

      for (URI endpoint : endpoints) {
        boolean viaProxy = endpoint.equals(proxy.endpoint());
        try (S3ObjectStore store = S3ObjectStore.create(Settings.load(Map.of(
            "bucket", s3.bucket(), "endpoint", endpoint.toString(), "region", "us-east-1",
            "path-style", "true")::get), credentials())) {
          s3.resetCounts();
          LongAdder keys = new LongAdder();
          long t = System.nanoTime();
          long cpu = THREADS.getCurrentThreadCpuTime();
          store.forEachKey(PREFIX, "", key -> keys.increment());
          double cpuSeconds = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
          double seconds = (System.nanoTime() - t) / 1e9;
          long pages = s3.count(BenchS3.Op.LIST);
          System.out.printf("whole listing %s: %,d keys in %,d pages, %.2f s (%.2f ms per"
              + " page; the listing thread's CPU %.2f s)%n",
              viaProxy ? "through the " + delay.toMillis() + " ms proxy" : "direct",
              keys.sum(), pages, seconds, seconds * 1000 / pages, cpuSeconds);
          if (keys.sum() != count) {
            throw new AssertionError("expected " + count + " keys but listed " + keys.sum());
          }
        }
      }
    }
  }

  /** Start-after values for a full page at the start, the middle and the end of the keys. */
  private static String[] positions(BenchS3 s3, int count) {
    String middle = null;
    String end = null;
    Iterator<String> keys = s3.keys().iterator();
    for (int i = 0; keys.hasNext(); i++) {
      String key = keys.next();
      if (i == count / 2) {
        middle = key;
      } else if (i == count - 1001) {
        end = key;
      }
    }
    return new String[] {null, middle, end};
  }

  private static void sdkPage(S3Client s3, String bucket, String startAfter) {
    ListObjectsV2Response page = s3.listObjectsV2(r -> r.bucket(bucket).prefix(PREFIX)
        .startAfter(startAfter).maxKeys(1000));
    if (page.keyCount() != 1000 || page.contents().size() != 1000) {
      throw new AssertionError("expected a full page but got " + page.keyCount());
    }
  }

  private static void rawPage(HttpClient http, URI endpoint, String bucket, String startAfter)
      throws Exception {
    String uri = endpoint + "/" + bucket + "?list-type=2&encoding-type=url&prefix="
        + URLEncoder.encode(PREFIX, StandardCharsets.UTF_8)
        + (startAfter == null ? "" : "&start-after="
            + URLEncoder.encode(startAfter, StandardCharsets.UTF_8));
    HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(uri)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    if (answer.statusCode() != 200 || answer.body().length < 100_000) {
      throw new AssertionError("expected a full page but got HTTP " + answer.statusCode()
          + " with " + answer.body().length + " bytes");
    }
  }

  private static String summary(double[] ms) {
    double[] sorted = sorted(ms);
    return String.format("%.1f (%.1f-%.1f)", median(sorted), sorted[0], sorted[sorted.length - 1]);
  }

  private static double[] sorted(double[] values) {
    double[] copy = values.clone();
    Arrays.sort(copy);
    return copy;
  }

  private static double median(double[] sorted) {
    return (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
  }

  /** As {@link S3ObjectStore#create} builds it, without the timeouts; {@code http} stays open. */
  private static S3Client sdk(URI endpoint, SdkHttpClient http) {
    return S3Client.builder()
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials())
        .endpointOverride(endpoint)
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClient(http)
        .build();
  }

  private static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench"));
  }

  private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
