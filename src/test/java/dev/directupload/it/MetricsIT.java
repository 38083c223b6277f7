package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalApp;
import dev.directupload.local.LocalS3;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code api/metrics} is Prometheus's text format, readable by a parser of that format; its
 * counters move as uploads are signed, completed and refused; no label ever holds an upload id,
 * an address, an owner or a file name; and only allowed addresses and the metrics role may read
 * it, while {@code metrics=false} takes it away.
 */
class MetricsIT {
  private static final String BUCKET = "metrics";
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{22}");
  private static final Pattern ADDRESS =
      Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|.*[0-9a-fA-F]*:[0-9a-fA-F]*:.*");
  private static LocalS3 store;
  private static AppUnderTest app;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET, "max-file-size", "20MiB",
        "multipart-threshold", "6MiB", "part-size", "5MiB");
  }

  @AfterAll
  static void stop() {
    app.close();
    store.close();
  }

  private static Scrape scrape(ApiClient client) throws Exception {
    HttpResponse<String> metrics = client.get("api/metrics");
    assertEquals(200, metrics.statusCode(), metrics.body());
    assertEquals("text/plain; version=0.0.4; charset=utf-8",
        metrics.headers().firstValue("Content-Type").orElse(""));
    return Scrape.parse(metrics.body());
  }

  private static String upload(String name, String text) throws Exception {
    byte[] content = bytes(text);
    JsonObject presign = app.presign(name, "text/plain", content.length);
    assertEquals(200, app.putAsBrowser(presign, content).statusCode());
    return presign.get("id").getAsString();
  }

  @Test
  void countersMoveAsUploadsCompleteAndFail() throws Exception {
    Scrape before = scrape(app);

    String done = upload("counted.txt", "twelve bytes");
    assertEquals(200, app.post("api/uploads/" + done + "/complete", "{}").statusCode());
    String notPut = app.presign("never-put.txt", "text/plain", 5).get("id").getAsString();
    assertEquals(409, app.post("api/uploads/" + notPut + "/complete", "{}").statusCode());
    assertEquals(400, app.post("api/uploads", "{\"filename\":\"huge.bin\",\"contentType\":"
        + "\"text/plain\",\"size\":" + (50L << 20) + "}").statusCode());
    String big = app.presign("big.txt", "text/plain", 7L << 20).get("id").getAsString();
    String zero = Base64.getEncoder().encodeToString(new byte[32]);
    HttpResponse<String> parts = app.post("api/uploads/" + big + "/parts", "{\"parts\":["
        + "{\"partNumber\":1,\"checksumSha256\":\"" + zero + "\"},"
        + "{\"partNumber\":2,\"checksumSha256\":\"" + zero + "\"}]}");
    assertEquals(200, parts.statusCode(), parts.body());

    Scrape after = scrape(app);
    String requests = "direct_upload_requests_total";
    assertEquals(3, delta(before, after, requests, "operation", "presign", "outcome", "ok"));
    assertEquals(1, delta(before, after, requests, "operation", "presign",
        "outcome", "FILE_TOO_LARGE"));
    assertEquals(1, delta(before, after, requests, "operation", "complete", "outcome", "ok"));
    assertEquals(1, delta(before, after, requests, "operation", "complete",
        "outcome", "NOT_UPLOADED"));
    assertEquals(1, delta(before, after, requests, "operation", "parts", "outcome", "ok"));
    assertEquals(12, delta(before, after, "direct_upload_completed_bytes_total"));
    assertEquals(1, delta(before, after, "direct_upload_completed_total", "via", "request"));
    assertEquals(2, delta(before, after, "direct_upload_parts_signed_total"));
    assertEquals(1, delta(before, after, "direct_upload_presigned_total", "kind", "multipart"));
    assertTrue(after.value("direct_upload_files") >= 1, "files gauge");
    assertTrue(after.value("direct_upload_pending_uploads") >= 2, "pending gauge");
    assertTrue(after.histogramCount("direct_upload_store_request_duration_seconds",
        "operation", "head") > before.histogramCount(
            "direct_upload_store_request_duration_seconds", "operation", "head"));
    assertTrue(after.histogramCount("direct_upload_request_duration_seconds",
        "operation", "presign") >= 4);
    assertTrue(after.value("jvm_memory_used_bytes") > 0, "JVM metrics");
    assertEquals(0, after.value("direct_upload_index_loading"));
  }

  private static double delta(Scrape before, Scrape after, String name, String... labels) {
    return after.value(name, labels) - before.value(name, labels);
  }

  @Test
  void noLabelHoldsAnIdAnAddressAnOwnerOrAFileName() throws Exception {
    String id = upload("secret-plans.txt", "labels");
    app.post("api/uploads/" + id + "/complete", "{}");
    app.get("api/files/" + id + "/download");
    app.post("api/uploads/" + "A".repeat(22) + "/complete", "{}");
    app.get("api/secret-plans/passwd");
    app.get("api/uploads/" + id + "/passwd");
    app.delete("api/uploads/" + id);
    Scrape scrape = scrape(app);
    List<String> bad = new ArrayList<>();
    scrape.labels().forEach(label -> {
      String v = label.getValue();
      if (ID.matcher(v).matches() || ADDRESS.matcher(v).matches() || v.contains("/")
          || v.contains("secret-plans") || v.equals("anonymous") || v.contains("passwd")) {
        bad.add(label.getKey() + "=" + v);
      }
    });
    assertEquals(List.of(), bad, "label values that name an id, address, path, owner or file");
    assertTrue(scrape.value("direct_upload_requests_total", "operation", "other") >= 1,
        "a made-up path is counted as other");
  }

  @Test
  void anAddressOutsideTheAllowedNetworksIsRefused() throws Exception {
    try (AppUnderTest narrow = AppUnderTest.start(store, BUCKET,
        "metrics-allowed-addresses", "127.0.0.1/32")) {
      assertEquals(200, narrow.get("api/metrics").statusCode(), "127.0.0.1 may read");
      URI base = URI.create(narrow.base);
      String answer = rawGet(InetAddress.getByName("127.0.0.2"), base.getPort(),
          base.getPath() + "api/metrics");
      assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
      assertTrue(answer.contains("\"code\":\"FORBIDDEN_METRICS\""), answer);
      assertFalse(answer.contains("direct_upload_requests_total"), answer);
    }
  }

  /** A GET from a socket bound to {@code from}, a loopback address other than the server's. */
  private static String rawGet(InetAddress from, int port, String path) throws Exception {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void theMetricsRoleReadsFromAnyAddressAndOthersAreRefused() throws Exception {
    Server server = LocalApp.newServer(0, AppUnderTest.CONTEXT, Map.of(
        "direct-upload.bucket", BUCKET,
        "direct-upload.endpoint", store.endpoint().toString(),
        "direct-upload.region", LocalS3.REGION,
        "direct-upload.path-style", "true",
        "direct-upload.metrics-role", "metrics",
        "direct-upload.metrics-allowed-addresses", "10.9.8.0/24"),
        List.of(new LocalApp.User("prometheus", "scrape-pw", "metrics"),
            new LocalApp.User("alice", "alice-pw", "user")));
    server.start();
    try {
      ApiClient client = new ApiClient(LocalApp.url(server, AppUnderTest.CONTEXT));
      assertEquals(403, metrics(client, null).statusCode(), "nobody signed in, not allowed");
      assertEquals(403, metrics(client, "alice:alice-pw").statusCode(), "not in the role");
      assertEquals(403, metrics(client, "prometheus:wrong").statusCode(), "wrong password");
      HttpResponse<String> read = metrics(client, "prometheus:scrape-pw");
      assertEquals(200, read.statusCode(), read.body());
      Scrape.parse(read.body());
    } finally {
      server.stop();
    }
  }

  private static HttpResponse<String> metrics(ApiClient client, String credentials)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(client.base + "api/metrics"));
    if (credentials != null) {
      request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
          credentials.getBytes(StandardCharsets.UTF_8)));
    }
    return client.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsOffLeavesNoEndpoint() throws Exception {
    try (AppUnderTest off = AppUnderTest.start(store, BUCKET, "metrics", "false")) {
      HttpResponse<String> metrics = off.get("api/metrics");
      assertEquals(404, metrics.statusCode());
      assertEquals("NOT_FOUND", json(metrics).getAsJsonObject("error").get("code")
          .getAsString());
      assertEquals(201, off.post("api/uploads", "{\"filename\":\"a.txt\",\"contentType\":"
          + "\"text/plain\",\"size\":3}").statusCode(), "the API works without metrics");
    }
  }
}
