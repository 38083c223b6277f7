package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * What every container must do with the deployed WAR: serve the page and the whole round trip,
 * the probes, and metrics that counted it (returned, for what each container adds).
 */
final class ContainerRoundTrip {
  private ContainerRoundTrip() {}

  static Scrape run(ApiClient app, String label) throws Exception {
    HttpResponse<String> page = app.get("");
    assertEquals(200, page.statusCode(), label + ": page");
    assertTrue(page.body().contains("<title>direct-upload</title>"), label);
    HttpResponse<String> script = app.get("js/client.js");
    assertEquals(200, script.statusCode(), label + ": js/client.js");
    assertTrue(script.headers().firstValue("Content-Type").orElse("").contains("javascript"),
        label + ": js/client.js type " + script.headers().firstValue("Content-Type"));
    HttpResponse<String> health = app.get("api/health");
    assertEquals(200, health.statusCode(), label + ": " + health.body());

    byte[] content = bytes("deployed in " + label + " — ünïcode\n");
    JsonObject presign = app.presign(label + " report.txt", "text/plain", content.length);
    String id = presign.get("id").getAsString();
    assertEquals(200, app.putAsBrowser(presign, content).statusCode(), label + ": PUT");
    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, complete.statusCode(), label + ": " + complete.body());
    assertEquals(label + " report.txt", json(complete).get("name").getAsString());

    String listing = app.get("api/files").body();
    assertTrue(listing.contains(id), label + ": listed");

    HttpResponse<String> redirect = app.get("api/files/" + id + "/download");
    assertEquals(302, redirect.statusCode(), label + ": download");
    HttpResponse<byte[]> download = app.http.send(HttpRequest.newBuilder(
        URI.create(redirect.headers().firstValue("Location").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertArrayEquals(content, download.body(), label + ": downloaded bytes");

    assertEquals(204, app.delete("api/uploads/" + id).statusCode(), label + ": delete");
    assertTrue(!app.get("api/files").body().contains(id), label + ": gone after delete");
    HttpResponse<String> missing = app.get("api/nothing-here");
    assertEquals(404, missing.statusCode());
    assertTrue(missing.headers().firstValue("Content-Type").orElse("")
        .startsWith("application/json"), label + ": API 404 is JSON");

    assertEquals(200, app.get("api/health/live").statusCode(), label + ": live");
    assertEquals(200, app.get("api/health/ready").statusCode(), label + ": ready");
    HttpResponse<String> metrics = app.get("api/metrics");
    assertEquals(200, metrics.statusCode(), label + ": metrics from loopback");
    Scrape scrape = Scrape.parse(metrics.body());
    assertEquals(1, scrape.value("direct_upload_requests_total", "operation", "presign",
        "outcome", "ok"), label + ": the presign counted (its body is read asynchronously)");
    assertEquals(1, scrape.value("direct_upload_requests_total", "operation", "complete",
        "outcome", "ok"), label + ": the completion counted");
    assertEquals(1, scrape.value("direct_upload_requests_total", "operation", "delete",
        "outcome", "ok"), label + ": the deletion counted");
    assertTrue(scrape.value("jvm_threads_live_threads") > 0, label + ": JVM metrics");
    return scrape;
  }
}
