package dev.directupload.upload;

/** A part a client wants to upload: its number (1-based) and the base64 SHA-256 of its bytes. */
public record PartRequest(int partNumber, String checksumSha256) {}
