package dev.photosidecar.push;

import java.util.List;

/** What {@code push --acknowledge} achieved: how many jobs it acknowledged, and why others were not. */
public record Acknowledged(int count, List<String> problems) {
}
