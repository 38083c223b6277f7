package dev.directupload.local;

import dev.directupload.config.Settings;
import dev.directupload.storage.S3ObjectStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3-compatible store in this JVM: S3Proxy on a loopback port with SigV4 authentication and
 * CORS for pages served from loopback, so browsers can PUT to it as they would to S3.
 */
public final class LocalS3 implements AutoCloseable {
  public static final String ACCESS_KEY = "local-access-key";
  public static final String SECRET_KEY = "local-secret-key";
  public static final String REGION = "us-east-1";
  /** Any page served from this machine may upload: the store is for local runs and tests only. */
  private static final String LOOPBACK_ORIGINS = "https?://(localhost|127\\.0\\.0\\.1|\\[::1\\])(:\\d+)?";

  private final BlobStore blobs;
  private final boolean cors;
  private final int port;
  private S3Proxy proxy;

  private LocalS3(S3Proxy proxy, BlobStore blobs, boolean cors) {
    this.proxy = proxy;
    this.blobs = blobs;
    this.cors = cors;
    this.port = proxy.getPort();
  }

  /** A store whose objects live in files under {@code directory}: they survive a restart. */
  public static LocalS3 onDisk(Path directory, int port, boolean cors) throws Exception {
    Files.createDirectories(directory);
    return start(new FilesystemNio2BlobStore(directory.toAbsolutePath().toString()), port, cors);
  }

  /** A store in memory, gone when closed: for tests. */
  public static LocalS3 inMemory(boolean cors) throws Exception {
    return start(new TransientNio2BlobStore(), 0, cors);
  }

  private static LocalS3 start(BlobStore blobs, int port, boolean cors) throws Exception {
    return new LocalS3(startProxy(blobs, port, cors), blobs, cors);
  }

  private static S3Proxy startProxy(BlobStore blobs, int port, boolean cors) throws Exception {
    S3Proxy.Builder builder = S3Proxy.builder()
        .blobStore(blobs)
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY);
    if (cors) {
      builder.corsRules(new CrossOriginResourceSharing(
          List.of(LOOPBACK_ORIGINS),
          List.of("GET", "PUT", "POST", "HEAD", "DELETE"),
          List.of("*"),
          List.of("ETag"),
          "false"));
    }
    S3Proxy proxy = builder.build();
    proxy.start();
    // start() returns while Jetty may still be binding: wait until it reports STARTED.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        proxy.stop();
        throw new IllegalStateException("S3Proxy did not start within 10 s: " + proxy.getState());
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
    }
    return proxy;
  }

  /** Stops answering, like a store that went away; the objects are kept. */
  public synchronized void pause() throws Exception {
    proxy.stop();
  }

  /** Answers again on the same port with the same objects. */
  public synchronized void resume() throws Exception {
    proxy = startProxy(blobs, port, cors);
  }

  /** Creates the bucket unless it exists. */
  public LocalS3 withBucket(String bucket) {
    if (!blobs.containerExists(bucket)) {
      blobs.createContainer(bucket);
    }
    return this;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** An SDK client for this store, for tests that look at or write to the bucket directly. */
  public S3Client client() {
    return S3Client.builder()
        .endpointOverride(endpoint())
        .region(Region.of(REGION))
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }

  /** The application's own store over {@code bucket} here, with the fixed test credentials. */
  public S3ObjectStore objectStore(String bucket) {
    Map<String, String> values = Map.of("bucket", bucket, "endpoint", endpoint().toString(),
        "region", REGION, "path-style", "true");
    return S3ObjectStore.create(Settings.load(values::get), StaticCredentialsProvider.create(
        AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
  }

  public BlobStore blobs() {
    return blobs;
  }

  @Override
  public synchronized void close() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException("S3Proxy did not stop", e);
    }
  }
}
