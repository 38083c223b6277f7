/** What the application knows about uploads, behind one port: in memory (rebuilt from the bucket) or in PostgreSQL. */
package dev.directupload.registry;
