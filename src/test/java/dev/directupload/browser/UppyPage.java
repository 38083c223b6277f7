package dev.directupload.browser;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Another site's web server: it serves a page that uploads with Uppy
 * ({@code src/test/resources/uppy/}) and, beside it, the two Uppy bundles that npm installed
 * from {@code src/test/node/package.json}: {@code uppy5/} is {@code uppy} 5.2.4 (its
 * {@code @uppy/aws-s3} 5.1 takes {@code endpoint}), {@code uppy6/} is {@code uppy} 6.0.1
 * ({@code @uppy/aws-s3} 6.1 takes {@code companionEndpoint}). It listens on loopback only, so
 * its page has two origins: {@code http://127.0.0.1:port} and {@code http://localhost:port}.
 */
final class UppyPage implements AutoCloseable {
  static final Path NODE_MODULES = Path.of("src", "test", "node", "node_modules");
  /** The folder each major is served from, and the version npm must have put there. */
  static final Map<String, String> BUNDLES = Map.of("uppy5", "5.2.4", "uppy6", "6.0.1");

  private final HttpServer server;

  private UppyPage(HttpServer server) {
    this.server = server;
  }

  /** Fails, saying how to install them, unless both pinned bundles are in node_modules. */
  static void requireBundles() throws IOException {
    for (Map.Entry<String, String> bundle : BUNDLES.entrySet()) {
      Path dir = NODE_MODULES.resolve(bundle.getKey());
      Path manifest = dir.resolve("package.json");
      if (!Files.isRegularFile(dir.resolve("dist").resolve("uppy.min.mjs"))
          || !Files.isRegularFile(manifest)) {
        fail("Uppy " + bundle.getValue() + " is not installed at " + dir.toAbsolutePath()
            + ": run `npm ci --prefix src/test/node` (the project's test script does it before"
            + " the suite); nothing is downloaded at test time");
      }
      String version = JsonParser.parseString(Files.readString(manifest)).getAsJsonObject()
          .get("version").getAsString();
      if (!version.equals(bundle.getValue())) {
        fail("expected uppy " + bundle.getValue() + " in " + dir + " but found " + version
            + ": run `npm ci --prefix src/test/node`");
      }
    }
  }

  static UppyPage start() throws IOException {
    requireBundles();
    HttpServer server = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    UppyPage page = new UppyPage(server);
    server.createContext("/", page::serve);
    server.start();
    return page;
  }

  /** The page's origin as {@code host} ("127.0.0.1" or "localhost") names it. */
  String origin(String host) {
    return "http://" + host + ":" + server.getAddress().getPort();
  }

  /** The page at {@code origin}, with Uppy {@code major} pointed at {@code endpoint}. */
  static String url(String origin, int major, String endpoint, boolean restrict) {
    return origin + "/?major=" + major + "&endpoint=" + endpoint + (restrict ? "&restrict" : "");
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      byte[] body = body(path);
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", contentType(path));
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  private static byte[] body(String path) throws IOException {
    if (path.equals("/") || path.equals("/index.html") || path.equals("/uppy-page.js")) {
      String name = path.equals("/") ? "index.html" : path.substring(1);
      try (InputStream in = UppyPage.class.getResourceAsStream("/uppy/" + name)) {
        return in == null ? null : in.readAllBytes();
      }
    }
    for (String bundle : BUNDLES.keySet()) {
      for (String file : new String[] {"uppy.min.mjs", "uppy.min.css"}) {
        if (path.equals("/" + bundle + "/" + file)) {
          return Files.readAllBytes(NODE_MODULES.resolve(bundle).resolve("dist").resolve(file));
        }
      }
    }
    return null;
  }

  private static String contentType(String path) {
    if (path.endsWith(".mjs") || path.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    return path.endsWith(".css") ? "text/css; charset=utf-8" : "text/html; charset=utf-8";
  }

  /**
   * The bytes the page makes for a file: {@code size} of them from {@code seed} by xorshift32,
   * mapped to letters and punctuation when {@code text}. The same as {@code bytes} in
   * {@code uppy-page.js}, so a test knows what Uppy sent without reading it back from the page.
   */
  static byte[] bytes(int size, int seed, boolean text) {
    byte[] letters = "abcdefghijklmnopqrstuvwxyz ,.;\n!".getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[size];
    int x = seed == 0 ? 1 : seed;
    for (int i = 0; i < size; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = text ? letters[x & 31] : (byte) x;
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
