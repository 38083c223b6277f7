package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;

/**
 * When the store does not answer, the page says so and recovers: an upload whose PUT fails shows
 * as failed with a retry button, and the retry succeeds once the store is back; a store that is
 * down when the page loads is named in the error banner. The console holds only the errors of
 * these deliberate failures, which is why they have a browser of their own.
 */
class FailedUploadIT extends PageTest {
  @TempDir
  static Path folder;

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.start());
  }

  /** What the running test lets through; every other console error fails it. */
  /** Chromium's line for a request that answered {@code status}: "… /api/health - Failed to load resource: … 503 …". */
  private static Predicate<LogEntry> failedResource(String pathPattern, int status) {
    return entry -> entry.getMessage().matches("(?s)" + site.base + pathPattern
        + " - Failed to load resource: the server responded with a status of " + status + " .*");
  }

  @Test
  void uploadFailingAtTheStoreSucceedsOnRetry() throws Exception {
    Path file = TestFiles.write(folder, "retry-me.txt", TestFiles.text(5000));
    String store = site.store.endpoint().toString();
    // The PUT that meets the stopped store, and the page then telling our server to forget
    // the upload, which it cannot while the store is down (503).
    Predicate<LogEntry> putRefused = entry -> entry.getMessage().startsWith(store + "/")
        && entry.getMessage().endsWith("Failed to load resource: net::ERR_CONNECTION_REFUSED");
    expectConsoleErrors(putRefused.or(failedResource("api/uploads/[^/ ]+", 503)));
    page.open();

    site.store.pause();
    WebElement row;
    try {
      page.choose(file);
      row = page.waitForUpload("retry-me.txt", "failed");
      browser.waitUntil("the page to finish telling the server to drop the failed upload",
          d -> (Long) browser.js("return performance.getEntriesByType('resource').filter("
              + "(e) => /[/]api[/]uploads[/][^/]+$/.test(new URL(e.name).pathname)).length") > 0);
    } finally {
      site.store.resume();
    }
    assertEquals("Failed", text(row.findElement(By.className("status"))));
    assertEquals("Network error: check the bucket CORS configuration and your connection.",
        text(row.findElement(By.className("detail"))));
    assertTrue(text(page.byId("overall-text")).endsWith("· 1 failed"));
    assertFalse(row.findElement(By.cssSelector("button.cancel")).isDisplayed());
    WebElement retry = row.findElement(By.cssSelector("button.retry"));
    assertTrue(retry.isDisplayed(), "a retry button");
    browser.screenshot("failed");
    assertTrue(browser.console().stream().anyMatch(putRefused),
        "expected the failure to come from the PUT to the store");

    retry.click();

    page.waitForUpload("retry-me.txt", "done");
    page.waitForFile("retry-me.txt");
    assertFalse(row.findElement(By.cssSelector("button.retry")).isDisplayed());
  }

  @Test
  void storeDownWhenThePageLoadsIsNamedInTheBanner() throws Exception {
    Path file = TestFiles.write(folder, "after-outage.txt", TestFiles.text(700));
    expectConsoleErrors(failedResource("api/health", 503));
    site.store.pause();
    try {
      // The app looks at the store for api/health at most every few seconds: wait until it has.
      site.awaitHealth(503);
      page.open();
      browser.waitUntil("the health check to finish", d -> browser.js(
          "return document.body.dataset.health || null"));
    } finally {
      site.store.resume();
    }
    assertEquals("down", browser.js("return document.body.dataset.health"));
    WebElement banner = page.byId("banner");
    assertTrue(banner.isDisplayed(), "the error banner");
    assertTrue(text(banner).startsWith("The storage is not reachable: "), text(banner));
    assertFalse(page.byId("cors-banner").isDisplayed(), "no CORS advice while the store is down");

    // The store is back: the first file that reaches it proves so, and the banner goes.
    page.choose(file);
    page.waitForUpload("after-outage.txt", "done");
    browser.waitUntil("the banner to go", d -> !banner.isDisplayed());
  }
}
