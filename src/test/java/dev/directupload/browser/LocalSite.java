package dev.directupload.browser;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.directupload.local.LocalApp;
import dev.directupload.local.LocalS3;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;

/**
 * What a browser test talks to: the application in embedded Jetty under a non-root context path
 * (so a page that assumes "/" fails), configured through context parameters against an
 * in-memory S3-compatible store that answers CORS for loopback pages.
 */
final class LocalSite implements AutoCloseable {
  static final String CONTEXT = "/direct-upload";
  static final String BUCKET = "browser-tests";

  final LocalS3 store;
  /** What the app and the browser reach the store through, or null when they reach it directly. */
  final StoreProxy proxy;
  /** The page's URL, ending in '/'. */
  final String base;
  private final Server server;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  private LocalSite(LocalS3 store, StoreProxy proxy, Server server) {
    this.store = store;
    this.proxy = proxy;
    this.server = server;
    this.base = LocalApp.url(server, CONTEXT);
  }

  static LocalSite start() throws Exception {
    return start(context -> { });
  }

  /**
   * As {@link #start()}, with files of {@code threshold} or more sent in parts of
   * {@code partSize} ("5MiB": the smallest part S3 takes).
   */
  static LocalSite startMultipart(String threshold, String partSize) throws Exception {
    return start(context -> {
      context.setInitParameter("direct-upload.multipart-threshold", threshold);
      context.setInitParameter("direct-upload.part-size", partSize);
    });
  }

  /** Starts the store and the app; {@code customize} may add to the context before it starts. */
  static LocalSite start(Consumer<ServletContextHandler> customize) throws Exception {
    return start(true, customize);
  }

  /** As {@link #start(Consumer)}, over a store that answers CORS only when {@code cors}. */
  static LocalSite start(boolean cors, Consumer<ServletContextHandler> customize)
      throws Exception {
    return start(cors, false, customize);
  }

  /**
   * As {@link #start(Consumer)}, with the store's endpoint a {@link StoreProxy}: the app and
   * the URLs it signs reach the store through it, so a test can fail or hold a part PUT.
   */
  static LocalSite startBehindProxy(Consumer<ServletContextHandler> customize) throws Exception {
    return start(true, true, customize);
  }

  private static LocalSite start(boolean cors, boolean proxied,
      Consumer<ServletContextHandler> customize) throws Exception {
    LocalS3 store = LocalS3.inMemory(cors).withBucket(BUCKET);
    StoreProxy proxy = null;
    try {
      proxy = proxied ? new StoreProxy(store.endpoint()) : null;
      Server server = LocalApp.newServer(0, CONTEXT, Map.of(
          "direct-upload.bucket", BUCKET,
          "direct-upload.endpoint", (proxied ? proxy.endpoint() : store.endpoint()).toString(),
          "direct-upload.region", LocalS3.REGION,
          "direct-upload.path-style", "true"));
      customize.accept((ServletContextHandler) server.getHandler());
      server.start();
      return new LocalSite(store, proxy, server);
    } catch (Exception | Error e) {
      try {
        if (proxy != null) {
          proxy.close();
        }
      } finally {
        store.close();
      }
      throw e;
    }
  }

  /** A GET of the app's API from outside the browser, to check what the server holds. */
  String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError("GET " + path + " answered " + response.statusCode() + ": "
          + response.body());
    }
    return response.body();
  }

  /** Waits until {@code api/health} answers {@code status} (it keeps its look at the store a few seconds). */
  void awaitHealth(int status) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (http.send(HttpRequest.newBuilder(URI.create(base + "api/health")).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode() != status) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("api/health did not answer " + status + " within 20 s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
    }
  }

  /** A DELETE of the app's API from outside the browser, to leave the server as a test found it. */
  void delete(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create(base + path)).DELETE().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 204) {
      throw new AssertionError("DELETE " + path + " answered " + response.statusCode() + ": "
          + response.body());
    }
  }

  /** The part numbers the store holds of the pending upload {@code id}, as the server lists them. */
  List<Integer> storedParts(String id) throws IOException, InterruptedException {
    List<Integer> parts = new ArrayList<>();
    for (JsonElement part : JsonParser.parseString(get("api/uploads/" + id + "/parts"))
        .getAsJsonObject().getAsJsonArray("parts")) {
      parts.add(part.getAsJsonObject().get("partNumber").getAsInt());
    }
    return parts;
  }

  /** The ids of the pending uploads the server lists. */
  List<String> pendingUploads() throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    for (JsonElement upload : JsonParser.parseString(get("api/uploads?status=pending"))
        .getAsJsonObject().getAsJsonArray("uploads")) {
      ids.add(upload.getAsJsonObject().get("id").getAsString());
    }
    return ids;
  }

  /** Closes the browser, then the site, whichever of them was started. */
  static void closeBoth(Chromium browser, LocalSite site) throws Exception {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      if (site != null) {
        site.close();
      }
    }
  }

  @Override
  public void close() throws Exception {
    try {
      server.stop();
    } finally {
      try {
        if (proxy != null) {
          proxy.close();
        }
      } finally {
        store.close();
      }
    }
  }
}
