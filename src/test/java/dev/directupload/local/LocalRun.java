package dev.directupload.local;

import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.server.Server;

/**
 * The README's run command: an S3-compatible store with its files under {@code data/} and the
 * application in an embedded Jetty, on {@code PORT} (default 8080). Ctrl-C stops both.
 *
 * <p>Configuration reaches the application as in production: this launcher only sets the
 * store's address and credentials as system properties when they are not set already, so
 * {@code -Ddirect-upload.max-file-size=10MB} or {@code DIRECT_UPLOAD_ALLOWED_TYPES=*}{@code /*}
 * work here exactly as they do on a server.
 */
public final class LocalRun {
  private LocalRun() {}

  public static void main(String[] args) throws Exception {
    // Two SLF4J providers are on the test classpath (S3Proxy's Logback, the WAR's JUL bridge).
    defaultProperty("slf4j.provider", "ch.qos.logback.classic.spi.LogbackServiceProvider");
    int port = Integer.parseInt(env("PORT", "8080"));
    Path data = Path.of(env("DATA_DIR", "data"));
    String bucket = env("DIRECT_UPLOAD_BUCKET", "direct-upload");

    LocalS3 store = LocalS3.onDisk(data, 0, true).withBucket(bucket);
    defaultProperty("direct-upload.endpoint", store.endpoint().toString());
    defaultProperty("direct-upload.region", LocalS3.REGION);
    defaultProperty("direct-upload.path-style", "true");
    defaultProperty("aws.accessKeyId", LocalS3.ACCESS_KEY);
    defaultProperty("aws.secretAccessKey", LocalS3.SECRET_KEY);
    // Never probe the EC2 instance metadata address from a laptop or CI machine.
    defaultProperty("aws.disableEc2Metadata", "true");

    Server server = LocalApp.newServer(port, "/", Map.of("direct-upload.bucket", bucket));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.stop();
        store.close();
      } catch (Exception e) {
        System.err.println("Error while stopping: " + e);
      }
    }, "direct-upload-stop"));
    server.start();
    System.out.println();
    System.out.println("  direct-upload is running: open " + LocalApp.url(server, "/"));
    System.out.println("  files are stored under " + data.toAbsolutePath()
        + " (S3Proxy at " + store.endpoint() + ", bucket " + bucket + ")");
    System.out.println("  press Ctrl-C to stop");
    System.out.println();
    server.join();
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }
}
