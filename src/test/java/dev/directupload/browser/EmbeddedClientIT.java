package dev.directupload.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;

/**
 * {@code js/client.js} is all a page needs to upload to the app: a bare page that is not ours
 * ({@code src/test/resources/embed/}) imports it and hands it files, and they are stored, a
 * large one in parts, while a file of a type the app refuses is refused with the API's code.
 * The page is served once from the app's own origin and once from another origin (a JDK
 * {@link HttpServer} on another port, listed in the app's {@code allowed-origins}): there the
 * module and the API answer a page of another origin, which takes CORS from the app.
 */
class EmbeddedClientIT {
  private static final int MIB = 1 << 20;
  private static final Pattern STORED = Pattern.compile("stored (.+) as (\\S+)");

  @TempDir
  static Path folder;
  private static HttpServer otherOrigin;
  private static LocalSite site;
  private static Chromium browser;

  @BeforeAll
  static void start() throws Exception {
    otherOrigin = HttpServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    String origin = "http://127.0.0.1:" + otherOrigin.getAddress().getPort();
    site = LocalSite.start(context -> {
      context.setInitParameter("direct-upload.multipart-threshold", "5MiB");
      context.setInitParameter("direct-upload.part-size", "5MiB");
      context.setInitParameter("direct-upload.allowed-origins", origin);
      context.addServlet(new ServletHolder(new EmbedServlet()), "/embed/*");
    });
    otherOrigin.createContext("/", EmbeddedClientIT::serveOnOtherOrigin);
    otherOrigin.start();
    browser = Chromium.start(1100, 900);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      otherOrigin.stop(0);
    } finally {
      LocalSite.closeBoth(browser, site);
    }
  }

  @AfterEach
  void consoleHasNoErrors() {
    browser.assertNoConsoleErrors();
  }

  @Test
  void pageOfTheAppsOriginUploadsWithTheClient() throws Exception {
    uploadThrough(site.base + "embed/", "same-origin");
  }

  @Test
  void pageOfAnotherOriginUploadsWithTheClient() throws Exception {
    uploadThrough("http://127.0.0.1:" + otherOrigin.getAddress().getPort() + "/", "other-origin");
  }

  /** Opens the page at {@code url}, hands its client three files and checks what became of them. */
  private void uploadThrough(String url, String tag) throws Exception {
    Path letter = TestFiles.write(folder, tag + "-letter.txt", TestFiles.text(3000));
    Path survey = TestFiles.write(folder, tag + "-survey.mp4", TestFiles.random(81, 6 * MIB));
    Path html = TestFiles.write(folder, tag + "-page.html", TestFiles.text(200));
    browser.driver.get(url);
    try {
      assertEquals(site.base, browser.waitUntil("the page's module to load the client",
          d -> browser.js("return document.body.dataset.ready || null")),
          "the client's endpoint: the app it was loaded from");
    } catch (TimeoutException e) {
      throw new AssertionError("the page at " + url + " could not load the client; console:\n"
          + browser.console().stream().map(LogEntry::getMessage)
              .collect(Collectors.joining("\n")), e);
    }

    browser.driver.findElement(By.id("files")).sendKeys(String.join("\n",
        letter.toString(), survey.toString(), html.toString()));

    List<String> results = browser.waitUntil("a result for each file", d -> {
      List<String> lines = d.findElements(By.cssSelector("#results li")).stream()
          .map(WebElement::getText).toList();
      return lines.size() == 3 && lines.stream().noneMatch(String::isEmpty) ? lines : null;
    });
    Map<String, String> stored = new HashMap<>();
    for (String line : results.subList(0, 2)) {
      Matcher matcher = STORED.matcher(line);
      assertTrue(matcher.matches(), "expected 'stored <name> as <id>' but the page says: " + line);
      stored.put(matcher.group(1), matcher.group(2));
    }
    assertEquals("refused " + tag + "-page.html: TYPE_NOT_ALLOWED: The type text/html is not"
        + " allowed.", results.get(2));

    Map<String, Long> listed = new HashMap<>();
    for (JsonElement file : JsonParser.parseString(site.get("api/files?limit=1000"))
        .getAsJsonObject().getAsJsonArray("files")) {
      listed.put(file.getAsJsonObject().get("id").getAsString(),
          file.getAsJsonObject().get("size").getAsLong());
    }
    assertEquals(3000L, listed.get(stored.get(tag + "-letter.txt")), "the letter is stored");
    assertEquals(6L * MIB, listed.get(stored.get(tag + "-survey.mp4")), "the survey is stored");
    assertEquals(List.of(), site.pendingUploads(), "nothing pending on the server");
  }

  /** The embedding page and its script, the script importing the client from {@code client}. */
  private static byte[] resource(String name, String client) {
    String file = name.isEmpty() || name.equals("/") ? "index.html" : name.replaceFirst("^/", "");
    if (!file.equals("index.html") && !file.equals("embed.js")) {
      return null;
    }
    try (InputStream in = Objects.requireNonNull(
        EmbeddedClientIT.class.getResourceAsStream("/embed/" + file), "embed/" + file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("{{CLIENT}}", client)
          .getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String contentType(String name) {
    return name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/html; charset=utf-8";
  }

  /** The other origin: the page, with the client imported from the app by its full URL. */
  private static void serveOnOtherOrigin(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      byte[] body = resource(path, site.base + "js/client.js");
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", contentType(path));
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  /** The app's origin: the page, beside the app, with the client imported by a relative URL. */
  static final class EmbedServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      String path = req.getPathInfo() == null ? "" : req.getPathInfo();
      byte[] body = resource(path, "../js/client.js");
      if (body == null) {
        resp.sendError(404);
        return;
      }
      resp.setContentType(contentType(path));
      resp.getOutputStream().write(body);
    }
  }
}
