package dev.directupload.registry;

/** A listing cursor this server did not issue. */
public final class BadCursorException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public BadCursorException() {
    super("cursor is not one this server issued; use nextCursor from a previous page");
  }
}
