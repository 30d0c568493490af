package dev.photosidecar.delivery.target.webdav;

import java.util.Optional;

/**
 * What a PROPFIND of one resource says about it, as {@link WebDavClient#stat} reads it: its size ({@code -1} when
 * the host gave none, or none that is a number), its ETag, and whether it is a folder.
 */
record DavStat(long size, Optional<String> etag, boolean folder) {
}
