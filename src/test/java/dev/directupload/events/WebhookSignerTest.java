package dev.directupload.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.testing.ReadmeReceiver;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Signatures are the Standard Webhooks ones, and a bad secret is refused saying what was wanted. */
class WebhookSignerTest {
  /** The example of the Standard Webhooks specification (its README), with its signature. */
  private static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  @Test
  void signsTheSpecificationsExampleAsItSays() {
    assertEquals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        WebhookSigner.parse(SPEC_SECRET).sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
            "{\"test\": 2432232314}"));
  }

  @Test
  void headersCarryTheIdTheSecondsOfThisAttemptAndTheSignature() {
    WebhookSigner signer = WebhookSigner.parse(SPEC_SECRET);
    Map<String, String> headers = signer.headers("evt_1", Instant.parse("2026-01-02T03:04:05.678Z"),
        "{}");
    assertEquals(Map.of("webhook-id", "evt_1", "webhook-timestamp", "1767323045",
        "webhook-signature", signer.sign("evt_1", 1767323045, "{}")), headers);
  }

  @Test
  void rejectsASecretWithoutThePrefix() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WebhookSigner.parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    assertTrue(e.getMessage().contains("starting with 'whsec_'"), e.getMessage());
    assertFalse(e.getMessage().contains("MfKQ9r8G"), "the secret is never repeated");
  }

  @Test
  void rejectsASecretThatIsNotBase64() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WebhookSigner.parse("whsec_not-base64-at-all!!!!!!!!!!!!!!!"));
    assertTrue(e.getMessage().contains("base64"), e.getMessage());
    assertFalse(e.getMessage().contains("not-base64"), "the secret is never repeated");
  }

  @Test
  void rejectsASecretOfFewerThan24Bytes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> WebhookSigner.parse("whsec_c2hvcnQgc2VjcmV0"));
    assertTrue(e.getMessage().contains("at least 24") && e.getMessage().contains("decodes to 12"),
        e.getMessage());
  }

  @Test
  void rejectsAnEmptySecret() {
    assertThrows(IllegalArgumentException.class, () -> WebhookSigner.parse(""));
    assertThrows(IllegalArgumentException.class, () -> WebhookSigner.parse(null));
  }

  @Test
  void neverShowsTheSecret() {
    assertFalse(WebhookSigner.parse(SPEC_SECRET).toString().contains("MfKQ"));
  }

  @Test
  void theReadmeReceiverAcceptsOurSignatureAndRefusesAChangedBody() throws Exception {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    WebhookSigner signer = WebhookSigner.parse(secret);
    String body = "{\"type\":\"upload.completed\",\"data\":{\"name\":\"Äpfel.txt\"}}";
    Map<String, String> h = signer.headers("evt_x", Instant.now(), body);
    assertTrue(ReadmeReceiver.verify(secret, h.get("webhook-id"), h.get("webhook-timestamp"),
        h.get("webhook-signature"), body));
    assertFalse(ReadmeReceiver.verify(secret, h.get("webhook-id"), h.get("webhook-timestamp"),
        h.get("webhook-signature"), body.replace("Äpfel", "Apfel")));
    assertFalse(ReadmeReceiver.verify(secret, "evt_y", h.get("webhook-timestamp"),
        h.get("webhook-signature"), body));
  }

  @Test
  void theReadmeReceiverRefusesAnOldTimestamp() throws Exception {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    Instant old = Instant.now().minusSeconds(600);
    Map<String, String> h = WebhookSigner.parse(secret).headers("evt_x", old, "{}");
    assertFalse(ReadmeReceiver.verify(secret, "evt_x", h.get("webhook-timestamp"),
        h.get("webhook-signature"), "{}"));
  }
}
