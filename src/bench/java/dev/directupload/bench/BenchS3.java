package dev.directupload.bench;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A minimal S3-compatible store for benchmarks: one bucket, in memory, on a loopback port, served
 * by embedded Jetty with path-style addressing ({@code http://127.0.0.1:<port>/<bucket>/<key>}).
 * Unlike S3Proxy's in-memory store, whose listing pages cost O(objects under the prefix), a page
 * here costs O(page): the keys live in one skip list in S3's order (UTF-8 bytes), so a bucket of
 * a million objects lists as fast as one of a thousand. {@link #fill} adds objects shaped like
 * the application's uploads without HTTP, about 200 bytes of heap each.
 *
 * <p>What it serves is what the application's AWS SDK client sends, with S3's XML, headers and
 * error codes: ListObjectsV2 (prefix, start-after, continuation-token, max-keys up to 1000,
 * encoding-type=url; no delimiter), HeadObject, GetObject (with a single range: 206), PutObject
 * (aws-chunked bodies, {@code x-amz-meta-*}, stored headers, checksums and Content-MD5 verified,
 * {@code If-None-Match: *} answered 412 when the key exists), DeleteObject (204), HeadBucket,
 * ListMultipartUploads (always empty: multipart uploads cannot be started here), and CORS
 * preflights (every origin, method and header allowed, ETag exposed). Everything else answers
 * 501 NotImplemented in S3's XML. <b>Signatures are not checked</b>: any credentials, presigned
 * or not, are accepted. ACL headers are ignored. Bodies of PUTs are kept in memory (at most
 * {@value BenchS3Handler#MAX_BODY} bytes each).
 *
 * <pre>
 * try (BenchS3 s3 = BenchS3.start();
 *     DelayingProxy slow = DelayingProxy.start(s3.port(), Duration.ofMillis(25))) {
 *   s3.fill(1_000_000, Fill.defaults());
 *   // point the application at slow.endpoint(), bucket s3.bucket(), path-style
 * }
 * </pre>
 */
public final class BenchS3 implements AutoCloseable {
  public static final String DEFAULT_BUCKET = "bench";

  /** Requests by operation, as counted by {@link #counts}. */
  public enum Op {
    LIST, HEAD, GET, PUT, DELETE,
    /** Preflights, HeadBucket, ListMultipartUploads, unknown operations and bad requests. */
    OTHER
  }

  private final String bucket;
  private final ConcurrentSkipListMap<String, Blob> objects =
      new ConcurrentSkipListMap<>(Utf8Order.INSTANCE);
  private final Map<Op, LongAdder> counts = new EnumMap<>(Op.class);
  /** Objects made, sorted and put at a time by {@link #fill}: bounds its temporary heap. */
  private static final int FILL_BATCH = 1_000_000;
  /** Numbers the names of filled objects, so that several fills do not repeat them. */
  private final AtomicLong filled = new AtomicLong();
  private final Server server;
  private final ServerConnector connector;

  private BenchS3(String bucket, int port) {
    this.bucket = bucket;
    for (Op op : Op.values()) {
      counts.put(op, new LongAdder());
    }
    QueuedThreadPool threads = new QueuedThreadPool(200, 8);
    threads.setName("bench-s3");
    threads.setDaemon(true);
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    // Any key is a path here, "a//b" and "%2F" included: nothing may be normalised away.
    http.setUriCompliance(UriCompliance.UNSAFE);
    connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(new BenchS3Handler(this));
  }

  /** Bucket {@value #DEFAULT_BUCKET} on a free loopback port. */
  public static BenchS3 start() throws Exception {
    return start(DEFAULT_BUCKET, 0);
  }

  /** {@code port} 0 for a free one. */
  public static BenchS3 start(String bucket, int port) throws Exception {
    BenchS3 s3 = new BenchS3(bucket, port);
    s3.server.start();
    return s3;
  }

  /** {@code http://127.0.0.1:<port>}: give it to the SDK with path-style addressing. */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port());
  }

  public int port() {
    return connector.getLocalPort();
  }

  public String bucket() {
    return bucket;
  }

  /** {@code count} objects of {@link Fill#defaults()}; see {@link #fill(int, Fill)}. */
  public int fill(int count) {
    return fill(count, Fill.defaults());
  }

  /**
   * Adds {@code count} objects shaped like the application's completed uploads, as if each had
   * been PUT through a presigned URL (type, size, metadata, ETag, date), without HTTP and
   * without counting requests. Returns the number of objects now in the bucket.
   */
  public int fill(int count, Fill shape) {
    for (int done = 0; done < count; done += FILL_BATCH) {
      int batch = Math.min(FILL_BATCH, count - done);
      List<Map.Entry<String, Blob>> made = new ArrayList<>(batch);
      FilledObjects.make(batch, filled.getAndAdd(batch), shape,
          (key, blob) -> made.add(Map.entry(key, blob)));
      @SuppressWarnings({"unchecked", "rawtypes"})
      Map.Entry<String, Blob>[] sorted = made.toArray(new Map.Entry[0]);
      // A skip list takes keys in order about ten times faster than at random places (the
      // path to the next key is still in the cache): 1,000,000 sorted then put take ~3 s here,
      // put at random 12-20 s.
      Arrays.parallelSort(sorted, (a, b) -> Utf8Order.INSTANCE.compare(a.getKey(), b.getKey()));
      for (Map.Entry<String, Blob> entry : sorted) {
        objects.put(entry.getKey(), entry.getValue());
      }
    }
    return objects.size();
  }

  /** Objects in the bucket (a count that walks the skip list: O(objects)). */
  public int size() {
    return objects.size();
  }

  /** The keys, in S3's order; a live read-only view. */
  public NavigableSet<String> keys() {
    return Collections.unmodifiableNavigableSet(objects.navigableKeySet());
  }

  /** Requests answered so far, by operation (all operations present, zeros included). */
  public Map<Op, Long> counts() {
    Map<Op, Long> snapshot = new EnumMap<>(Op.class);
    counts.forEach((op, count) -> snapshot.put(op, count.sum()));
    return snapshot;
  }

  public long count(Op op) {
    return counts.get(op).sum();
  }

  /** Requests of every operation. */
  public long requests() {
    return counts.values().stream().mapToLong(LongAdder::sum).sum();
  }

  public void resetCounts() {
    counts.values().forEach(LongAdder::reset);
  }

  ConcurrentSkipListMap<String, Blob> objects() {
    return objects;
  }

  void counted(Op op) {
    counts.get(op).increment();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("BenchS3 did not stop: " + e, e);
    }
  }
}
