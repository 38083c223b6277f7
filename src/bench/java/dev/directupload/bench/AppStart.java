package dev.directupload.bench;

import dev.directupload.local.LocalApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;

/**
 * One start of the application in embedded Jetty ({@link LocalApp#newServer}) in this JVM, timed
 * as an operator sees it: from the call that starts the server to the first {@code api/health}
 * that answers 200, and to the first {@code api/files} that says {@code complete: true} (the
 * whole index is read). Both are polled every {@link #POLL} from one thread, so each time is late
 * by up to one poll interval plus one request.
 */
final class AppStart implements AutoCloseable {
  static final Duration POLL = Duration.ofMillis(20);
  private static final Pattern COMPLETE = Pattern.compile("\"complete\"\\s*:\\s*true");
  private static final Pattern INDEX = Pattern.compile(
      "\"index\"\\s*:\\s*\\{\\s*\"state\"\\s*:\\s*\"(\\w+)\"\\s*,\\s*\"files\"\\s*:\\s*(\\d+)");

  private final Server server;
  private final String url;
  private final HttpClient http;
  private final long startedNanos;
  /** The {@code index} of the first 200 from api/health: state and files. */
  private String firstIndex = "?";

  private AppStart(Server server, HttpClient http, long startedNanos) {
    this.server = server;
    this.url = LocalApp.url(server, "/");
    this.http = http;
    this.startedNanos = startedNanos;
  }

  /**
   * Starts the app with these settings (names without {@code direct-upload.}); returns once
   * {@code server.start()} returned, which for a WAR container is the end of deployment.
   */
  static AppStart start(Map<String, String> settings, HttpClient http) throws Exception {
    Map<String, String> parameters = new HashMap<>();
    settings.forEach((name, value) -> parameters.put("direct-upload." + name, value));
    Server server = LocalApp.newServer(0, "/", parameters);
    long started = System.nanoTime();
    server.start();
    return new AppStart(server, http, started);
  }

  String url() {
    return url;
  }

  /** Seconds since the start began. */
  double seconds() {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  /** Seconds from the start to the first api/health that answered 200. */
  double untilHealthy(Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> answer = get("api/health");
      if (answer != null && answer.statusCode() == 200) {
        double at = seconds();
        Matcher m = INDEX.matcher(answer.body());
        firstIndex = m.find() ? m.group(1) + ", " + m.group(2) + " files" : "(no index)";
        return at;
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new IllegalStateException("api/health did not answer 200 within " + limit);
  }

  /** What api/health's first 200 said of the index: "loading, 1234 files". */
  String firstIndex() {
    return firstIndex;
  }

  /** Seconds from the start to the first api/files whose answer says complete: true. */
  double untilListed(Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> answer = get("api/files?limit=1");
      if (answer != null && answer.statusCode() == 200
          && COMPLETE.matcher(answer.body()).find()) {
        return seconds();
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new IllegalStateException("api/files did not say complete: true within " + limit);
  }

  /** The answer, or null while nothing listens yet. */
  HttpResponse<String> get(String path) throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url + path))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("the app did not stop: " + e, e);
    }
  }
}
