package dev.photosidecar.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Writes {@code report.md} (one table row per figure, plus facts and notes) and {@code report.png}. */
final class BenchReport {
    private final List<Row> rows = new ArrayList<>();
    private final List<String> facts = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
    }

    /** A line under the table: a figure without a reference (jar size, peak RSS) or how something was run. */
    void fact(String line) {
        facts.add(line);
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    String markdown(String header) {
        StringBuilder sb = new StringBuilder(header);
        sb.append("\n| scenario | figure | sidecar (median) | spread | reference | reference (median) | spread | ratio | reps | target |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row r : rows) {
            sb.append("| ").append(r.scenario())
                    .append(" | ").append(r.metric())
                    .append(" | ").append(Series.format(r.sidecar().median())).append(' ').append(r.sidecar().unit())
                    .append(" | ").append(r.sidecar().spread())
                    .append(" | ").append(r.referenceName())
                    .append(" | ").append(Series.format(r.reference().median())).append(' ').append(r.reference().unit())
                    .append(" | ").append(r.reference().spread())
                    .append(" | ").append(r.ratioText())
                    .append(" | ").append(r.sidecar().count()).append(r.sidecar().count() == r.reference().count()
                            ? "" : " / " + r.reference().count())
                    .append(" | ").append(r.verdict())
                    .append(" |\n");
        }
        sb.append('\n');
        for (String f : facts) {
            sb.append("- ").append(f).append('\n');
        }
        List<Row> notes = rows.stream().filter(r -> !r.note().isEmpty()).toList();
        if (!notes.isEmpty()) {
            sb.append("\nNotes:\n");
            for (Row r : notes) {
                sb.append("- ").append(r.scenario()).append(", ").append(r.metric()).append(": ").append(r.note()).append('\n');
            }
        }
        return sb.toString();
    }

    void write(Path dir, String header) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), markdown(header));
        ImageIO.write(chart(), "png", dir.resolve("report.png").toFile());
    }

    /**
     * One bar pair per row: the reference drawn as 100 %, the sidecar as its share of it, the ratio written
     * beside them. For rows where lower is better the bars still show sidecar ÷ reference; the label says which.
     */
    BufferedImage chart() {
        int rowHeight = 46;
        int left = 420;
        int barMax = 480;
        int width = left + barMax + 380;
        int height = 60 + rows.size() * rowHeight + 30;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString("Photo Upload Sidecar benchmark: sidecar (blue) vs reference (grey) = 100 %", 12, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        double maxRatio = Math.max(1.0, rows.stream().mapToDouble(Row::ratio).max().orElse(1));
        double scale = barMax / Math.min(maxRatio, 4.0);
        int y = 50;
        for (Row r : rows) {
            g.setColor(Color.BLACK);
            g.drawString(clip(r.scenario() + ": " + r.metric(), 66), 12, y + 14);
            g.drawString(clip("vs " + r.referenceName(), 66), 12, y + 30);
            int refWidth = (int) Math.round(scale);
            int sideWidth = (int) Math.round(Math.min(r.ratio(), 4.0) * scale);
            g.setColor(new Color(0x1f77b4));
            g.fillRect(left, y + 2, Math.max(1, sideWidth), 16);
            g.setColor(new Color(0xaaaaaa));
            g.fillRect(left, y + 20, refWidth, 16);
            g.setColor(Color.BLACK);
            String label = String.format(Locale.ROOT, "%s (%s %s vs %s %s)%s", r.ratioText(),
                    Series.format(r.sidecar().median()), r.sidecar().unit(), Series.format(r.reference().median()),
                    r.reference().unit(), r.higherIsBetter() ? "" : " lower is better");
            g.drawString(label, left + Math.max(sideWidth, refWidth) + 8, y + 24);
            if (!r.target().isEmpty()) {
                g.setColor(r.targetMet() ? new Color(0x2ca02c) : new Color(0xd62728));
                g.drawString(r.target() + (r.targetMet() ? " met" : " missed"), left + Math.max(sideWidth, refWidth) + 8, y + 38);
            }
            y += rowHeight;
        }
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
        g.drawLine(left + (int) Math.round(scale), 40, left + (int) Math.round(scale), height - 20);
        g.dispose();
        return img;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
