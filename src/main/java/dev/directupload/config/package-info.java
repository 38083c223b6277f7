/** Immutable start-up configuration: where each setting comes from, its default, and its validation. */
package dev.directupload.config;
