package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.interactions.Actions;

/**
 * A slow upload shows its percentage, speed and time left while the overall bar follows;
 * cancelling it stops the transfer and tells the server, which then holds no pending upload;
 * pausing a file sent in one PUT says that nothing is kept, and Resume sends it whole again.
 * The page is captured mid-upload, next to a list with pictures and documents, as
 * {@code target/screenshots/upload-page.png}, the README's picture: when the page changes, copy
 * it over {@code docs/screenshot.png}.
 */
class ProgressAndCancelIT extends PageTest {
  /** "37% · 256 KiB/s · 12 s left". */
  private static final Pattern RUNNING = Pattern.compile("(\\d+)% · \\S+ (?:[KMG]i)?B/s · .+ left");

  @TempDir
  static Path folder;

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.start());
  }

  @Test
  void slowUploadShowsSpeedAndTimeLeftAndCanBeCancelled() throws Exception {
    page.open();
    page.choose(
        TestFiles.write(folder, "budget-2025.csv", TestFiles.text(12_800)),
        TestFiles.write(folder, "quarterly-report.pdf", TestFiles.pdf(184_320)),
        TestFiles.write(folder, "team-offsite.jpg", TestFiles.duskJpeg()));
    page.drop("mountain-lake.png", "image/png", TestFiles.landscapePng(24 * 1024));
    for (String name : new String[] {"budget-2025.csv", "quarterly-report.pdf",
        "team-offsite.jpg", "mountain-lake.png"}) {
      page.waitForUpload(name, "done");
      page.waitForFile(name);
    }
    page.waitForThumbnail("team-offsite.jpg");
    page.waitForThumbnail("mountain-lake.png");

    // Finished rows go; then a small file and a large one start together on a slow network.
    page.byId("clear-finished").click();
    // The pointer would otherwise rest on the button, hovered, in the screenshot.
    new Actions(browser.driver).moveToElement(browser.driver.findElement(By.tagName("h1")))
        .perform();
    assertFalse(page.byId("uploads-section").isDisplayed(), "no uploads left to show");
    String notes = "meeting-notes.txt";
    String video = "site-walkthrough.mp4";
    Path small = TestFiles.write(folder, notes, TestFiles.text(3_300));
    Path slow = TestFiles.write(folder, video, TestFiles.random(3, 6 * 1024 * 1024));
    ChromiumNetworkConditions throttled = new ChromiumNetworkConditions();
    throttled.setUploadThroughput(512 * 1024); // bytes per second
    browser.driver.setNetworkConditions(throttled);
    try {
      page.choose(small, slow);
      page.waitForUpload(notes, "done");
      WebElement row = page.upload(video);
      WebElement detail = row.findElement(By.className("detail"));
      String shown = browser.waitUntil("speed and time left once a fifth is sent", d -> {
        Matcher running = RUNNING.matcher(text(detail));
        return running.matches() && Integer.parseInt(running.group(1)) >= 20 ? running.group() : null;
      });
      assertEquals("uploading", row.getAttribute("data-state"), shown);
      assertTrue(text(page.byId("overall-text")).startsWith("1 of 2 files done · "),
          text(page.byId("overall-text")));
      browser.fullPageScreenshot("upload-page");

      row.findElement(By.cssSelector("button.cancel")).click();

      page.waitForUpload(video, "cancelled");
      assertTrue(row.findElement(By.cssSelector("button.retry")).isDisplayed(), "retry offered");
      browser.waitUntil("the server to drop the cancelled upload", d -> {
        try {
          return site.get("api/uploads?status=pending").replace(" ", "").contains("\"uploads\":[]");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertEquals(null, page.file(video));
    } finally {
      browser.driver.deleteNetworkConditions();
    }
  }

  @Test
  void pausedSingleUploadSaysItKeepsNothingAndResumesFromTheStart() throws Exception {
    String name = "interview-recording.mp3";
    byte[] content = TestFiles.random(4, 3 * 1024 * 1024);
    Path file = TestFiles.write(folder, name, content);
    page.open();
    page.throttleUploads(512 * 1024);
    WebElement row;
    try {
      page.choose(file);
      row = page.upload(name);
      browser.waitUntil("a tenth to be sent", d -> UploadPage.barValue(row) > content.length / 10);

      row.findElement(By.cssSelector("button.pause")).click();

      page.waitForUpload(name, "paused");
      assertEquals("Paused: a file sent in one piece keeps nothing; Resume sends it again from"
          + " the start.", text(row.findElement(By.className("detail"))));
      assertEquals(0L, UploadPage.barValue(row), "the bar shows what is kept");
      assertTrue(row.findElement(By.cssSelector("button.resume")).isDisplayed(), "resume offered");
    } finally {
      browser.driver.deleteNetworkConditions();
    }

    row.findElement(By.cssSelector("button.resume")).click();

    page.waitForUpload(name, "done");
    assertEquals(TestFiles.sha256(content),
        TestFiles.sha256(java.nio.file.Files.readAllBytes(page.download(name))));
    assertEquals(1, page.presignRequests(), "the resumed PUT reuses its still valid URL");
  }
}
