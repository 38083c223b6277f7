package dev.directupload.browser;

import static dev.directupload.browser.UploadPage.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The upload page in a real browser, used as people use it: files chosen in the picker or dropped
 * on the drop zone reach the store with their progress shown, are listed with their sizes (in
 * units that say what they count) and (for images) thumbnails, come back byte for byte, can be
 * deleted; a disallowed type is refused before any request, and counted in the summary; a HEIC
 * photo goes up as image/heic whatever the browser calls it. The browser console shows no error
 * at any point.
 */
class UploadPageIT extends PageTest {
  @TempDir
  static Path folder;

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.start());
  }

  @Test
  void uploadsChosenAndDroppedFilesWithProgressIntoTheList() throws Exception {
    Path notes = TestFiles.write(folder, "notes.txt", TestFiles.text(300));
    Path table = TestFiles.write(folder, "table.csv", TestFiles.text(1536));
    Path archive = TestFiles.write(folder, "archive.zip", TestFiles.random(1, 5 * 512 * 1024));
    page.open();

    page.choose(notes, table, archive);
    assertTrue(page.drop("lake.png", "image/png", TestFiles.landscapePng(20 * 1024)),
        "expected the drop zone to take the dropped file");

    for (String name : List.of("notes.txt", "table.csv", "archive.zip", "lake.png")) {
      WebElement row = page.waitForUpload(name, "done");
      WebElement bar = row.findElement(By.cssSelector("progress.bar"));
      assertEquals(bar.getAttribute("max"), bar.getAttribute("value"), name + ": bar at 100%");
      assertEquals("Done", text(row.findElement(By.className("status"))), name);
      Map<String, Object> trace = page.trace(name);
      assertTrue(((List<?>) trace.get("details")).stream()
          .anyMatch(d -> d.toString().startsWith("100%")),
          name + ": expected the transfer to show 100% but it showed " + trace.get("details"));
      List<?> states = (List<?>) trace.get("states");
      assertTrue(states.size() >= 3, name + ": expected at least uploading, verifying and done"
          + " but the states seen were " + states);
      assertEquals(List.of("uploading", "verifying", "done"),
          states.subList(states.size() - 3, states.size()), name);
    }
    assertEquals(3, page.mostRunning(), "uploads running at once");
    assertEquals("4 of 4 files done · 100%", text(page.byId("overall-text")));

    // Powers of 1024, and the units say so.
    Map<String, String> sizes = Map.of("notes.txt", "300 B", "table.csv", "1.5 KiB",
        "archive.zip", "2.5 MiB", "lake.png", "20 KiB");
    sizes.forEach((name, size) -> assertEquals(size,
        text(page.waitForFile(name).findElement(By.className("size"))), name));
    assertEquals("image/png", text(page.file("lake.png").findElement(By.className("type"))));
    assertFalse(page.byId("empty").isDisplayed(), "the empty state is hidden");
    // The store answers CORS for this page: api/health must not claim otherwise.
    assertEquals("up", browser.waitUntil("the page to read api/health",
        d -> browser.js("return document.body.dataset.health || null")));
    assertFalse(page.byId("cors-banner").isDisplayed(), "no CORS banner");
    assertFalse(page.byId("banner").isDisplayed(), "no error banner");
    browser.fullPageScreenshot("uploaded");
  }

  @Test
  void listsImagesWithThumbnailsAndOtherFilesWithABadge() throws Exception {
    Path photo = TestFiles.write(folder, "dusk.jpg", TestFiles.duskJpeg());
    Path pdf = TestFiles.write(folder, "report.pdf", TestFiles.pdf(4000));
    Path broken = TestFiles.write(folder, "not-really.png", TestFiles.brokenPng(500));
    page.open();
    page.choose(photo, pdf, broken);
    page.waitForUpload("dusk.jpg", "done");
    page.waitForUpload("report.pdf", "done");
    page.waitForUpload("not-really.png", "done");

    WebElement picture = page.waitForThumbnail("dusk.jpg");
    assertEquals(List.of(48L, 48L), browser.js("const r = arguments[0].getBoundingClientRect();"
        + "return [Math.round(r.width), Math.round(r.height)]", picture), "a fixed box");

    WebElement badge = page.waitForFile("report.pdf").findElement(By.className("thumb"));
    assertTrue(badge.findElements(By.className("thumb-img")).isEmpty(), "no picture for a PDF");
    assertEquals("PDF", text(badge));
    assertEquals("pdf", badge.getAttribute("data-kind"));

    // Typed as an image but not one: the badge stays, with no console error.
    WebElement fallback = page.waitForFile("not-really.png").findElement(By.className("thumb"));
    assertEquals("PNG", text(fallback));
    assertTrue(fallback.findElement(By.className("badge")).isDisplayed(), "the badge shows");

    // Listed after a reload, the small photo is read whole and drawn again; the broken one
    // keeps its badge.
    page.reload();
    page.waitForThumbnail("dusk.jpg");
    assertTrue(page.waitForFile("not-really.png").findElement(By.className("badge")).isDisplayed());
  }

  @Test
  void downloadLinkSavesTheExactBytes() throws Exception {
    byte[] content = TestFiles.random(2, 300_000);
    Path file = TestFiles.write(folder, "download-me.zip", content);
    page.open();
    page.choose(file);
    page.waitForUpload("download-me.zip", "done");

    page.waitForFile("download-me.zip").findElement(By.cssSelector("a.download")).click();

    Path saved = browser.downloads.resolve("download-me.zip");
    // Chromium writes to a ".crdownload" file and renames it to the final name when complete.
    browser.waitUntil("the download to be saved as " + saved, d -> Files.isRegularFile(saved));
    assertArrayEquals(content, Files.readAllBytes(saved));
  }

  @Test
  void deletedFileLeavesTheList() throws Exception {
    Path file = TestFiles.write(folder, "delete-me.txt", TestFiles.text(10));
    page.open();
    page.choose(file);
    page.waitForUpload("delete-me.txt", "done");
    WebElement row = page.waitForFile("delete-me.txt");
    String id = row.getAttribute("data-id");

    row.findElement(By.cssSelector("button.delete")).click();
    row.findElement(By.cssSelector("button.confirm-delete")).click();

    page.waitUntilNotListed("delete-me.txt");
    assertFalse(site.get("api/files?limit=1000").contains(id), "the server no longer lists it");
  }

  @Test
  void refusesADisallowedTypeBeforeAnyRequest() throws Exception {
    Path html = TestFiles.write(folder, "page.html", TestFiles.text(100));
    Path allowed = TestFiles.write(folder, "allowed.txt", TestFiles.text(100));
    page.open();
    long presignsBefore = page.presignRequests();

    // Chosen together: once the allowed file is done, the page has had every chance to send
    // a request for the refused one as well.
    page.choose(html, allowed);

    WebElement refused = page.waitForUpload("page.html", "refused");
    assertEquals("The type text/html is not allowed.",
        text(refused.findElement(By.className("detail"))));
    assertEquals("Refused", text(refused.findElement(By.className("status"))));
    page.waitForUpload("allowed.txt", "done");
    assertEquals("1 of 2 files done · 100% · 1 refused", text(page.byId("overall-text")),
        "the summary counts every row shown");
    assertEquals(presignsBefore + 1, page.presignRequests(), "presign requests: allowed.txt only");
    assertFalse(site.get("api/uploads?status=pending").contains("page.html"));
    page.waitForFile("allowed.txt");
    assertEquals(null, page.file("page.html"));
  }

  @Test
  void heicPhotoGoesUpAsHeicWhateverTheBrowserCallsIt() throws Exception {
    page.open();

    // Chromium reports a .heic file as image/heif, or with no type at all.
    page.drop("harbour.heic", "image/heif", TestFiles.heic(40_000));
    page.drop("IMG_0042.HEIC", "", TestFiles.heic(30_000));

    for (String name : List.of("harbour.heic", "IMG_0042.HEIC")) {
      page.waitForUpload(name, "done");
      String stored = text(page.waitForFile(name).findElement(By.className("type")));
      assertTrue(stored.equals("image/heic") || stored.equals("image/heif"),
          name + " is stored as a HEIC photo: " + stored);
    }
  }

  @Test
  void fitsA360PixelWideScreen() throws Exception {
    Path file = TestFiles.write(folder,
        "a-rather-long-file-name-that-has-to-wrap-on-a-phone-screen.txt", TestFiles.text(2048));
    Dimension desktop = browser.driver.manage().window().getSize();
    browser.driver.manage().window().setSize(new Dimension(360, 800));
    try {
      page.open();
      page.choose(file);
      page.waitForUpload(file.getFileName().toString(), "done");
      page.waitForFile(file.getFileName().toString());
      assertEquals(360L, browser.js("return window.innerWidth"), "the viewport's width");
      assertTrue((Long) browser.js("return document.documentElement.scrollWidth") <= 360,
          "expected no horizontal scrolling at 360 px");
      browser.fullPageScreenshot("narrow");
    } finally {
      browser.driver.manage().window().setSize(desktop);
    }
  }
}
