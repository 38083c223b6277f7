package dev.directupload.browser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * Thumbnails never download whole images: a file just uploaded is drawn from the local file
 * (the store is not asked for it), a listed JPEG from the thumbnail in its EXIF block (one read
 * of its first 64 KiB), and a listed image too large to read whole, with no thumbnail of its
 * own, keeps its type badge (the store is not asked either). The store sits behind a
 * {@link StoreProxy}, which notes every GET the browser sends it.
 */
class ThumbnailsIT extends PageTest {
  /** The colour of the EXIF thumbnail: the photo itself is noise. */
  private static final Color EXIF_RED = new Color(220, 20, 20);

  @TempDir
  static Path folder;

  @BeforeAll
  static void start() throws Exception {
    open(LocalSite.startBehindProxy(context -> { }));
  }

  @Test
  void justUploadedPhotoIsDrawnFromTheLocalFile() throws Exception {
    byte[] photo = TestFiles.photoWithExifThumbnail(71, EXIF_RED);
    Path file = TestFiles.write(folder, "ferry-deck.jpg", photo);
    page.open();

    page.choose(file);
    page.waitForUpload("ferry-deck.jpg", "done");

    WebElement picture = page.waitForThumbnail("ferry-deck.jpg");
    assertEquals(List.of(), site.proxy.gets("ferry-deck.jpg"), "GETs of the photo at the store");
    List<Long> centre = page.centreColour(picture);
    assertTrue(!isRed(centre), "drawn from the photo itself, not its EXIF thumbnail: " + centre);
  }

  @Test
  void listedPhotoIsDrawnFromItsExifThumbnailInOneRangedRead() throws Exception {
    byte[] photo = TestFiles.photoWithExifThumbnail(72, EXIF_RED);
    assertTrue(photo.length > 256 * 1024, "a photo too large to read whole: " + photo.length);
    byte[] png = TestFiles.noisePng(73);
    assertTrue(png.length > 256 * 1024, "a picture too large to read whole: " + png.length);
    page.open();
    page.choose(TestFiles.write(folder, "pier-at-noon.jpg", photo),
        TestFiles.write(folder, "static.png", png));
    page.waitForUpload("pier-at-noon.jpg", "done");
    page.waitForUpload("static.png", "done");

    // Listed by a fresh page, which has no local file to draw from.
    page.reload();

    WebElement picture = page.waitForThumbnail("pier-at-noon.jpg");
    assertEquals(List.of("bytes=0-65535"), site.proxy.gets("pier-at-noon.jpg").stream()
        .map(StoreProxy.Get::range).toList(), "the Range of each GET of the photo at the store");
    List<Long> centre = page.centreColour(picture);
    assertTrue(isRed(centre), "drawn from the EXIF thumbnail: " + centre);

    WebElement badge = page.waitForFile("static.png").findElement(By.className("thumb"));
    assertTrue(badge.findElements(By.className("thumb-img")).isEmpty(), "no picture");
    assertEquals("PNG", UploadPage.text(badge));
    assertEquals(List.of(), site.proxy.gets("static.png"), "GETs of the PNG at the store");
  }

  private static boolean isRed(List<Long> rgb) {
    return rgb.get(0) > 180 && rgb.get(1) < 60 && rgb.get(2) < 60;
  }
}
