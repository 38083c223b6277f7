package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonParser;
import dev.directupload.testing.Receiver;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;

/**
 * The page over a real server with a pre-create hook and an owner quota: a file the host
 * application's hook refuses shows the hook's own words and no retry; the owner's usage against
 * the quota is shown from the start and follows each upload; the file one past the quota is
 * refused with the server's words saying what is used.
 */
class HooksAndQuotaIT extends PageTest {
  private static Receiver hook;

  @BeforeAll
  static void start() throws Exception {
    hook = new Receiver();
    hook.responder = call -> JsonParser.parseString(call.body()).getAsJsonObject()
        .get("filename").getAsString().startsWith("invoice")
        ? new Receiver.Answer(200, "{\"reject\": {\"status\": 403,"
            + " \"message\": \"Invoices go to accounting, not here.\"}}")
        : new Receiver.Answer(200, "{}");
    String secret = "whsec_" + Base64.getEncoder().encodeToString(
        "browser-hooks-test-secret-32byte".getBytes(StandardCharsets.US_ASCII));
    open(LocalSite.start(context -> {
      context.setInitParameter("direct-upload.pre-create-hook-url", hook.uri().toString());
      context.setInitParameter("direct-upload.webhook-secret", secret);
      context.setInitParameter("direct-upload.owner-quota-files", "2");
      context.setInitParameter("direct-upload.owner-quota-bytes", "10KiB");
    }));
  }

  @AfterAll
  static void stopHook() {
    hook.close();
  }

  private static Predicate<LogEntry> failed(String path, int status) {
    return entry -> entry.getMessage().matches("(?s)" + site.base + path
        + " - Failed to load resource: the server responded with a status of " + status + " .*");
  }

  private void awaitQuota(String words) {
    browser.waitUntil("the quota line to read '" + words + "'",
        d -> words.equals(text(page.byId("quota"))));
  }

  @Test
  void theHooksRefusalAndTheQuotaShowOnThePage() throws Exception {
    expectConsoleErrors(failed("api/uploads", 403).or(failed("api/uploads", 413)));
    page.open();
    awaitQuota("Your files: 0 B of 10 KiB · 0 of 2 files");

    page.drop("invoice.pdf", "application/pdf", TestFiles.text(1000));
    WebElement refused = page.waitForUpload("invoice.pdf", "refused");
    assertEquals("Invoices go to accounting, not here.",
        text(refused.findElement(By.className("detail"))));
    assertFalse(refused.findElement(By.cssSelector("button.retry")).isDisplayed(), "no retry");

    page.drop("notes.txt", "text/plain", TestFiles.text(800));
    page.waitForUpload("notes.txt", "done");
    awaitQuota("Your files: 800 B of 10 KiB · 1 of 2 files");
    page.drop("minutes.txt", "text/plain", TestFiles.text(700));
    page.waitForUpload("minutes.txt", "done");
    awaitQuota("Your files: 1.5 KiB of 10 KiB · 2 of 2 files");
    assertEquals("true", page.byId("quota").getAttribute("data-full"));

    page.drop("agenda.txt", "text/plain", TestFiles.text(600));
    WebElement over = page.waitForUpload("agenda.txt", "failed");
    assertEquals("This file would take you past your quota of 2 files: 2 used.",
        text(over.findElement(By.className("detail"))));
    browser.screenshot("hook-and-quota");
  }
}
