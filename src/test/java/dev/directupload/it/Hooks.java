package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.testing.ReadmeReceiver;
import dev.directupload.testing.Receiver;
import dev.directupload.testing.StandardWebhooksJs;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/**
 * What the webhook and hook tests share: the secret, an upload through the API as a script
 * makes it, the calls a {@link Receiver} got by event, and the two independent checks of their
 * signatures (the official JavaScript library, and the README's Java method).
 */
final class Hooks {
  /** {@code whsec_} and the base64 of 32 bytes, as the README tells how to make one. */
  static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(
      "direct-upload-integration-32byte".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

  private Hooks() {}

  /** Settings that send webhooks to {@code receiver} and look at the outbox every second. */
  static List<String> webhookSettings(Receiver receiver) {
    return List.of("webhook-url", receiver.uri().toString(), "webhook-secret", SECRET,
        "webhook-scan-interval", "PT1S");
  }

  /**
   * Presigns {@code body} as {@code name} (with its SHA-256 when {@code withChecksum}), PUTs it
   * with the signed headers and completes it; answers the presign's JSON (id, key, ...).
   */
  static JsonObject upload(ApiClient app, String name, byte[] body, boolean withChecksum)
      throws Exception {
    String checksum = withChecksum ? ",\"checksumSha256\":\"" + sha256(body) + "\"" : "";
    HttpResponse<String> presigned = app.post("api/uploads", "{\"filename\":\"" + name
        + "\",\"contentType\":\"text/plain\",\"size\":" + body.length + checksum + "}");
    assertEquals(201, presigned.statusCode(), presigned.body());
    JsonObject presign = ApiClient.json(presigned);
    HttpResponse<String> put = app.putAsBrowser(presign, body);
    assertEquals(200, put.statusCode(), put.body());
    HttpResponse<String> complete = app.post("api/uploads/" + presign.get("id").getAsString()
        + "/complete", "");
    assertEquals(200, complete.statusCode(), complete.body());
    return presign;
  }

  static String sha256(byte[] body) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
  }

  /** {@code evt_<upload id>_<completed|deleted|expired>}: the id the app gives each event. */
  static String eventId(String uploadId, String kind) {
    return "evt_" + uploadId + "_" + kind;
  }

  static JsonObject body(Receiver.Call call) {
    return JsonParser.parseString(call.body()).getAsJsonObject();
  }

  /** The calls by {@code webhook-id}, each id's calls in arrival order, ids by first arrival. */
  static Map<String, List<Receiver.Call>> byId(List<Receiver.Call> calls) {
    Map<String, List<Receiver.Call>> byId = new LinkedHashMap<>();
    calls.forEach(c -> byId.computeIfAbsent(c.id(), id -> new ArrayList<>()).add(c));
    return byId;
  }

  /** The only acknowledged call of {@code id}; fails when there is none or more than one. */
  static Receiver.Call onlyAcknowledged(Receiver receiver, String id) {
    List<Receiver.Call> acked = receiver.acknowledged().stream()
        .filter(c -> id.equals(c.id())).toList();
    assertEquals(1, acked.size(), "acknowledged deliveries of " + id + ": "
        + Receiver.ids(receiver.calls));
    return acked.get(0);
  }

  /**
   * Every call carries a valid signature by {@link #SECRET}, as the official JavaScript library
   * and the README's Java method both judge it.
   */
  static void assertSigned(List<Receiver.Call> calls) throws Exception {
    assertTrue(!calls.isEmpty(), "calls to check");
    StandardWebhooksJs.Result js = StandardWebhooksJs.verify(SECRET, calls);
    assertTrue(js.verified(), "the standardwebhooks library refused a signature:\n" + js.output());
    for (Receiver.Call call : calls) {
      assertTrue(ReadmeReceiver.verify(SECRET, call.id(), call.timestamp(), call.signature(),
          call.body()), "the README's receiver refused " + call.id());
    }
  }

  /** {@code api/health}'s {@code webhooks} object. */
  static JsonObject webhooksHealth(ApiClient app) throws Exception {
    JsonElement webhooks = ApiClient.json(app.get("api/health")).get("webhooks");
    assertTrue(webhooks != null && webhooks.isJsonObject(), "health has webhooks: " + webhooks);
    return webhooks.getAsJsonObject();
  }

  /** The {@code lastError} of a {@code webhooks} health object, or null. */
  static String lastError(JsonObject webhooks) {
    JsonElement e = webhooks.get("lastError");
    return e == null || e.isJsonNull() ? null : e.getAsString();
  }

  /**
   * Polls {@code condition} every 50 ms until it answers true; fails naming {@code what} (and
   * the last value of {@code describe}) once {@code deadline} has passed.
   */
  static void await(String what, Duration deadline, Callable<Boolean> condition,
      Callable<?> describe) throws Exception {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("Not true within " + deadline + ": " + what + "; last seen: "
            + describe.call());
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll interval
    }
  }
}
