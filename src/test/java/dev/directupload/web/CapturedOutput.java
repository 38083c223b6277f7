package dev.directupload.web;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.ByteArrayOutputStream;

/** A response body that a test can read back. */
final class CapturedOutput extends ServletOutputStream {
  private final ByteArrayOutputStream bytes;

  CapturedOutput(ByteArrayOutputStream bytes) {
    this.bytes = bytes;
  }

  @Override
  public void write(int b) {
    bytes.write(b);
  }

  @Override
  public boolean isReady() {
    return true;
  }

  @Override
  public void setWriteListener(WriteListener listener) {}
}
