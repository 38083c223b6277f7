package dev.directupload.it;

import dev.directupload.local.LocalApp;
import dev.directupload.local.LocalS3;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.server.Server;

/**
 * The application in embedded Jetty at {@code /direct-upload}, configured through context
 * parameters against a {@link LocalS3}.
 */
final class AppUnderTest extends ApiClient implements AutoCloseable {
  static final String CONTEXT = "/direct-upload";

  private final Server server;

  private AppUnderTest(Server server) {
    super(LocalApp.url(server, CONTEXT));
    this.server = server;
  }

  /** {@code extra} alternates setting names (without prefix) and values. */
  static AppUnderTest start(LocalS3 store, String bucket, String... extra) throws Exception {
    return start(store.endpoint(), bucket, extra);
  }

  /** Against the store at {@code endpoint}, which may be a proxy in front of a LocalS3. */
  static AppUnderTest start(URI endpoint, String bucket, String... extra) throws Exception {
    Map<String, String> params = new HashMap<>(Map.of(
        "direct-upload.bucket", bucket,
        "direct-upload.endpoint", endpoint.toString(),
        "direct-upload.region", LocalS3.REGION,
        "direct-upload.path-style", "true"));
    for (int i = 0; i < extra.length; i += 2) {
      params.put("direct-upload." + extra[i], extra[i + 1]);
    }
    Server server = LocalApp.newServer(0, CONTEXT, params);
    server.start();
    return new AppUnderTest(server);
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("Jetty did not stop", e);
    }
  }
}
